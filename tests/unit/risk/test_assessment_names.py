"""The assessment's accounts' names, kept while a book's accounts stay the same: the
names and their uniqueness are those of the book's own accounts, found again only for
the same lending accounts and margin accounts of the same names, and a book whose
accounts share a name is assessed as ``liquidation_distance`` assesses it."""

from __future__ import annotations

from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.liquidation import liquidation_distance
from agent.tick.assessment import _account_names, assess

from .books import NOW, later, market


def _names(book: Book) -> tuple[str, ...]:
    arrays = book.arrays
    return tuple(account.name for account in arrays.lending_accounts + arrays.margin_accounts)


def _book(margin: str, lending: str = "aave:1") -> Book:
    rows = [
        risk.LendingSupplyPosition("eth", "aave", "ETH", 2.0, 0.8, lending),
        risk.LendingDebtPosition("usdc", "aave", "USDC", 5_000.0, lending),
        risk.PerpetualPosition("perp", "hyperliquid", "ETH", -1.0, entry_price=3000.0,
                               maintenance_margin_rate=0.01, account=margin),
    ]  # fmt: skip
    accounts = [risk.MarginAccount(margin, "hyperliquid", 4_000.0)]
    return Book.from_records(NOW, market(), rows, accounts)


def test_the_names_are_the_books_own_each_time() -> None:
    first = _book("hyperliquid:a")
    names, unique = _account_names(first.arrays)
    assert names == _names(first) == ("aave:1", "hyperliquid:a")
    assert unique
    again = later(first, 60.0)  # the same records: the same lending accounts
    assert again.arrays.lending_accounts is first.arrays.lending_accounts
    assert _account_names(again.arrays) == (names, True)
    renamed = _book("hyperliquid:b")  # a margin account of another name
    assert _account_names(renamed.arrays) == (("aave:1", "hyperliquid:b"), True)
    other = _book("hyperliquid:a", lending="aave:2")  # other lending accounts
    assert _account_names(other.arrays) == (("aave:2", "hyperliquid:a"), True)


def test_accounts_sharing_a_name_are_assessed_as_the_distance_finds_them() -> None:
    rows = [  # a lending account named as the isolated perpetual's own account
        risk.LendingSupplyPosition("eth", "aave", "ETH", 2.0, 0.8, "perp (isolated)"),
        risk.LendingDebtPosition("usdc", "aave", "USDC", 5_000.0, "perp (isolated)"),
        risk.PerpetualPosition("perp", "gmx", "ETH", -1.0, entry_price=3000.0,
                               collateral_usd=400.0, maintenance_margin_rate=0.01),
    ]  # fmt: skip
    book = Book.from_records(NOW, market(), rows)
    assert _account_names(book.arrays) == (("perp (isolated)", "perp (isolated)"), False)
    assert assess(book).liquidation == liquidation_distance(book)
