"""What an Aave market's accounts share in a tick is shared exactly, never stale.

- ``MarketChecks.parsed`` serves the market's parse again only for the very same result
  objects (the same tuple, or a tuple of the same objects), and parses anything else.
- ``account_figures`` (each balance computed once, for the tick's computed accounts)
  gives what ``account_data``, ``supplied`` and ``variable_debt`` give one by one, and
  refuses (``NotReplicable``) exactly when one of them does.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.ports import CallResult
from connectors.evm.aave_v3_checks import MarketChecks, MarketRead
from connectors.evm.aave_v3_local import (
    RAY,
    UINT256_MAX,
    AccountState,
    EModeRisk,
    NotReplicable,
    ReserveFigures,
    account_data,
    account_figures,
    supplied,
    variable_debt,
)
from connectors.evm.aave_v3_reserves import MarketView


def _results(*payloads: bytes) -> tuple[CallResult, ...]:
    return tuple(CallResult(True, payload) for payload in payloads)


def test_a_market_is_parsed_again_unless_its_results_are_the_same_objects() -> None:
    checks = MarketChecks()
    parses: list[Sequence[CallResult]] = []

    def parse(results: Sequence[CallResult]) -> MarketRead:
        parses.append(results)
        return {}, {}, [results], []

    first = _results(b"a", b"b")
    found = checks.parsed(first, parse)
    assert checks.parsed(first, parse) is found, "the same tuple: the same parse"
    view = checks.view("key", lambda: MarketView((), (), (), {}, (), ()))
    same_objects = tuple(first)[:1] + tuple(first)[1:]
    assert same_objects is not first
    assert checks.parsed(same_objects, parse) is found
    assert checks.parsed(same_objects, parse) is found
    assert checks.view("key", lambda: MarketView((), (), (), {"x": 1.0}, (), ())) is view
    assert len(parses) == 1
    equal_values = _results(b"a", b"b")  # another read's objects, equal bytes
    assert checks.parsed(equal_values, parse) is not found
    assert parses[-1] is equal_values
    assert checks.view("key", lambda: MarketView((), (), (), {"x": 1.0}, (), ())) is not view
    assert checks.parsed(first[:1], parse)[2] == [first[:1]], "fewer results: parsed"
    assert len(parses) == 3


reserve_ids = st.permutations(range(4)).map(lambda ids: ids[:3])
# values that overflow uint256 once multiplied, now and then
big = st.one_of(*[st.integers(0, 10**30)] * 3, st.integers(0, UINT256_MAX))


@st.composite
def accounts(draw: st.DrawFn) -> tuple[AccountState, list[ReserveFigures], dict[int, EModeRisk]]:
    ids = draw(reserve_ids)
    reserves = [
        ReserveFigures(
            reserve_id=reserve_id,
            decimals=draw(st.sampled_from([0, 6, 8, 18])),
            ltv_bps=draw(st.integers(0, 9_000)),
            liquidation_threshold_bps=draw(st.sampled_from([0, 7_800, 8_250])),
            emode_category=draw(st.integers(0, 2)),
            price=draw(st.one_of(st.integers(0, 10**14), big)),
            normalized_income=draw(st.one_of(st.integers(RAY, 2 * RAY), big)),
            normalized_variable_debt=draw(st.one_of(st.integers(RAY, 2 * RAY), big)),
        )
        for reserve_id in ids
    ]
    balances = st.lists(st.one_of(st.just(0), st.integers(0, 10**24), big), min_size=3, max_size=3)
    tracked = sum(3 << (reserve_id << 1) for reserve_id in ids)
    configuration = draw(st.integers(0, 2**8 - 1))
    state = AccountState(
        # mostly reserves the connector tracks, sometimes another one
        configuration=configuration if draw(st.integers(0, 4)) == 0 else configuration & tracked,
        emode=draw(st.integers(0, 2)),
        scaled_supply=tuple(draw(balances)),
        scaled_variable_debt=tuple(draw(balances)),
        wallet=(0, 0, 0),
        allowance=(0, 0, 0),
    )
    categories = draw(
        st.dictionaries(
            st.integers(1, 2),
            st.builds(EModeRisk, st.integers(0, 9_500), st.integers(0, 9_700), st.just(0) | big),
        )
    )
    return state, reserves, categories


def _one_by_one(
    state: AccountState, reserves: list[ReserveFigures], categories: dict[int, EModeRisk]
) -> object:
    try:
        return (
            account_data(state, reserves, categories),
            tuple(supplied(s, r) for s, r in zip(state.scaled_supply, reserves, strict=True)),
            tuple(
                variable_debt(s, r)
                for s, r in zip(state.scaled_variable_debt, reserves, strict=True)
            ),
        )
    except NotReplicable:
        return NotReplicable


@settings(max_examples=200, deadline=None)
@given(account=accounts())
def test_the_figures_computed_together_are_those_computed_one_by_one(
    account: tuple[AccountState, list[ReserveFigures], dict[int, EModeRisk]],
) -> None:
    state, reserves, categories = account
    try:
        together: object = account_figures(state, reserves, categories)
    except NotReplicable:
        together = NotReplicable
    assert together == _one_by_one(state, reserves, categories)
