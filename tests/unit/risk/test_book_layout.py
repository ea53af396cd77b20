"""The book's arrays laid out by column are the arrays of the plain per-record layout, on a
large shuffled book (every kind, several lending accounts interleaved, cross and isolated
margin, options with and without their own vol or a forward); a bad record deep in a
large book is still refused, naming it; records are valued as their book values them."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from agent.risk.book import Book
from agent.risk.portfolio import book_greeks
from agent.risk.positions import (
    FuturePosition,
    LendingDebtPosition,
    LendingSupplyPosition,
    MarginAccount,
    MarginBasis,
    MarketState,
    OptionPosition,
    PerpetualPosition,
    Position,
    SpotPosition,
)
from agent.risk.record_values import record_values
from agent.risk.terms import OptionType, Settlement
from agent.risk.validation import RiskInputError

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
YEAR = 365.0 * 86400.0
MARKET = {
    "ETH": MarketState(3000.0, 0.03, 0.6),
    "BTC": MarketState(90_000.0, 0.02, None),
    "USDC": MarketState(1.0, pegged=True),
}
ACCOUNTS = [MarginAccount("hl", "hyperliquid", 5000.0), MarginAccount("db:ETH", "deribit", 7.0)]


def _records(count: int, seed: int) -> list[Position]:
    chooser = random.Random(seed)
    records: list[Position] = []
    for index in range(count):
        coin = chooser.choice(["ETH", "BTC"])
        expiry = NOW + timedelta(days=chooser.randint(1, 400))
        name = f"r{index}"
        draw = chooser.random()
        if draw < 0.35:
            venue = f"aave:{chooser.randint(0, 9)}"  # accounts interleaved
            account = "aave-main" if chooser.random() < 0.1 else None
            record: Position = LendingSupplyPosition(
                name, venue, coin, chooser.uniform(0, 50), chooser.uniform(0.5, 0.9), account
            )
        elif draw < 0.6:
            record = LendingDebtPosition(
                name, f"aave:{chooser.randint(0, 9)}", "USDC", 100.0 * index
            )
        elif draw < 0.8:
            record = OptionPosition(
                name, "deribit", coin, chooser.choice(list(OptionType)), 3000.0 + index, expiry,
                chooser.uniform(-5, 5), chooser.choice(list(Settlement)),
                vol=chooser.choice([None, 0.4]) if coin == "ETH" else 0.5,
                forward=chooser.choice([None, 3050.0]),
                account=chooser.choice([None, "db:ETH"]), maintenance_margin_rate=0.01,
            )  # fmt: skip
        elif draw < 0.9:
            isolated = chooser.random() < 0.5
            record = PerpetualPosition(
                name, "gmx", coin, chooser.uniform(-9, 9), entry_price=2900.0 + index,
                settlement=Settlement.LINEAR, collateral_usd=1000.0 if isolated else None,
                maintenance_margin_rate=0.01, account=None if isolated else "hl",
                margin_basis=chooser.choice(list(MarginBasis)), fees_usd=float(index % 3),
            )  # fmt: skip
        elif draw < 0.95:
            record = FuturePosition(
                name, "deribit", coin, 1000.0 * index, expiry, entry_price=3000.0,
                mark_price=chooser.choice([None, 3100.0]), settlement=Settlement.INVERSE,
            )  # fmt: skip
        else:
            record = SpotPosition(name, "wallet", coin, chooser.uniform(-3, 3), account="hl")
        records.append(record)
    return records


def _plain_rows(book: Book) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """terms, codes (kind, underlying, call, inverse, entry basis) and option columns,
    one record at a time, straight from the column layout's description."""
    nan, now = math.nan, NOW.timestamp()
    names = list(book.market)
    kinds = ["option", "perp", "future", "spot", "lending_supply", "lending_debt"]
    terms, codes, options = [], [], []
    for index, p in enumerate(book.positions):
        state = book.market[p.underlying]
        row = [p.quantity] + [nan] * 7 + [0.0, 0.0]
        flags = [0, 0, 0]
        if isinstance(p, OptionPosition):
            ratio = nan if p.forward is None else p.forward / state.spot
            row[1:5] = [p.strike, p.expiry.timestamp(), nan if p.vol is None else p.vol, ratio]
            row[8] = p.maintenance_margin_rate
            flags = [int(p.option_type is OptionType.CALL), int(p.settlement == "inverse"), 0]
            scale = 1.0 if p.forward is None else ratio
            vol = state.vol if p.vol is None else p.vol
            years = (p.expiry.timestamp() - now) / YEAR
            options.append([index, p.quantity, state.spot * scale, p.strike, years, state.rate])
            options[-1] += [vol, scale, flags[0], p.forward is not None]
        elif isinstance(p, PerpetualPosition | FuturePosition):
            mark = state.spot
            if isinstance(p, FuturePosition):
                row[2] = p.expiry.timestamp()
                years = max(row[2] - now, 0.0) / YEAR
                mark = (
                    state.spot * math.exp(state.rate * years)
                    if p.mark_price is None
                    else p.mark_price
                )
                if p.mark_price and years > 0.0:
                    row[6] = math.log(mark / state.spot) / years
            row[5] = mark if p.entry_price is None else p.entry_price
            row[8:] = [p.maintenance_margin_rate or 0.0, p.fees_usd]
            flags = [0, int(p.settlement == "inverse"), int(p.margin_basis == "entry")]
        elif isinstance(p, LendingSupplyPosition):
            row[7] = p.liquidation_threshold
        terms.append(row)
        codes.append([kinds.index(p.kind), names.index(p.underlying), *flags])
    option_terms = np.array(options, dtype=np.float64).reshape(-1, 10).T
    return np.array(terms), np.array(codes), option_terms


