"""What an intent changes in the risk engine's book: the rows it replaces or adds.

Only the positions an intent touches change, so the stress gate revalues those rows
and leaves the rest of the book's stress grid as it was. The mapping, per action:

- BUY / SELL of a perpetual or future: the venue's position in that instrument
  changes by the signed quantity (an isolated position keeps its collateral, so a
  larger one sits nearer liquidation); without one, a new position at the reference
  price joins the venue's cross account if it has one (else it has no margin account);
- BUY / SELL / SWAP of spot: the coin held changes, and its USD leg the other way (a
  pegged coin: no stress P&L, but value on the venue);
- REPAY: the debt falls, and so does the wallet's coin (venue ``wallet``); SUPPLY:
  the supply rises (at the threshold the account already has for that asset), the
  wallet falls; REPAY_WITH_COLLATERAL: both supply and debt fall; WITHDRAW and BORROW
  the other way round; SUPPLY to a margin venue adds cash to its account (USD).

Lending rows are matched by venue and token symbol (``venue:SYMBOL:...`` ids, as
``agent.tick.book_builder`` names them); trades by venue and instrument symbol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from agent.intents import Action, Intent
from agent.model import Kind, Settlement
from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.terms import Settlement as RiskSettlement

Row = risk.Position
WALLET = "wallet"  # where the gate books the account's own tokens


@dataclass(frozen=True, slots=True)
class RowChange:
    """Rows of the book replaced (by index: None removes), rows added, and margin
    accounts' cash changes (USD)."""

    replaced: dict[int, Row | None]
    added: tuple[Row, ...] = ()
    cash_usd: dict[str, float] | None = None

    @property
    def empty(self) -> bool:
        return not self.replaced and not self.added and not self.cash_usd


_TRADES = frozenset({Action.BUY, Action.SELL, Action.SWAP})
_LENDING = frozenset(
    {Action.REPAY, Action.SUPPLY, Action.REPAY_WITH_COLLATERAL, Action.WITHDRAW, Action.BORROW}
)


def row_change(book: Book, intent: Intent) -> RowChange:
    """The rows ``intent`` changes in ``book`` (empty for what moves no value)."""
    if intent.action in _TRADES:
        return _trade(book, intent)
    if intent.action in _LENDING:
        lending = _LendingRows(book, intent.venue)
        if lending.first(lambda _: True) is not None:
            return _lending(book, intent, lending)
        if intent.action is Action.SUPPLY:
            return _margin_top_up(book, intent)
    return RowChange({})


def _signed(intent: Intent) -> float:
    return -intent.quantity if intent.action is Action.SELL else intent.quantity


def _is_lending(position: Row) -> bool:
    return isinstance(position, risk.LendingSupplyPosition | risk.LendingDebtPosition)


def _underlying(book: Book, asset: str) -> str:
    """The book's underlying for a token symbol (WETH -> ETH)."""
    if asset in book.market:
        return asset
    stripped = asset[1:] if asset.startswith("W") else asset
    return stripped if stripped in book.market else asset


def _wallet(book: Book, intent: Intent, change: float) -> tuple[Row, ...]:
    """A row for the wallet's coin (venue ``wallet``: the tokens are the account's own,
    outside the venue, so a repay moves value into the venue and a withdraw out)."""
    underlying = _underlying(book, intent.asset)
    if underlying not in book.market or change == 0:
        return ()
    ident = f"gate:{intent.intent_id}:wallet:{intent.asset}"
    return (risk.SpotPosition(ident, WALLET, underlying, change),)


def _cash_leg(book: Book, intent: Intent, coins: float) -> tuple[Row, ...]:
    """The USD leg of a spot trade, in the first pegged coin the book knows."""
    pegged = sorted(name for name, state in book.market.items() if state.pegged)
    if not pegged or intent.reference_price is None or coins == 0:
        return ()
    ident = f"gate:{intent.intent_id}:{intent.venue}:{pegged[0]}:cash"
    usd = -coins * intent.reference_price
    return (risk.SpotPosition(ident, intent.venue, pegged[0], usd),)


def _trade(book: Book, intent: Intent) -> RowChange:
    instrument = intent.instrument
    change = _signed(intent) if intent.action is not Action.SWAP else intent.quantity
    if instrument is None or instrument.kind is Kind.SPOT:
        underlying = _underlying(book, intent.asset)
        ident = f"gate:{intent.intent_id}:{intent.venue}:{underlying}:spot"
        if underlying not in book.market:
            return RowChange({})
        coin = risk.SpotPosition(ident, intent.venue, underlying, change)
        return RowChange({}, (coin, *_cash_leg(book, intent, change)))
    inverse = instrument.settlement is Settlement.INVERSE
    if inverse:  # the risk engine counts inverse contracts in USD face value
        change *= intent.reference_price or 0.0
    prefix = f"{instrument.venue}:{instrument.symbol}:"
    for index, position in enumerate(book.positions):
        if position.id.startswith(prefix) and isinstance(
            position, risk.PerpetualPosition | risk.FuturePosition
        ):
            return RowChange({index: _resized(position, change, intent.urgent)})
    if instrument.underlying not in book.market:
        return RowChange({})
    sibling = next(
        (p for p in book.positions if p.venue == intent.venue and p.account is not None), None
    )
    ident = f"gate:{intent.intent_id}:{prefix}perp"
    rate = getattr(sibling, "maintenance_margin_rate", None)
    new = risk.PerpetualPosition(
        ident,
        intent.venue,
        instrument.underlying,
        change,
        entry_price=intent.reference_price,
        settlement=RiskSettlement.INVERSE if inverse else RiskSettlement.LINEAR,
        account=None if sibling is None else sibling.account,
        maintenance_margin_rate=None if sibling is None else (rate or 0.0),
    )
    return RowChange({}, (new,))


