"""The liquidation search prices each account alone, walks the grid only as far as the
account needs, and skips linear accounts healthy at both ends: it must find exactly the
floats the full revaluation of the whole book finds (``scenarios.health_under``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np

from agent.risk import liquidation
from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.scenarios import health_under, spot_multipliers_for
from agent.risk.terms import OptionType, Settlement
from tests.unit.risk.books import NOW


def _book() -> Book:
    """Lending accounts (healthy, tight, debt-free), a cross account of options and an
    inverse future on two coins, isolated perps long and short."""
    market = {
        "ETH": risk.MarketState(spot=3000.0, rate=0.03, vol=0.6),
        "BTC": risk.MarketState(spot=60_000.0, rate=0.03, vol=0.5),
        "USDC": risk.MarketState(spot=1.0, pegged=True),
    }
    rows: list[risk.Position] = []
    for index, (supplied, borrowed) in enumerate([(2.0, 2000.0), (2.0, 4500.0), (1.0, 0.0)]):
        name = f"aave:{index}"
        rows.append(risk.LendingSupplyPosition(f"{name}:eth", "aave", "ETH", supplied, 0.83, name))
        rows.append(risk.LendingSupplyPosition(f"{name}:btc", "aave", "BTC", 0.01, 0.78, name))
        if borrowed:
            rows.append(risk.LendingDebtPosition(f"{name}:usdc", "aave", "USDC", borrowed, name))
    for index, strike in enumerate(np.linspace(2000.0, 4400.0, 25)):
        for coin, scale in (("ETH", 1.0), ("BTC", 20.0)):
            kind = OptionType.CALL if index % 2 else OptionType.PUT
            rows.append(
                risk.OptionPosition(
                    f"deribit:{coin}:{index}", "deribit", coin, kind, float(strike) * scale,
                    NOW + timedelta(days=7 + index), -1.0, Settlement.INVERSE,
                    vol=0.5 + 0.01 * index, account="deribit:cross",
                    maintenance_margin_rate=0.075,
                )
            )  # fmt: skip
    rows.append(
        risk.FuturePosition(
            "deribit:future", "deribit", "BTC", -30_000.0, NOW + timedelta(days=30),
            entry_price=60_000.0, settlement=Settlement.INVERSE, account="deribit:cross",
            maintenance_margin_rate=0.01,
        )
    )  # fmt: skip
    for index, quantity in enumerate((3.0, -2.0)):
        rows.append(
            risk.PerpetualPosition(
                f"gmx:{index}", "gmx", "ETH", quantity, entry_price=3000.0,
                collateral_usd=1500.0, maintenance_margin_rate=0.01, fees_usd=3.0,
            )
        )  # fmt: skip
    accounts = [risk.MarginAccount("deribit:cross", "deribit", cash_usd=400_000.0)]
    return Book.from_records(NOW, market, rows, accounts)


def _reference(book: Book) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """The search as it was: every account revalued with the whole book at every move."""
    arrays = book.arrays
    accounts = arrays.lending_accounts + arrays.margin_accounts
    levels = {}
    for underlying, name in enumerate(arrays.underlyings):
        if arrays.pegged[underlying]:
            continue

        def health(shocks: np.ndarray, underlying: int = underlying) -> np.ndarray:
            multipliers = spot_multipliers_for(book, shocks, only=underlying)
            states = health_under(book, multipliers, np.ones(shocks.shape[0]))
            result: np.ndarray = states.health
            return result

        exposed = liquidation._exposed_accounts(book.arrays, underlying)
        sides = []
        for grid in (liquidation._DOWN_GRID, liquidation._UP_GRID):
            shocks = np.concatenate([[0.0], grid])
            table = health(shocks)
            found: dict[int, float | None] = {}
            brackets = []
            for account in exposed:
                failing = np.flatnonzero(table[account] < 1.0)
                if failing.size == 0:
                    found[account] = None
                elif failing[0] == 0:
                    found[account] = 0.0
                else:
                    inside, outside = failing[0] - 1, failing[0]
                    brackets.append(
                        liquidation.Bracket(
                            account, float(shocks[inside]), float(shocks[outside]),
                            float(table[account, inside]) - 1.0,
                            float(table[account, outside]) - 1.0,
                        )
                    )  # fmt: skip
            found.update(_refine(health, brackets))
            sides.append(found)
        for account in exposed:
            levels[(accounts[account].name, name)] = (sides[0][account], sides[1][account])
    return levels


def _refine(
    health: Callable[[np.ndarray], np.ndarray], brackets: list[liquidation.Bracket]
) -> dict[int, float]:
    """Illinois false position on every bracket at once, each step a whole-book revaluation
    at one point per bracket (every third step a bisection), as the search was."""
    if not brackets:
        return {}
    accounts = np.array([b.account for b in brackets], dtype=np.int64)
    columns = np.arange(len(brackets))
    safe = np.array([b.safe for b in brackets])
    failing = np.array([b.failing for b in brackets])
    f_safe = np.array([b.safe_margin for b in brackets])
    f_fail = np.array([b.failing_margin for b in brackets])
    last = np.zeros(len(brackets), dtype=np.int8)
    for step in range(liquidation._MAX_STEPS):
        width = np.abs(failing - safe)
        done = width <= liquidation._TOLERANCE * np.maximum(np.abs(failing), 1e-3)
        if done.all():
            break
        middle = 0.5 * (safe + failing)
        with np.errstate(divide="ignore", invalid="ignore"):
            secant = failing - f_fail * (failing - safe) / (f_fail - f_safe)
        inside = (
            np.isfinite(secant)
            & (np.minimum(safe, failing) < secant)
            & (secant < np.maximum(safe, failing))
        )
        point = middle if step % 3 == 2 else np.where(inside, secant, middle)
        margin = health(point)[accounts, columns] - 1.0
        fails = (margin < 0.0) & ~done
        keeps = (margin >= 0.0) & ~done
        f_safe = np.where(fails & (last == -1), 0.5 * f_safe, f_safe)
        f_fail = np.where(keeps & (last == 1), 0.5 * f_fail, f_fail)
        failing, f_fail = np.where(fails, point, failing), np.where(fails, margin, f_fail)
        safe, f_safe = np.where(keeps, point, safe), np.where(keeps, margin, f_safe)
        last = np.where(fails, -1, np.where(keeps, 1, last)).astype(np.int8)
    return {int(account): float(shock) for account, shock in zip(accounts, failing, strict=True)}


def test_the_search_finds_the_floats_of_the_full_revaluation() -> None:
    book = _book()
    levels = liquidation.account_liquidation_levels(book)
    assert levels == _reference(book)
    found = {shock for pair in levels.values() for shock in pair}
    # The book exercises every outcome: refined levels, never liquidated, and both sides.
    assert None in found
    assert any(shock is not None and shock < 0 for shock in found)
    assert any(shock is not None and shock > 0 for shock in found)
    assert len(levels) == 2 * 3 + 2 + 2  # 3 lending x 2 coins, cross x 2, 2 isolated
    # The options account fails both ways when BTC moves, and up when ETH does (with the
    # other coin's options held at their current value).
    assert None not in levels[("deribit:cross", "BTC")]
    assert levels[("deribit:cross", "ETH")][1] is not None
