"""Alerts fire exactly when a value passes its limit, not at it."""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config.models import AlertSettings
from agent.model import Greeks
from agent.policy.alerts import (
    Alert,
    AlertCode,
    Severity,
    greek_alerts,
    ordered,
    relative_difference,
    risk_alerts,
)
from agent.policy.inputs import GreekCheck
from tests.unit.policy.builders import PARAMETERS, eth_risk

LIMITS = AlertSettings(
    max_abs_gamma={"ETH": 0.5},
    max_abs_vega_usd={"ETH": 10_000.0},
    max_stress_loss_usd=250_000.0,
    min_liquidation_distance=0.2,
    venue_greek_tolerance=0.05,
)
ABOVE = 1 + 1e-9


def codes(alerts: list[Alert]) -> list[AlertCode]:
    return [alert.code for alert in alerts]


@pytest.mark.parametrize(
    ("fields", "stress", "expected"),
    [
        ({"gamma": 0.5, "vega_usd": -10_000.0}, 250_000.0, []),
        ({"gamma": -0.5 * ABOVE}, None, [AlertCode.GAMMA_LIMIT]),
        ({"vega_usd": -10_000.0 * ABOVE}, None, [AlertCode.VEGA_LIMIT]),
        ({}, 250_000.0 * ABOVE, [AlertCode.STRESS_LOSS]),
        ({"liquidation_distance_down": 0.2, "liquidation_distance_up": 0.5}, None, []),
        ({"liquidation_distance_up": 0.2 / ABOVE}, None, [AlertCode.LIQUIDATION_DISTANCE]),
        ({"liquidation_distance_down": 0.19}, None, [AlertCode.LIQUIDATION_DISTANCE]),
    ],
)
def test_limits_at_and_just_past(
    fields: dict[str, float], stress: float | None, expected: list[AlertCode]
) -> None:
    assert codes(risk_alerts([eth_risk(0.0, **fields)], stress, LIMITS)) == expected


def test_no_limit_configured_no_alert() -> None:
    risk = eth_risk(0.0, gamma=100.0, vega_usd=1e9, liquidation_distance_down=0.01)
    assert risk_alerts([risk], 1e12, AlertSettings()) == []


def test_alert_carries_its_figures() -> None:
    (alert,) = risk_alerts([eth_risk(0.0, liquidation_distance_down=0.1)], None, LIMITS)
    assert alert.severity is Severity.CRITICAL
    assert alert.subject == "ETH"
    assert dict(alert.values) == {"distance": 0.1, "limit": 0.2}


def check(ours: Greeks, reported: Greeks) -> GreekCheck:
    return GreekCheck(venue="deribit", position="ETH-27MAR26-3000-C", ours=ours, reported=reported)


@pytest.mark.parametrize(
    ("ours", "reported", "expected"),
    [
        (Greeks(delta=1.0), Greeks(delta=0.75), []),  # 25 % exactly: within tolerance
        (Greeks(delta=1.0), Greeks(delta=0.7499), ["delta"]),
        (Greeks(delta=-0.4), Greeks(delta=0.4), ["delta"]),  # opposite signs
        (Greeks(gamma=0.002), Greeks(gamma=0.003), ["gamma"]),
        (Greeks(vega=12.0, delta=0.5), Greeks(vega=8.0, delta=0.3), ["delta", "vega"]),
        (Greeks(delta=1e-7), Greeks(delta=0.0), []),  # under the floor: noise
        (Greeks(delta=0.3), Greeks(delta=float("nan")), ["delta"]),  # unreadable
    ],
)
def test_venue_greeks(ours: Greeks, reported: Greeks, expected: list[str]) -> None:
    alerts = greek_alerts([check(ours, reported)], 0.25, PARAMETERS)
    if not expected:
        assert alerts == []
        return
    (alert,) = alerts
    assert alert.code is AlertCode.VENUE_GREEKS
    assert alert.subject == "deribit:ETH-27MAR26-3000-C"
    assert sorted({key.rsplit("_", 1)[0] for key in alert.values}) == expected


