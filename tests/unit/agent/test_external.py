"""Which position changes our own work explains (agent.external)."""

from __future__ import annotations

from collections.abc import Sequence

from agent.external import (
    HEDGE,
    ExternalChange,
    Key,
    OwnChange,
    external_changes,
    maybe_changes,
    own_changes,
)
from agent.intents import Action

PERP = ("hyperliquid", "ETH", HEDGE)
DEBT = ("aave", "USDC", "debt")
SUPPLY = ("aave", "WETH", "supply")


def changes(
    before: dict[Key, float],
    after: dict[Key, float],
    done: Sequence[OwnChange] = (),
    maybe: Sequence[OwnChange] = (),
) -> list[ExternalChange]:
    return external_changes(
        before, after, own_changes(done), maybe_changes(maybe), {"hyperliquid", "aave"}
    )


def test_our_own_fill_explains_the_change_exactly() -> None:
    sell = OwnChange("hyperliquid", Action.SELL, "ETH", 3.0)
    assert changes({PERP: -1.0}, {PERP: -4.0}, [sell]) == []
    [found] = changes({PERP: -1.0}, {PERP: -4.5}, [sell])
    assert (found.before, found.after, found.explained, found.cause) == (
        -1.0,
        -4.5,
        -3.0,
        "unexplained",
    )


def test_a_position_closed_or_opened_by_someone_else_is_found() -> None:
    assert [c.kind for c in changes({PERP: -5.0}, {})] == [HEDGE]
    assert [c.kind for c in changes({}, {PERP: 2.0})] == [HEDGE]


def test_work_that_may_or_may_not_show_is_a_range() -> None:
    maybe = [OwnChange("hyperliquid", Action.SELL, "ETH", 3.0)]
    assert changes({PERP: 0.0}, {PERP: 0.0}, maybe=maybe) == []
    assert changes({PERP: 0.0}, {PERP: -3.0}, maybe=maybe) == []
    assert len(changes({PERP: 0.0}, {PERP: 3.0}, maybe=maybe)) == 1


def test_interest_is_not_an_event_a_liquidation_is() -> None:
    assert changes({DEBT: -22_000.0}, {DEBT: -22_001.0}) == []  # accrual
    [debt, supply] = changes({DEBT: -22_000.0, SUPPLY: 10.0}, {DEBT: -11_000.0, SUPPLY: 5.6})
    assert (debt.kind, supply.kind) == ("debt", "supply")


def test_repay_and_repay_with_collateral_explain_debt_and_supply() -> None:
    done = [
        OwnChange("aave", Action.REPAY, "USDC", 5_000.0),
        OwnChange("aave", Action.REPAY_WITH_COLLATERAL, "WETH", 1.0),
    ]
    debt_weth = ("aave", "WETH", "debt")
    before = {DEBT: -20_000.0, SUPPLY: 10.0, debt_weth: -2.0}
    after = {DEBT: -15_000.0, SUPPLY: 9.0, debt_weth: -1.0}
    assert changes(before, after, done) == []


def test_a_venue_not_read_this_time_is_not_compared() -> None:
    found = external_changes({PERP: -5.0}, {}, {}, {}, {"aave"})
    assert found == []


def test_a_position_our_work_opened_that_is_gone_is_found() -> None:
    """Flat before, our fill sold 3, flat after (someone bought it back): the position
    shows on neither side, only in our own work."""
    sell = OwnChange("hyperliquid", Action.SELL, "ETH", 3.0)
    [found] = changes({}, {}, [sell])
    assert (found.subject, found.before, found.after, found.explained) == (
        "hyperliquid:ETH:hedge",
        0.0,
        0.0,
        -3.0,
    )
    assert "expected -3" in found.describe()
