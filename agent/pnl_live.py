"""Live P&L attribution: since start and per UTC day, tick by tick (no I/O).

Each tick the book held since the last tick is attributed by Greek with the risk
engine's ``attribute_pnl`` (the scenario reports' attribution: delta, gamma, vega,
theta, rho and what they leave unexplained), over the positions still open. Beside it:

- carry: funding and borrowing over the step, from the last tick's venue rates on the
  positions held (a perp's funding per its side, GMX's per-side rates; Aave's supply
  rate earned and borrow rate paid), estimated, since venues settle it in their own
  time;
- fees and gas as the venues and receipts reported them for this tick's actions;
- slippage: each fill's average price against the intent's independent reference
  price, times the quantity filled (a buy above it and a sell below it cost).

Every figure is USD, a loss negative; ``total`` is the sum of the components.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from agent.intents import Action, Intent, Outcome
from agent.model import Kind, Position, ReserveState, VenueSnapshot
from agent.risk.attribution import COMPONENTS, attribute_pnl, held_through
from agent.risk.book import Book
from agent.risk.validation import RiskInputError

SECONDS_PER_YEAR = 365 * 86_400
PNL_COMPONENTS = (*COMPONENTS, "carry", "fees", "gas", "slippage")


def _zero() -> dict[str, float]:
    return dict.fromkeys((*PNL_COMPONENTS, "total"), 0.0)


@dataclass(frozen=True, slots=True)
class PnlTotals:
    """Attributed P&L since ``started_at`` and per UTC day (``YYYY-MM-DD``), USD."""

    started_at: datetime | None = None
    since_start: Mapping[str, float] = field(default_factory=_zero)
    by_day: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


def carry_usd(snapshots: Mapping[str, VenueSnapshot], years: float) -> float:
    """Funding and borrowing the positions in ``snapshots`` earn (+) or pay (-) over
    ``years``, at the snapshots' rates."""
    total = 0.0
    for snapshot in snapshots.values():
        reserves = {r.symbol: r for r in snapshot.reserves}
        for position in snapshot.positions:
            total += _position_carry(snapshot, position, reserves) * years
    return total


def _position_carry(
    snapshot: VenueSnapshot, position: Position, reserves: Mapping[str, ReserveState]
) -> float:
    """USD per year, + earned."""
    instrument = position.instrument
    if instrument.kind in (Kind.LENDING_SUPPLY, Kind.LENDING_DEBT):
        reserve = reserves.get(instrument.symbol)
        if reserve is None:
            return 0.0
        value = abs(position.quantity) * float(reserve.price_usd)
        if instrument.kind is Kind.LENDING_SUPPLY:
            return value * float(reserve.supply_apr)
        return -value * float(reserve.borrow_apr)
    if instrument.kind not in (Kind.PERP, Kind.FUTURE) or not position.mark_price:
        return 0.0
    notional = abs(position.quantity) * position.mark_price
    side = "long" if position.quantity > 0 else "short"
    paid = 0.0
    for rate in snapshot.rates:
        if rate.symbol != instrument.symbol:
            continue
        if rate.position_side is None:  # one funding rate: longs pay it, shorts receive it
            paid += rate.annual if side == "long" else -rate.annual
        elif rate.position_side == side:
            paid += rate.annual
    return -paid * notional


def slippage_usd(intent: Intent, outcome: Outcome) -> float:
    """What the fill cost against the independent reference price (negative: a cost)."""
    if (
        intent.reference_price is None
        or outcome.average_price is None
        or outcome.filled_quantity <= 0
        or intent.action not in (Action.BUY, Action.SELL)
    ):
        return 0.0
    difference = outcome.average_price - intent.reference_price
    cost = difference if intent.action is Action.BUY else -difference
    return -cost * outcome.filled_quantity


class LiveAttribution:
    """Accumulates each tick's attributed P&L; ``keep_days`` days are kept by day."""

    def __init__(self, keep_days: int = 31) -> None:
        self.keep_days = keep_days
        self._since_start = _zero()
        self._by_day: dict[str, dict[str, float]] = {}
        self._started_at: datetime | None = None
        self._last: tuple[datetime, Book, Mapping[str, VenueSnapshot]] | None = None

    def observe(
        self,
        at: datetime,
        book: Book,
        snapshots: Mapping[str, VenueSnapshot],
        intents: Sequence[Intent] = (),
        outcomes: Sequence[Outcome] = (),
    ) -> PnlTotals:
        """Add the step since the last tick and this tick's actions; the totals."""
        step = dict.fromkeys(PNL_COMPONENTS, 0.0)
        if self._last is None:
            self._started_at = at
        else:
            before_at, before, before_snapshots = self._last
            step.update(_market(before, book))
            years = max((at - before_at).total_seconds(), 0.0) / SECONDS_PER_YEAR
            step["carry"] = carry_usd(before_snapshots, years)
        for intent, outcome in zip(intents, outcomes, strict=False):
            step["fees"] -= outcome.fee_usd
            step["gas"] -= outcome.gas_usd
            step["slippage"] += slippage_usd(intent, outcome)
        step["total"] = sum(step.values())
        self._add(self._since_start, step)
        self._add(self._by_day.setdefault(at.date().isoformat(), _zero()), step)
        for day in sorted(self._by_day)[: -self.keep_days]:
            del self._by_day[day]
        self._last = (at, book, dict(snapshots))
        return self.totals()

    def totals(self) -> PnlTotals:
        return PnlTotals(
            self._started_at,
            MappingProxyType(dict(self._since_start)),
            MappingProxyType({day: MappingProxyType(dict(v)) for day, v in self._by_day.items()}),
        )

    @staticmethod
    def _add(into: dict[str, float], step: Mapping[str, float]) -> None:
        for name, value in step.items():
            into[name] += value


def _market(before: Book, after: Book) -> dict[str, float]:
    """The book held through the step, attributed by Greek (empty when it cannot be)."""
    held = held_through(before, after)
    if held is None or not held.positions:
        return {}
    try:
        summary = attribute_pnl(held, after).summary()
    except RiskInputError:
        return {}
    return {name: summary[name] for name in COMPONENTS}
