"""Liquidation probability: first passage under GBM (closed form) and jump diffusion (MC)."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.risk.jump_diffusion import (
    JumpDiffusion,
    jump_diffusion_extremes,
    jump_diffusion_probability,
)
from agent.risk.liquidation_probability import (
    _gbm_terms,
    _log_distance_passage,
    first_passage_probability,
    passage_log_distance,
    passage_probability,
    passage_terms,
)
from agent.risk.validation import RiskInputError


def _phi(value: float) -> float:
    return 0.5 * math.erfc(-value / math.sqrt(2))


def test_driftless_single_barrier_is_the_reflection_principle():
    # ln(S) driftless when mu = sigma**2 / 2: P(min <= L) = 2 Phi(ln(L/S) / (sigma sqrt T)).
    vol, years = 0.8, 0.25
    probability = first_passage_probability(3000.0, years, vol, lower=2400.0, drift=0.5 * vol * vol)
    assert probability == pytest.approx(
        2 * _phi(math.log(0.8) / (vol * math.sqrt(years))), rel=1e-12
    )


def test_touching_levels_and_no_levels():
    assert first_passage_probability(3000.0, 0.1, 0.6, lower=3000.0) == 1.0
    assert first_passage_probability(3000.0, 0.1, 0.6, upper=2999.0) == 1.0
    assert first_passage_probability(3000.0, 0.1, 0.6) == 0.0
    assert first_passage_probability(3000.0, 0.0, 0.6, lower=2000.0) == 0.0


def test_double_barrier_is_below_the_sum_and_above_each_side():
    kwargs = dict(spot=3000.0, years=0.5, vol=0.7)
    down = first_passage_probability(**kwargs, lower=2200.0)
    up = first_passage_probability(**kwargs, upper=4000.0)
    either = first_passage_probability(**kwargs, lower=2200.0, upper=4000.0)
    assert max(down, up) < either < down + up


@pytest.mark.parametrize(
    ("lower", "upper", "drift"), [(2400.0, None, 0.0), (None, 3600.0, 0.3), (2500.0, 3500.0, -0.2)]
)
def test_closed_form_agrees_with_monte_carlo_without_jumps(lower, upper, drift):
    model = JumpDiffusion(vol=0.6, jump_intensity=0.0, jump_mean=0.0, jump_vol=0.0, drift=drift)
    estimate = jump_diffusion_probability(
        3000.0, 0.25, model, lower=lower, upper=upper, paths=40_000, steps=50, seed=7
    )
    exact = first_passage_probability(3000.0, 0.25, 0.6, lower=lower, upper=upper, drift=drift)
    assert abs(estimate.probability - exact) < 4 * estimate.standard_error + 2e-3


def test_jumps_raise_the_probability_and_runs_repeat():
    calm = JumpDiffusion(vol=0.5, jump_intensity=0.0, jump_mean=0.0, jump_vol=0.0)
    jumpy = JumpDiffusion(vol=0.5, jump_intensity=12.0, jump_mean=-0.05, jump_vol=0.08)
    arguments = dict(spot=3000.0, years=0.1, lower=2500.0, paths=20_000, steps=30)
    first = jump_diffusion_probability(model=jumpy, seed=1, **arguments)
    again = jump_diffusion_probability(model=jumpy, seed=1, **arguments)
    assert first == again
    assert (
        first.probability
        > jump_diffusion_probability(model=calm, seed=1, **arguments).probability + 0.02
    )


def test_invalid_inputs():
    with pytest.raises(RiskInputError):
        first_passage_probability(3000.0, 0.1, 0.0, lower=2000.0)
    with pytest.raises(RiskInputError):
        JumpDiffusion(vol=0.5, jump_intensity=-1.0, jump_mean=0.0, jump_vol=0.1)


def test_path_extremes_agree_with_the_closed_form_and_the_crossing_estimator():
    # Without jumps the bridge-sampled extremes give the continuous-monitoring
    # probability (closed form); with jumps they agree with the crossing estimator.
    years, paths = 1 / 365, 40_000
    calm = jump_diffusion_extremes(years, JumpDiffusion(0.9, 0.0, 0.0, 0.0), paths=paths, steps=8)
    for lower in (0.97, 0.95):
        exact = first_passage_probability(1.0, years, 0.9, lower=lower)
        error = 4 * math.sqrt(exact * (1 - exact) / paths)
        assert calm.probability(lower=lower) == pytest.approx(exact, abs=error)
    exact_up = first_passage_probability(1.0, years, 0.9, upper=1.04)
    error = 4 * math.sqrt(exact_up * (1 - exact_up) / paths)
    assert calm.probability(upper=1.04) == pytest.approx(exact_up, abs=error)
    model = JumpDiffusion(0.9, 400.0, -0.04, 0.02)
    jumpy = jump_diffusion_extremes(years, model, paths=paths, steps=8)
    crossing = jump_diffusion_probability(1.0, years, model, lower=0.93, paths=paths, steps=8)
    assert jumpy.probability(lower=0.93) == pytest.approx(
        crossing.probability, abs=5 * crossing.standard_error + 2e-3
    )
    # The level for a probability is where that share of paths has touched.
    distance = jumpy.log_distance(0.01, down=True)
    assert jumpy.probability(lower=math.exp(-distance)) <= 0.01
    assert jumpy.probability(lower=math.exp(-distance * 0.999)) > 0.01 - 1 / paths


def _bisection_call_by_call(
    probability: float, years: float, vol: float, down: bool, most: float, bisections: int
) -> float:
    """The bisection ``passage_log_distance`` replaces, one Python call per step."""
    low, found = 0.0, most
    for _ in range(bisections):
        middle = 0.5 * (low + found)
        barrier = math.exp(-middle if down else middle)
        lower, upper = (barrier, None) if down else (None, barrier)
        if first_passage_probability(1.0, years, vol, lower=lower, upper=upper) > probability:
            low = middle
        else:
            found = middle
    return found


@settings(max_examples=400, deadline=None)
@given(
    probability=st.one_of(st.floats(0.0, 1.0), st.floats(1e-12, 1e-2)),
    years=st.one_of(st.just(0.0), st.floats(1e-9, 2.0)),
    vol=st.floats(1e-3, 60.0),
    down=st.booleans(),
    most=st.one_of(st.just(12.0), st.floats(1e-6, 700.0)),
)
def test_log_distance_kernel_is_the_call_by_call_bisection_bit_for_bit(
    probability: float, years: float, vol: float, down: bool, most: float
) -> None:
    found = passage_log_distance(probability, years, vol, down=down, most=most, bisections=48)
    expected = _bisection_call_by_call(probability, years, vol, down, most, 48)
    assert math.copysign(1.0, found) == math.copysign(1.0, expected)
    assert found == expected or (math.isnan(found) and math.isnan(expected))


def _passage_call_by_call(distance: float, years: float, vol: float, down: bool) -> float:
    """What the bisection's compiled step computes, as steering asked it call by call."""
    if distance <= 0:
        return 1.0
    barrier = math.exp(-distance if down else distance)
    lower, upper = (barrier, None) if down else (None, barrier)
    return first_passage_probability(1.0, years, vol, lower=lower, upper=upper)


