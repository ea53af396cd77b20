"""The cross accounts' cash set into a book laid out once (``agent.risk.book_cash``) gives
the book the two layouts gave (the held positions valued apart, then the book of all:
``_valued_apart``), array for array and byte for byte, with the same records in the same
order; bad input is refused with the same error, the first the two layouts found."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from agent.model import Health, VenueSnapshot
from agent.risk import book as book_module
from agent.risk.book import Book, BookArrays
from agent.risk.book_cash import UnfundedBook
from agent.risk.book_structure import identity
from agent.risk.portfolio import book_greeks
from agent.risk.positions import (
    MarginAccount,
    OptionPosition,
    PerpetualPosition,
    Position,
    SpotPosition,
)
from agent.risk.validation import RiskInputError
from agent.tick.account_cash import _valued_apart, with_account_cash
from tests.unit.risk.test_book_layout import MARKET, NOW, _records

_ACCOUNTS = {"hl": "hyperliquid:USDC", "db:ETH": "deribit:ETH"}


def _tick_records(count: int, seed: int) -> list[Position]:
    """A large shuffled book (``_records``) in the tick's accounts: Hyperliquid's USDC
    account, Deribit's ETH account, and BTC options moved to Deribit's BTC account."""
    records = []
    for record in _records(count, seed):
        account = _ACCOUNTS.get(record.account or "", record.account)
        if isinstance(record, OptionPosition) and record.underlying == "BTC":
            account = "deribit:BTC"
        records.append(replace(record, account=account))
    return records


def _snapshots(eth_equity: float = 2e6) -> dict[str, VenueSnapshot]:
    deribit = tuple(
        Health.from_margin("deribit", equity_usd=equity, maintenance_margin_usd=1e3, account=coin)
        for coin, equity in (("ETH", eth_equity), ("BTC", 9e6))
    )
    hyperliquid = (Health.from_margin("hyperliquid", equity_usd=5e4, maintenance_margin_usd=60.0),)
    return {
        "deribit": VenueSnapshot("deribit", NOW, health=deribit),
        "hyperliquid": VenueSnapshot("hyperliquid", NOW, health=hyperliquid),
    }


def _accounts(records: list[Position]) -> list[MarginAccount]:
    """The cross accounts the records name (``venue:currency``), sorted."""
    names = {r.account for r in records if r.account and not r.kind.startswith("lending")}
    return [MarginAccount(name, name.split(":")[0]) for name in sorted(names)]


def _identical(found: Book, expected: Book) -> None:
    """The same book: fields, records (in order, of the same types), accounts, and every
    array byte for byte with its dtype, shape, strides and flags."""
    assert list(vars(found)) == list(vars(expected))
    assert found == expected
    assert [type(p) for p in found.positions] == [type(p) for p in expected.positions]
    assert list(found.margin_accounts.items()) == list(expected.margin_accounts.items())
    cash = [type(a.cash_usd) for a in found.margin_accounts.values()]
    assert cash == [type(a.cash_usd) for a in expected.margin_accounts.values()]
    assert list(found.market.items()) == list(expected.market.items())
    for name in BookArrays.__dataclass_fields__:
        value, wanted = getattr(found.arrays, name), getattr(expected.arrays, name)
        if isinstance(wanted, np.ndarray):
            assert (value.dtype, value.shape, value.strides) == (
                wanted.dtype,
                wanted.shape,
                wanted.strides,
            ), name
            assert value.flags == wanted.flags, name
            assert not value.flags.writeable, name
            assert value.tobytes() == wanted.tobytes(), name
        else:
            assert value == wanted, name


@pytest.mark.parametrize(("count", "seed"), [(500, 1), (500, 2), (40, 3), (3, 4)])
def test_one_layout_is_the_book_of_two(count: int, seed: int, monkeypatch) -> None:
    records = _tick_records(count, seed)
    accounts, snapshots = _accounts(records), _snapshots()
    expected = _valued_apart(NOW, MARKET, records, accounts, snapshots)
    laid = []
    monkeypatch.setattr(book_module, "lay_rows", lambda *a: laid.append(a) or lay_rows(*a))
    found = with_account_cash(NOW, MARKET, records, accounts, snapshots)
    assert len(laid) == 1  # the held records are not laid out on their own
    _identical(found, expected)
    coin = [p for p in found.positions if p.id.endswith(":cash")]
    assert {p.account for p in coin} <= {"deribit:ETH", "deribit:BTC"}
    usd = found.margin_accounts.get("hyperliquid:USDC")
    assert usd is None or usd.cash_usd != 0.0  # USD: cash, no coin


lay_rows = book_module.lay_rows
_REFUSALS = (RiskInputError, KeyError, IndexError)


def _refused_alike(
    records: list[Position],
    accounts: list[MarginAccount],
    snapshots: dict[str, VenueSnapshot],
    now: datetime = NOW,
) -> str:
    with pytest.raises(_REFUSALS) as two:
        _valued_apart(now, MARKET, records, accounts, snapshots)
    with pytest.raises(_REFUSALS) as one:
        with_account_cash(now, MARKET, records, accounts, snapshots)
    assert (type(one.value), str(one.value)) == (type(two.value), str(two.value))
    return f"{type(one.value).__name__}: {one.value}"


def test_bad_input_is_refused_with_the_first_error_of_the_two_layouts() -> None:
    records = _tick_records(300, 5)
    accounts, snapshots = _accounts(records), _snapshots()
    held = [i for i, r in enumerate(records) if r.account is not None]
    loose = [i for i, r in enumerate(records) if r.account is None]
    # A held record that does not fit is named by its place among the held ones, even
    # when a record outside every account comes before it and does not fit either.
    twin = replace(records[held[5]], quantity=1.0)
    unknown = replace(records[loose[0]], id="sol", underlying="SOL", account=None)
    bad = [*records[: held[0]], unknown, *records[held[0] :], twin]
    assert _refused_alike(bad, accounts, snapshots) == (
        f"RiskInputError: positions[{len(held)}].id: duplicate position id '{twin.id}'"
    )
    # Outside the accounts only: the book of all names it.
    error = _refused_alike([*records, unknown], accounts, snapshots)
    assert error.startswith(f"RiskInputError: positions[{len(records)}].underlying: unknown")
    # A record with a coin cash holding's id: refused by the book, after the cash is set.
    taken = SpotPosition("deribit:ETH:cash", "wallet", "ETH", 1.0)
    assert _refused_alike([taken, *records], accounts, snapshots).endswith(
        "duplicate position id 'deribit:ETH:cash'"
    )
    nowhere = [*accounts, MarginAccount("deribit:SOL", "deribit")]
    error = _refused_alike(
        [*records, replace(records[held[0]], id="x", account="elsewhere")], nowhere, snapshots
    )
    assert "unknown margin account 'elsewhere'" in error
    # The accounts' cash: a venue not read, an account without a currency, no finite cash.
    assert _refused_alike(records, accounts, {"deribit": snapshots["deribit"]}) == (
        "KeyError: 'hyperliquid'"
    )
    plain = [*accounts, MarginAccount("deribit", "deribit")]
    assert _refused_alike(records, plain, snapshots).startswith("IndexError")
    assert _refused_alike(records, accounts, _snapshots(eth_equity=math.inf)) == (
        "RiskInputError: quantity: must be a finite number, got inf"
    )
    huge = PerpetualPosition(
        "huge", "hyperliquid", "ETH", 1e306, entry_price=1.0, account="hyperliquid:USDC",
        maintenance_margin_rate=0.01,
    )  # fmt: skip
    assert "cash_usd" in _refused_alike([*records, huge], accounts, snapshots)
    naive = datetime(2026, 11, 21, 8, 0)  # noqa: DTZ001
    assert "valuation_time" in _refused_alike(records, accounts, snapshots, naive)
    # An account listed twice: a coin account's holding twice (refused), a USD one's cash
    # kept once, the last's, in the first's place.
    coin, usd = accounts[0], accounts[-1]
    assert (coin.id, usd.id) == ("deribit:BTC", "hyperliquid:USDC")
    twice = _refused_alike(records, [*accounts, coin], snapshots)
    assert twice.endswith("duplicate position id 'deribit:BTC:cash'")
    again = [usd, *accounts]
    _identical(
        with_account_cash(NOW, MARKET, records, again, snapshots),
        _valued_apart(NOW, MARKET, records, again, snapshots),
    )


def test_the_cash_goes_only_where_the_book_was_laid_out_for_it() -> None:
    records = _tick_records(60, 6)
    accounts = _accounts(records)
    holding = SpotPosition("deribit:ETH:cash", "deribit", "ETH", 0.0, account="deribit:ETH")
    supply = next(r for r in records if r.kind == "lending_supply")
    lent = replace(supply, id="lent", account="aave-x")
    records.append(lent)  # a lending record naming its account is held too

    def unfunded() -> UnfundedBook:
        return UnfundedBook(NOW, MARKET, records, [holding], accounts)

    held, values = unfunded().held_values()
    assert list(held) == [i for i, r in enumerate(records) if r.account is not None]
    book = Book.from_records(NOW, MARKET, [*records, holding], accounts)
    assert values == book_greeks(book).positions[list(held), 0].tolist()
    other = replace(holding, underlying="BTC")
    with pytest.raises(ValueError, match="where the book was laid out"):
        unfunded().funded([other], accounts)
    with pytest.raises(ValueError, match="where the book was laid out"):
        unfunded().funded([], accounts)
    with pytest.raises(ValueError, match="where the book was laid out"):
        unfunded().funded([holding], accounts[::-1])
    funded = [replace(a, cash_usd=7.0) for a in accounts]
    cash = replace(holding, quantity=2.5)
    _identical(
        unfunded().funded([cash], funded),
        Book.from_records(NOW, MARKET, [*records, cash], funded),
    )


def test_a_pegged_coins_account_keeps_its_cash_in_usd() -> None:
    records = _tick_records(80, 7)
    accounts, snapshots = _accounts(records), _snapshots()
    market = {**MARKET, "BTC": replace(MARKET["BTC"], pegged=True)}
    book = with_account_cash(NOW, market, records, accounts, snapshots)
    _identical(book, _valued_apart(NOW, market, records, accounts, snapshots))
    assert "deribit:BTC:cash" not in {p.id for p in book.positions}
    assert book.margin_accounts["deribit:BTC"].cash_usd != 0.0


def test_the_layout_is_kept_by_identities_not_amounts() -> None:
    """The next tick's book (every amount and the cash moved) reuses what the records'
    identities decided, the placeholders' too, and is still the book of two layouts."""
    records = _tick_records(200, 8)
    accounts = _accounts(records)
    first = with_account_cash(NOW, MARKET, records, accounts, _snapshots())
    kept = book_module._RECENT.get(identity(first))
    assert kept is not None
    moved = [replace(r, quantity=r.quantity * 1.5 + 0.25) for r in records]
    second = with_account_cash(NOW, MARKET, moved, accounts, _snapshots(eth_equity=3e6))
    assert book_module._RECENT.get(identity(second)) is kept
    _identical(second, _valued_apart(NOW, MARKET, moved, accounts, _snapshots(eth_equity=3e6)))
    assert second.arrays.margin_cash.tolist() != first.arrays.margin_cash.tolist()