def test_relative_difference() -> None:
    assert relative_difference(0.0, 0.0) == 0.0
    assert relative_difference(2.0, 1.0) == 0.5
    assert relative_difference(-1.0, 1.0) == 2.0


def test_relative_difference_is_the_written_formula_for_every_special_value() -> None:
    # The scale is picked inline: the same float as max() of the magnitudes gives.
    values = (0.0, -0.0, 1.0, -2.5, 3e-300, math.inf, -math.inf, math.nan)
    for ours in values:
        for reported in values:
            scale = max(abs(ours), abs(reported))
            expected = 0.0 if scale == 0 else abs(ours - reported) / scale
            found = relative_difference(ours, reported)
            assert str(found) == str(expected), (ours, reported)


def test_ordered_most_severe_first_then_code_then_subject() -> None:
    alerts = [
        Alert(AlertCode.VEGA_LIMIT, Severity.WARNING, "ETH", ""),
        Alert(AlertCode.HEDGE_DEFERRED, Severity.INFO, "BTC", ""),
        Alert(AlertCode.LIQUIDATION_DISTANCE, Severity.CRITICAL, "ETH", ""),
        Alert(AlertCode.GAMMA_LIMIT, Severity.WARNING, "ETH", ""),
        Alert(AlertCode.GAMMA_LIMIT, Severity.WARNING, "BTC", ""),
    ]
    assert [(a.code, a.subject) for a in ordered(alerts)] == [
        (AlertCode.LIQUIDATION_DISTANCE, "ETH"),
        (AlertCode.GAMMA_LIMIT, "BTC"),
        (AlertCode.GAMMA_LIMIT, "ETH"),
        (AlertCode.VEGA_LIMIT, "ETH"),
        (AlertCode.HEDGE_DEFERRED, "BTC"),
    ]


def _disagreeing_as_written(check: GreekCheck, tolerance: float) -> dict[str, float]:
    """The comparison ``greek_alerts`` makes, per Greek, through ``relative_difference``."""
    floors = {
        "delta": PARAMETERS.greek_floor_delta,
        "gamma": PARAMETERS.greek_floor_gamma,
        "vega": PARAMETERS.greek_floor_vega,
    }
    values: dict[str, float] = {}
    for name, floor in floors.items():
        ours, reported = getattr(check.ours, name), getattr(check.reported, name)
        finite = math.isfinite(ours) and math.isfinite(reported)
        material = max(abs(ours), abs(reported)) > floor
        if not finite or (material and relative_difference(ours, reported) > tolerance):
            values[f"{name}_ours"], values[f"{name}_venue"] = ours, reported
    return values


_GREEK = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-9, 0.01, 0.5, 1.0, -1.0]),
)
_GREEKS = st.builds(Greeks, delta=_GREEK, gamma=_GREEK, vega=_GREEK)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(_GREEKS, _GREEKS), max_size=5), tolerance=st.floats(0.0, 2.0))
def test_greek_alerts_are_the_comparison_as_written(
    pairs: list[tuple[Greeks, Greeks]], tolerance: float
) -> None:
    checks = [GreekCheck("deribit", f"p{n}", ours, venue) for n, (ours, venue) in enumerate(pairs)]
    alerts = greek_alerts(checks, tolerance, PARAMETERS)
    found = {a.subject: _bits(a.values) for a in alerts}
    expected = {f"deribit:{c.position}": _disagreeing_as_written(c, tolerance) for c in checks}
    assert found == {name: _bits(values) for name, values in expected.items() if values}
    for alert in alerts:
        names = ", ".join(key[: -len("_ours")] for key in alert.values if key.endswith("_ours"))
        assert alert.message == (
            f"{alert.subject}: the venue's {names} differ from ours by more than {tolerance:.1%}"
        )


def _bits(values: Mapping[str, float]) -> list[tuple[str, bytes]]:
    return [(name, struct.pack("<d", value)) for name, value in values.items()]
