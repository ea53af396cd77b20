"""Cross-margin accounts in the book (Deribit per currency, Hyperliquid cross): each
takes the venue's equity; its cash is that equity less what the risk engine itself
values its positions at, so the account's equity in the book matches the venue's
exactly at the current prices (``agent.tick.book_builder`` builds the records).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from agent.model import HealthKind, VenueSnapshot
from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.book_cash import UnfundedBook
from agent.risk.record_values import record_values
from agent.risk.validation import RiskInputError


def cross_accounts(
    snapshot: VenueSnapshot, records: Iterable[risk.Position]
) -> list[risk.MarginAccount]:
    """The margin accounts ``records`` name, one per name, sorted."""
    names = {r.account for r in records if r.account is not None}
    return [risk.MarginAccount(id=name, venue=snapshot.venue) for name in sorted(names)]


def _venue_equity(snapshot: VenueSnapshot, account: str) -> float:
    """The venue's reported equity (USD) for ``venue:currency``."""
    currency = account.split(":", 1)[1]
    margin = [h for h in snapshot.health if h.kind is HealthKind.MARGIN]
    if len(margin) == 1:  # one cross account for the whole venue (Hyperliquid)
        return margin[0].equity_usd or 0.0
    for health in margin:
        if health.account in (currency, None) and health.equity_usd is not None:
            return health.equity_usd
    return 0.0


def with_account_cash(
    now: datetime,
    market: Mapping[str, risk.MarketState],
    records: list[risk.Position],
    accounts: list[risk.MarginAccount],
    snapshots: Mapping[str, VenueSnapshot],
) -> Book:
    """Set each cross account's cash so its book equity equals the venue's equity: value
    the positions held in accounts, then give each account the rest as cash.

    An account margined in a coin (Deribit's ETH account) holds its cash in that coin:
    it is booked as a spot holding of the coin inside the account, so the collateral's
    delta is hedged like any other and moves with the coin under stress.

    A position's value needs no other position, nor its account's cash: the book is laid
    out once with the cash unknown, the held positions valued from it, and the cash set
    in (``agent.risk.book_cash``).
    """
    try:
        pending = [_coin_cash(a, 0.0) for a in accounts if _cash_coin(a, market) is not None]
        book = UnfundedBook(now, market, records, pending, accounts)
    except RiskInputError:  # records that do not fit together: refused as they always were
        return _valued_apart(now, market, records, accounts, snapshots)
    held, values = book.held_values()
    value_of = _by_account([records[index] for index in held], values)
    return book.funded(*_funding(market, accounts, value_of, snapshots))


def _valued_apart(
    now: datetime,
    market: Mapping[str, risk.MarketState],
    records: list[risk.Position],
    accounts: list[risk.MarginAccount],
    snapshots: Mapping[str, VenueSnapshot],
) -> Book:
    """``with_account_cash`` for records that do not fit together: the held positions
    valued apart, then the book of all, which raises the first error of the held
    positions, of the accounts' cash, then of the book (in that order)."""
    held = [r for r in records if r.account is not None]
    value_of = _by_account(held, record_values(now, market, held, accounts))
    holdings, funded = _funding(market, accounts, value_of, snapshots)
    return Book.from_records(now, market, [*records, *holdings], funded)


def _by_account(held: list[risk.Position], values: Iterable[float]) -> dict[str, float]:
    """The summed ``values`` of the ``held`` records, by the account each names."""
    value_of: dict[str, float] = {}
    for record, value in zip(held, values, strict=True):
        owner = record.account
        assert owner is not None
        value_of[owner] = value_of.get(owner, 0.0) + value
    return value_of


def _funding(
    market: Mapping[str, risk.MarketState],
    accounts: list[risk.MarginAccount],
    value_of: Mapping[str, float],
    snapshots: Mapping[str, VenueSnapshot],
) -> tuple[list[risk.SpotPosition], list[risk.MarginAccount]]:
    """Each coin-margined account's coin holding, and each account with its cash: the
    venue's equity less the value of its positions (``value_of``, by account)."""
    funded, holdings = [], []
    for account in accounts:
        cash = _venue_equity(snapshots[account.venue], account.id) - value_of.get(account.id, 0.0)
        coin = _cash_coin(account, market)
        if coin is not None:
            holdings.append(_coin_cash(account, cash / coin.spot))
            cash = 0.0
        funded.append(risk.MarginAccount(id=account.id, venue=account.venue, cash_usd=cash))
    return holdings, funded


def _cash_coin(
    account: risk.MarginAccount, market: Mapping[str, risk.MarketState]
) -> risk.MarketState | None:
    """The market of the coin ``account`` (``venue:CURRENCY``) holds its cash in, None if
    it holds USD (a stablecoin, or a currency not priced)."""
    _, colon, currency = account.id.partition(":")
    coin = market.get(currency) if colon else None  # (none: ``_venue_equity`` refuses it)
    if coin is not None and not coin.pegged and coin.spot > 0:
        return coin
    return None


def _coin_cash(account: risk.MarginAccount, quantity: float) -> risk.SpotPosition:
    """The coin balance of a coin-margined account (``venue:COIN``), in coin."""
    coin = account.id.split(":", 1)[1]
    return risk.SpotPosition(
        f"{account.id}:cash", account.venue, coin, quantity, account=account.id
    )
