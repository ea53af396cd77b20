"""The one-call walk over every (underlying, account) (``liquidation_walk.levels_kernel``)
finds exactly the floats of the walk it replaced (every pending account's health per
chunk of moves in one ``account_health_kernel`` call, then ``refine_kernel``), and of
the whole grid revalued at once, on random books of loans, cross and isolated margin;
and the nearest level per underlying read from its arrays is the one the loop over the
levels by account name finds."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.risk import liquidation
from agent.risk import positions as risk
from agent.risk.book import Book, IntArray
from agent.risk.jit import kernel
from agent.risk.liquidation_kernels import (
    BookTerms,
    SearchTerms,
    health_of,
    refine_kernel,
)
from agent.risk.terms import OptionType, Settlement
from agent.risk.validation import FloatArray

from .books import NOW


@kernel
def account_health_kernel(
    book: BookTerms, search: SearchTerms, accounts: IntArray, shocks: FloatArray
) -> FloatArray:
    """The replaced walk's query: health (queries, moves) of account ``accounts[q]`` when
    the search's underlying moves by each of ``shocks[q]`` (a row per query)."""
    multipliers = 1.0 + shocks
    log_multipliers = np.log(multipliers)
    health = np.empty(shocks.shape)
    scratch = np.empty((4, shocks.shape[1]))
    for query in range(shocks.shape[0]):
        health_of(
            book, search, accounts[query], multipliers[query], log_multipliers[query],
            health[query], scratch,
        )  # fmt: skip
    return health


MARKET = {
    "ETH": risk.MarketState(spot=3000.0, rate=0.03, vol=0.6),
    "BTC": risk.MarketState(spot=60_000.0, rate=0.03, vol=0.5),
    "SOL": risk.MarketState(spot=150.0, rate=0.03, vol=0.8),  # nobody holds any
    "USDC": risk.MarketState(spot=1.0, pegged=True),
}

LOANS = st.lists(
    st.tuples(
        st.floats(0.0, 5.0),  # ETH supplied
        st.floats(0.0, 0.2),  # BTC supplied
        st.floats(0.5, 0.9),  # liquidation threshold
        st.floats(0.0, 30_000.0),  # USDC borrowed (0: no debt)
        st.floats(0.0, 2.0),  # ETH borrowed
    ),
    min_size=1,
    max_size=5,
)
OPTIONS = st.lists(
    st.tuples(
        st.sampled_from(["ETH", "BTC"]),
        st.floats(0.5, 1.5),  # strike / spot
        st.integers(-2, 30),  # days to expiry (expired ones too)
        st.floats(-3.0, 3.0).filter(lambda q: abs(q) > 0.01),
        st.booleans(),  # call
    ),
    max_size=6,
)
PERPS = st.lists(
    st.tuples(
        st.sampled_from(["ETH", "BTC"]),
        st.floats(-2.0, 2.0).filter(lambda q: abs(q) > 0.01),
        st.floats(0.8, 1.2),  # entry / spot
        st.floats(100.0, 50_000.0),  # isolated collateral USD
    ),
    max_size=3,
)


@st.composite
def books(draw: st.DrawFn) -> Book:
    rows: list[risk.Position] = []
    for index, (eth, btc, threshold, usdc, eth_debt) in enumerate(draw(LOANS)):
        name = f"aave:{index}"
        rows.append(risk.LendingSupplyPosition(f"{name}:eth", "aave", "ETH", eth, threshold, name))
        if btc:
            rows.append(risk.LendingSupplyPosition(f"{name}:btc", "aave", "BTC", btc, 0.7, name))
        if usdc:
            rows.append(risk.LendingDebtPosition(f"{name}:usdc", "aave", "USDC", usdc, name))
        if eth_debt:
            rows.append(risk.LendingDebtPosition(f"{name}:weth", "aave", "ETH", eth_debt, name))
    accounts = []
    options = draw(OPTIONS)
    if options:
        accounts.append(risk.MarginAccount("deribit", "deribit", draw(st.floats(0.0, 50_000.0))))
    for index, (coin, moneyness, days, quantity, call) in enumerate(options):
        rows.append(
            risk.OptionPosition(
                f"option:{index}", "deribit", coin,
                OptionType.CALL if call else OptionType.PUT,
                moneyness * MARKET[coin].spot, NOW + timedelta(days=days, hours=1), quantity,
                Settlement.INVERSE, account="deribit", maintenance_margin_rate=0.075,
            )
        )  # fmt: skip
    for index, (coin, quantity, entry, collateral) in enumerate(draw(PERPS)):
        rows.append(
            risk.PerpetualPosition(
                f"perp:{index}", "gmx", coin, quantity, entry_price=entry * MARKET[coin].spot,
                collateral_usd=collateral, maintenance_margin_rate=0.01, fees_usd=2.0,
            )
        )  # fmt: skip
    return Book.from_records(NOW, MARKET, rows, accounts)


def _batched_walk(book: Book) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """The walk as it was: per underlying and side, every pending account's health at a
    chunk of moves (chunks doubling from 16) in one ``account_health_kernel`` call, linear
    accounts safe at both ends of the side skipped, then every bracket refined at once."""
    arrays = book.arrays
    layout = liquidation._Layout.of(arrays)
    levels = {}
    for underlying in np.unique(layout.queries[:, 0]).tolist():
        exposed = layout.queries[layout.queries[:, 0] == underlying, 1]
        search = liquidation._Search.of(layout, underlying, exposed)
        terms = (layout.book(), search.search)
        sides = [
            _side(terms, layout.linear, exposed, grid)
            for grid in (liquidation._DOWN_GRID, liquidation._UP_GRID)
        ]
        for account in exposed.tolist():
            key = (layout.accounts[account].name, arrays.underlyings[underlying])
            levels[key] = (sides[0][account], sides[1][account])
    return levels