def _plain_accounts(book: Book) -> tuple[dict, dict, dict]:
    """Each record's lending and margin account (in order of first appearance after the
    book's cross accounts), and the margin accounts' cash."""
    lending: dict[str, list[int]] = {}
    margin: dict[str, list[int]] = {name: [] for name in book.margin_accounts}
    cash = {name: account.cash_usd for name, account in book.margin_accounts.items()}
    for index, p in enumerate(book.positions):
        if isinstance(p, LendingSupplyPosition | LendingDebtPosition):
            lending.setdefault(p.account or p.venue, []).append(index)
        elif p.account is not None:
            margin[p.account].append(index)
        elif isinstance(p, PerpetualPosition | FuturePosition) and p.collateral_usd is not None:
            margin[f"{p.id} (isolated)"] = [index]
            cash[f"{p.id} (isolated)"] = p.collateral_usd
    return lending, margin, cash


@pytest.mark.parametrize(("count", "seed"), [(600, 1), (600, 2), (600, 3), (1, 6), (2, 6), (9, 7)])
def test_columns_are_the_plain_rows(count: int, seed: int) -> None:
    """Large books, and books of one or two records of a kind (gathered otherwise)."""
    records = _records(count, seed)
    book = Book.from_records(NOW, MARKET, records, ACCOUNTS)
    arrays = book.arrays
    terms, codes, option_terms = _plain_rows(book)
    np.testing.assert_array_equal(arrays.terms, terms)  # NaN where NaN, floats bit for bit
    np.testing.assert_array_equal(arrays.codes[:, :5], codes)
    np.testing.assert_array_equal(arrays.option_terms, option_terms)
    lending, margin, cash = _plain_accounts(book)
    assert [(a.name, list(a.positions)) for a in arrays.lending_accounts] == list(lending.items())
    assert [(a.name, list(a.positions)) for a in arrays.margin_accounts] == list(margin.items())
    assert arrays.margin_cash.tolist() == list(cash.values())
    for number, account in enumerate(arrays.lending_accounts):
        assert (arrays.codes[list(account.positions), 5] == number).all()
        assert account.venue == book.positions[account.positions[0]].venue
    for number, account in enumerate(arrays.margin_accounts):
        assert (arrays.codes[list(account.positions), 6] == number).all()
    held = {i for a in (*arrays.lending_accounts, *arrays.margin_accounts) for i in a.positions}
    loose = [i for i in range(len(book.positions)) if i not in held]
    assert (arrays.codes[loose, 5:] == -1).all()
    single = [records[i] for i in sorted({0, len(records) // 2, len(records) - 1})]
    alone = Book.from_records(NOW, MARKET, single, ACCOUNTS).arrays
    np.testing.assert_array_equal(alone.terms, terms[sorted({0, count // 2, count - 1})])


def test_an_account_in_several_runs_holds_all_its_records() -> None:
    """The lending records of one account need not be together: each joins its account
    (numbered by first appearance), wherever it comes."""
    records: list[Position] = [
        LendingSupplyPosition("a1", "aave:a", "ETH", 1.0, 0.8),
        LendingDebtPosition("b1", "aave:b", "USDC", 10.0),
        LendingDebtPosition("a2", "aave:a", "USDC", 20.0),
        SpotPosition("s", "wallet", "ETH", 1.0),
        LendingSupplyPosition("c1", "aave:c", "BTC", 0.1, 0.7, account="aave:a"),
        LendingDebtPosition("b2", "aave:b", "USDC", 30.0),
        LendingSupplyPosition("b3", "aave:b", "BTC", 0.2, 0.75),
    ]
    arrays = Book.from_records(NOW, MARKET, records, ACCOUNTS).arrays
    accounts = [(a.name, a.venue, a.positions) for a in arrays.lending_accounts]
    assert accounts == [("aave:a", "aave:a", (0, 2, 4)), ("aave:b", "aave:b", (1, 5, 6))]
    assert arrays.codes[:, 5].tolist() == [0, 1, 0, -1, 0, 1, 1]


def _refused(records: list[Position], accounts: list[MarginAccount] = ACCOUNTS) -> str:
    with pytest.raises(RiskInputError) as raised:
        Book.from_records(NOW, MARKET, records, accounts)
    with pytest.raises(RiskInputError) as again:
        record_values(NOW, MARKET, records, accounts)
    assert str(again.value) == str(raised.value)
    return str(raised.value)


def test_a_bad_record_deep_in_a_large_book_is_named() -> None:
    records = _records(600, 4)
    at = 517
    duplicate = [*records[:at], LendingDebtPosition("r3", "aave:1", "USDC", 1.0), *records[at:]]
    assert _refused(duplicate) == "positions[517].id: duplicate position id 'r3'"
    unknown = [*records[:at], SpotPosition("x", "wallet", "SOL", 1.0), *records[at:]]
    assert _refused(unknown).startswith("positions[517].underlying: unknown underlying 'SOL'")
    no_vol = OptionPosition("x", "deribit", "BTC", OptionType.PUT, 80_000.0, NOW, 1.0)
    assert _refused([*records[:at], no_vol, *records[at:]]).startswith("positions[517].vol: ")
    nowhere = SpotPosition("x", "wallet", "ETH", 1.0, account="nowhere")
    assert _refused([*records[:at], nowhere, *records[at:]]) == (
        "positions[517].account: unknown margin account 'nowhere'"
    )
    lending = SpotPosition("x", "wallet", "ETH", 1.0, account="aave:3")
    also = [*ACCOUNTS, MarginAccount("aave:3", "aave:3")]
    assert _refused([*records[:at], lending, *records[at:]], also) == (
        "positions[517].account: 'aave:3' is also a lending account"
    )


def test_records_are_valued_as_their_book_values_them() -> None:
    records = _records(300, 5)
    values = record_values(NOW, MARKET, records, ACCOUNTS)
    book = book_greeks(Book.from_records(NOW, MARKET, records, ACCOUNTS)).positions[:, 0]
    assert values == book.tolist()  # bit for bit
    assert record_values(NOW, MARKET, records[:7], ACCOUNTS) == values[:7]