def _resized(position: Row, change: float, urgent: bool) -> Row:
    """The position after a trade of ``change``. An isolated position's collateral
    follows its size as the GMX connector moves it: an increase brings collateral at
    the position's leverage, a decrease takes its share out, except a repair's (urgent),
    which leaves it in (connectors/evm/gmx_v2/actions.py)."""
    assert isinstance(position, risk.PerpetualPosition | risk.FuturePosition)
    quantity = position.quantity + change
    collateral = position.collateral_usd
    if collateral is not None and position.quantity != 0:
        growing = abs(quantity) > abs(position.quantity)
        if growing or not urgent:
            collateral *= abs(quantity) / abs(position.quantity)
    return replace(position, quantity=quantity, collateral_usd=collateral)


class _LendingRows:
    """The book's lending rows at one venue, with their indices, scanned in book order
    only as far as a question needs (a 1,000-row book is mostly other rows)."""

    def __init__(self, book: Book, venue: str) -> None:
        self._rows = (
            (i, p) for i, p in enumerate(book.positions) if p.venue == venue and _is_lending(p)
        )
        self._seen: list[tuple[int, Row]] = []

    def first(self, match: Callable[[Row], bool]) -> tuple[int, Row] | None:
        """The first row (in book order) ``match`` accepts."""
        for found in self._seen:
            if match(found[1]):
                return found
        for found in self._rows:
            self._seen.append(found)
            if match(found[1]):
                return found
        return None


def _lending_row(lending: _LendingRows, intent: Intent, kind: type) -> tuple[int, Row] | None:
    return lending.first(lambda p: isinstance(p, kind) and p.id.split(":")[1] == intent.asset)


def _lending(book: Book, intent: Intent, lending: _LendingRows) -> RowChange:
    """``lending``: the book's lending rows at the intent's venue."""
    quantity, action = intent.quantity, intent.action
    supply_change = {Action.SUPPLY: quantity, Action.WITHDRAW: -quantity}.get(action, 0.0)
    debt_change = {Action.REPAY: -quantity, Action.BORROW: quantity}.get(action, 0.0)
    if action is Action.REPAY_WITH_COLLATERAL:
        supply_change, debt_change = -quantity, -quantity
    replaced: dict[int, Row | None] = {}
    added: list[Row] = []
    for kind, change in (
        (risk.LendingSupplyPosition, supply_change),
        (risk.LendingDebtPosition, debt_change),
    ):
        if change == 0:
            continue
        found = _lending_row(lending, intent, kind)
        if found is not None:
            index, position = found
            replaced[index] = replace(position, quantity=max(position.quantity + change, 0.0))
        elif change > 0:
            added.append(_new_lending(book, intent, kind, change))
    wallet = -supply_change - debt_change if action is not Action.REPAY_WITH_COLLATERAL else 0.0
    return RowChange(replaced, (*added, *_wallet(book, intent, wallet)))


def _new_lending(book: Book, intent: Intent, kind: type, quantity: float) -> Row:
    underlying = _underlying(book, intent.asset)
    ident = f"{intent.venue}:{intent.asset}:gate-{intent.intent_id}:lending"
    if kind is risk.LendingDebtPosition:
        return risk.LendingDebtPosition(ident, intent.venue, underlying, quantity)
    # A first supply counts at no threshold: the gate never credits health it cannot see.
    return risk.LendingSupplyPosition(ident, intent.venue, underlying, quantity, 0.0)


def _margin_top_up(book: Book, intent: Intent) -> RowChange:
    price = intent.reference_price or 0.0
    cross = sorted(name for name, a in book.margin_accounts.items() if a.venue == intent.venue)
    if cross:
        return RowChange({}, cash_usd={cross[0]: intent.quantity * price})
    for index, position in enumerate(book.positions):
        if (
            isinstance(position, risk.PerpetualPosition | risk.FuturePosition)
            and position.venue == intent.venue
            and position.collateral_usd is not None
        ):
            collateral = position.collateral_usd + intent.quantity * price
            return RowChange({index: replace(position, collateral_usd=collateral)})
    return RowChange({})