@settings(max_examples=300, deadline=None)
@given(
    distances=st.lists(
        st.one_of(st.floats(-1.0, 700.0), st.floats(1e-9, 0.5), st.just(0.0)), max_size=40
    ),
    years=st.one_of(st.just(0.0), st.floats(1e-9, 2.0)),
    vol=st.floats(1e-3, 60.0),
    down=st.booleans(),
)
def test_passage_kernel_is_first_passage_probability_bit_for_bit(
    distances: list[float], years: float, vol: float, down: bool
) -> None:
    terms = _gbm_terms(years, vol)
    found = [_log_distance_passage(d, down, years, *terms) for d in distances]
    expected = [_passage_call_by_call(d, years, vol, down) for d in distances]
    assert [struct.pack("<d", x) for x in found] == [struct.pack("<d", x) for x in expected]


_EDGES = [0.0, -0.0, 700.0, 700.5, 745.5, 1e308, math.inf, math.nan]  # 700: e^L's bound
_DISTANCES = st.one_of(st.floats(-1.0, 700.0), st.floats(1e-9, 0.5), st.sampled_from(_EDGES))


@settings(max_examples=200, deadline=None)
@given(
    distances=st.lists(_DISTANCES, max_size=30),
    years=st.one_of(st.just(0.0), st.floats(1e-9, 2.0)),
    vol=st.floats(1e-3, 60.0),
    down=st.booleans(),
)
def test_passage_probability_is_first_passage_probability_bit_for_bit(
    distances: list[float], years: float, vol: float, down: bool
) -> None:
    # steering's per-account probability: compiled up to 700, the scalar path beyond
    # (which overflows past e^709 upwards and refuses e^inf: the same error either way)
    def outcome(probability: Callable[[], float]) -> bytes | str:
        try:
            return struct.pack("<d", probability())
        except (OverflowError, RiskInputError) as error:
            return f"{type(error).__name__}: {error}"

    terms = passage_terms(years, vol)
    expected = [outcome(partial(_passage_call_by_call, d, years, vol, down)) for d in distances]
    for kept in (terms, None):
        found = [
            outcome(partial(passage_probability, d, years, vol, down=down, terms=kept))
            for d in distances
        ]
        assert found == expected


@pytest.mark.parametrize(("years", "vol", "field"), [(-1.0, 0.5, "years"), (0.1, 0.0, "vol")])
def test_passage_probability_refuses_what_the_probability_refuses(
    years: float, vol: float, field: str
) -> None:
    with pytest.raises(RiskInputError, match=field):
        first_passage_probability(1.0, years, vol, lower=0.5)
    with pytest.raises(RiskInputError, match=field):
        passage_terms(years, vol)
    with pytest.raises(RiskInputError, match=field):
        passage_probability(0.5, years, vol, down=True)


@pytest.mark.parametrize(
    ("years", "vol", "most", "field"),
    [(-1.0, 0.5, 12.0, "years"), (0.1, 0.0, 12.0, "vol"), (0.1, 0.5, 701.0, "most")],
)
def test_log_distance_refuses_what_the_probability_refuses(
    years: float, vol: float, most: float, field: str
) -> None:
    with pytest.raises(RiskInputError, match=field):
        passage_log_distance(0.01, years, vol, down=True, most=most, bisections=4)
