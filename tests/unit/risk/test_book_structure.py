"""Books of records seen lately (the same identities: ids, kinds, venues, accounts,
underlyings, market names) reuse what those decided, and nothing else: new amounts are
laid, a changed identity is laid afresh, and every value and margin account is still
checked, naming the record, as a book never seen would be."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from agent.risk import book as book_module
from agent.risk.book import Book, BookArrays
from agent.risk.book_structure import Recent
from agent.risk.positions import (
    LendingDebtPosition,
    LendingSupplyPosition,
    MarketState,
    OptionPosition,
    Position,
)
from agent.risk.record_values import record_values
from agent.risk.validation import RiskInputError
from tests.unit.risk.test_book_layout import (
    ACCOUNTS,
    MARKET,
    NOW,
    _plain_accounts,
    _plain_rows,
    _records,
    _refused,
)


def _fresh(records: list[Position], market: dict[str, MarketState] = MARKET) -> BookArrays:
    """The arrays of a book laid with nothing kept from before."""
    kept = book_module._RECENT
    book_module._RECENT = Recent(4)
    try:
        return Book.from_records(NOW, market, records, ACCOUNTS).arrays
    finally:
        book_module._RECENT = kept


def _same(found: BookArrays, expected: BookArrays) -> None:
    for name in BookArrays.__dataclass_fields__:
        value, wanted = getattr(found, name), getattr(expected, name)
        if isinstance(wanted, np.ndarray):
            np.testing.assert_array_equal(value, wanted)
            assert value.dtype == wanted.dtype
            assert not value.flags.writeable
        else:
            assert value == wanted


def _laid_as_plain(book: Book) -> None:
    terms, codes, option_terms = _plain_rows(book)
    np.testing.assert_array_equal(book.arrays.terms, terms)
    np.testing.assert_array_equal(book.arrays.codes[:, :5], codes)
    np.testing.assert_array_equal(book.arrays.option_terms, option_terms)
    lending, margin, cash = _plain_accounts(book)
    found = [(a.name, list(a.positions)) for a in book.arrays.lending_accounts]
    assert found == list(lending.items())
    assert [(a.name, list(a.positions)) for a in book.arrays.margin_accounts] == list(
        margin.items()
    )
    assert book.arrays.margin_cash.tolist() == list(cash.values())
    for number, account in enumerate(book.arrays.lending_accounts):
        assert (book.arrays.codes[list(account.positions), 5] == number).all()
        assert account.venue == book.positions[account.positions[0]].venue


def _moved(record: Position, step: float) -> Position:
    """The same record with other amounts (and an option without its own vol)."""
    if isinstance(record, LendingSupplyPosition):
        return replace(record, quantity=record.quantity + step, liquidation_threshold=0.5)
    if isinstance(record, OptionPosition):
        return replace(record, quantity=record.quantity + step, vol=None)
    return replace(record, quantity=record.quantity + step)


def test_new_amounts_of_the_same_records_are_laid() -> None:
    records = _records(400, 11)
    Book.from_records(NOW, MARKET, records, ACCOUNTS)
    moved = [_moved(r, 1.5) if r.underlying == "ETH" else r for r in records]
    book = Book.from_records(NOW, MARKET, moved, ACCOUNTS)
    _laid_as_plain(book)
    _same(book.arrays, _fresh(moved))
    market = {**MARKET, "ETH": MarketState(3100.0, 0.01, 0.7)}
    _same(Book.from_records(NOW, market, moved, ACCOUNTS).arrays, _fresh(moved, market))


@pytest.mark.parametrize(
    "change",
    [
        {"venue": "aave:elsewhere"},
        {"account": "aave-main"},
        {"underlying": "BTC"},
    ],
)
def test_a_changed_identity_is_laid_afresh(change: dict[str, str]) -> None:
    records = _records(400, 12)
    Book.from_records(NOW, MARKET, records, ACCOUNTS)
    at = next(i for i, r in enumerate(records) if isinstance(r, LendingDebtPosition))
    changed = [*records[:at], replace(records[at], **change), *records[at + 1 :]]
    book = Book.from_records(NOW, MARKET, changed, ACCOUNTS)
    _laid_as_plain(book)
    _same(book.arrays, _fresh(changed))
    kind = LendingSupplyPosition(records[at].id, records[at].venue, "USDC", 5.0, 0.8)
    other = [*records[:at], kind, *records[at + 1 :]]
    _laid_as_plain(Book.from_records(NOW, MARKET, other, ACCOUNTS))
    reordered = {name: MARKET[name] for name in reversed(MARKET)}
    _laid_as_plain(Book.from_records(NOW, reordered, records, ACCOUNTS))


def test_values_and_accounts_of_known_records_are_still_checked() -> None:
    records = _records(400, 13)
    Book.from_records(NOW, MARKET, records, ACCOUNTS)
    record_values(NOW, MARKET, records, ACCOUNTS)
    at = next(
        i for i, r in enumerate(records) if isinstance(r, OptionPosition) and r.underlying == "BTC"
    )
    no_vol = [*records[:at], replace(records[at], vol=None), *records[at + 1 :]]  # BTC: none
    assert _refused(no_vol, ACCOUNTS).startswith(f"positions[{at}].vol: no volatility")
    first = next(i for i, r in enumerate(records) if r.account == "hl")
    assert _refused(records, ACCOUNTS[1:]) == (
        f"positions[{first}].account: unknown margin account 'hl'"
    )
    with pytest.raises(RiskInputError, match="valuation_time: must carry a time zone"):
        Book.from_records(datetime(2026, 11, 21, 8, 0), MARKET, records, ACCOUNTS)  # noqa: DTZ001
    Book.from_records(NOW, MARKET, records, ACCOUNTS)  # still good


def test_a_refused_book_is_refused_again() -> None:
    records = _records(300, 14)
    duplicate = [*records, replace(records[7], quantity=1.0)]
    message = f"positions[{len(records)}].id: duplicate position id '{records[7].id}'"
    assert _refused(duplicate, ACCOUNTS) == message
    assert _refused(duplicate, ACCOUNTS) == message