def _side(
    terms: tuple[BookTerms, SearchTerms], linear: np.ndarray, exposed: np.ndarray, grid: np.ndarray
) -> dict[int, float | None]:
    shocks = np.concatenate([[0.0], grid])
    result: dict[int, float | None] = dict.fromkeys(exposed.tolist())
    tested = exposed[linear[exposed]]
    ends = np.tile(np.array([0.0, float(grid[-1])]), (tested.shape[0], 1))
    health = account_health_kernel(*terms, tested, ends)
    safe = (np.isfinite(health).all(axis=1) & (health >= liquidation._SAFE_ENDS).all(axis=1)) | (
        health == np.inf
    ).all(axis=1)
    pending = np.array([a for a in exposed.tolist() if a not in set(tested[safe].tolist())])
    pending = pending.astype(np.int64)
    previous = np.full(pending.shape[0], np.nan)
    brackets = []
    start, size = 0, liquidation._FIRST_CHUNK
    while pending.size and start < shocks.shape[0]:
        stop = min(start + size, shocks.shape[0])
        health = account_health_kernel(
            *terms, pending, np.tile(shocks[start:stop], (pending.size, 1))
        )
        fails = health < 1.0
        failed = fails.any(axis=1)
        for row in np.flatnonzero(failed):
            first = int(np.argmax(fails[row]))
            if start + first == 0:
                result[int(pending[row])] = 0.0
                continue
            inside = health[row, first - 1] if first > 0 else previous[row]
            brackets.append(
                (int(pending[row]), float(shocks[start + first - 1]), float(shocks[start + first]),
                 float(inside) - 1.0, float(health[row, first]) - 1.0)
            )  # fmt: skip
        pending, previous = pending[~failed], health[~failed, -1]
        start, size = stop, 2 * size
    if brackets:
        brackets.sort()
        accounts = np.array([b[0] for b in brackets], dtype=np.int64)
        ends = np.array([b[1:] for b in brackets]).T.copy()
        found = refine_kernel(
            *terms, ends, accounts, liquidation._TOLERANCE, liquidation._MAX_STEPS
        )
        result.update(zip(accounts.tolist(), found.tolist(), strict=True))
    return result


@settings(max_examples=25, deadline=None)
@given(books())
def test_the_one_call_walk_finds_the_batched_walks_and_the_whole_grids_floats(book: Book) -> None:
    levels = liquidation.account_liquidation_levels(book)
    assert levels == _batched_walk(book)
    assert levels == liquidation.arrays_liquidation_levels(book.arrays, whole_grid=True)
    assert not any(underlying in ("SOL", "USDC") for _, underlying in levels)
    distance = liquidation.liquidation_distance(book)
    assert distance == liquidation._distance_by_name(book, levels)
    assert distance["SOL"] == liquidation.LiquidationDistance("SOL", 150.0, None, None)


def test_a_loan_without_debt_never_fails_and_one_under_water_fails_at_once() -> None:
    rows: list[risk.Position] = [
        risk.LendingSupplyPosition("free:eth", "aave", "ETH", 1.0, 0.8, "free"),
        risk.LendingSupplyPosition("sunk:eth", "aave", "ETH", 1.0, 0.8, "sunk"),
        risk.LendingDebtPosition("sunk:usdc", "aave", "USDC", 2500.0, "sunk"),  # health 0.96
        risk.LendingSupplyPosition("near:eth", "aave", "ETH", 1.0, 0.8, "near"),
        risk.LendingDebtPosition("near:usdc", "aave", "USDC", 2000.0, "near"),  # fails at -1/6
    ]
    book = Book.from_records(NOW, MARKET, rows)
    levels = liquidation.account_liquidation_levels(book)
    assert levels[("free", "ETH")] == (None, None)
    assert levels[("sunk", "ETH")] == (0.0, 0.0)
    down, up = levels[("near", "ETH")]
    assert up is None
    assert down is not None
    assert abs(down + 1.0 / 6.0) < 1e-13
    assert levels == _batched_walk(book)
    nearest = liquidation.liquidation_distance(book)["ETH"]
    assert nearest.down is not None
    assert nearest.up is not None
    assert (nearest.down.account, nearest.down.shock) == ("sunk", 0.0)
    assert (nearest.up.account, nearest.up.positions) == ("sunk", ("sunk:eth", "sunk:usdc"))


def test_accounts_sharing_a_name_are_read_as_the_levels_by_name_read_them() -> None:
    # A loan whose account is named like an isolated perpetual's: the levels, keyed by
    # name, hold one entry for both, which the distance has always reported.
    rows: list[risk.Position] = [
        risk.LendingSupplyPosition("loan:eth", "aave", "ETH", 1.0, 0.8, "p (isolated)"),
        risk.LendingDebtPosition("loan:usdc", "aave", "USDC", 2000.0, "p (isolated)"),
        risk.PerpetualPosition(
            "p", "gmx", "ETH", -1.0, entry_price=3000.0, collateral_usd=600.0,
            maintenance_margin_rate=0.01,
        ),
    ]  # fmt: skip
    book = Book.from_records(NOW, MARKET, rows)
    levels = liquidation.account_liquidation_levels(book)
    assert len(levels) == 1
    distance = liquidation.liquidation_distance(book)
    assert distance == liquidation._distance_by_name(book, levels)
    down, up = levels[("p (isolated)", "ETH")]  # the perpetual's (the later account)
    assert down is None
    assert up is not None
    assert distance["ETH"].up is not None
    assert distance["ETH"].up.positions == ("p",)
