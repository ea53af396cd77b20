"""What each policy hands to ``decide``, and the rules every policy shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.intents import Action, Intent
from agent.model import Instrument, Side
from agent.policy.alerts import Alert
from agent.slots import draft_class


@dataclass(frozen=True, slots=True)
class Plan:
    """Intents (in order) and alerts from one policy; ``decide`` numbers the intents
    (a hedge's come numbered where it puts them)."""

    intents: tuple[Intent, ...] = ()
    alerts: tuple[Alert, ...] = ()


def trade_action(side: Side) -> Action:
    """BUY for a buy, SELL for a sell."""
    return Action.BUY if side is Side.BUY else Action.SELL


def signed(side: Side, quantity: float) -> float:
    """+quantity for a buy, -quantity for a sell (coin)."""
    return quantity if side is Side.BUY else -quantity


def side_of(change_coin: float) -> Side:
    """The side that makes a signed change (coin): BUY when positive."""
    return Side.BUY if change_coin > 0 else Side.SELL


def signed_trade(intent: Intent) -> float:
    """The coin change an intent makes to its asset: +buy, -sell, 0 for anything else."""
    if intent.action is Action.BUY:
        return intent.quantity
    if intent.action is Action.SELL:
        return -intent.quantity
    return 0.0


def reduces_risk(change_coin: float, venue_position_coin: float, net_delta_coin: float) -> bool:
    """Whether a trade reduces risk by the guard's own rule, so the claim survives it.

    The guard (``agent.execution.exposure.independent_risk_reducing``) accepts a trade
    as risk-reducing when it shrinks the venue's position in the asset or the book's
    net delta in it; a claim it contradicts is refused. Quantities in coin.
    """
    if abs(venue_position_coin + change_coin) < abs(venue_position_coin):
        return True
    return abs(net_delta_coin + change_coin) < abs(net_delta_coin)


# Intents filled as drafts (agent.slots.draft_class): Intent has no checks of its own to
# skip, and its frozen __init__ costs three times the plain stores; a tick builds tens
# of hedge slices, then copies every intent once more with its sequence number.
_IntentDraft = draft_class(Intent)
_new = object.__new__


def intent_of(
    *,
    venue: str,
    action: Action,
    asset: str,
    quantity: float,
    reason: str,
    instrument: Instrument | None,
    limit_price: float | None,
    reference_price: float | None,
    notional_usd: float,
    risk_reducing: bool,
    urgent: bool,
    created_at: datetime | None,
    sequence: int,
) -> Intent:
    """``Intent(...)`` with every field given (no defaults to keep in step with the
    class's), the same record."""
    found = _new(_IntentDraft)
    found.venue, found.action, found.asset, found.quantity, found.reason = (
        venue, action, asset, quantity, reason,
    )  # fmt: skip
    found.instrument, found.limit_price, found.reference_price = (
        instrument, limit_price, reference_price,
    )  # fmt: skip
    found.notional_usd, found.risk_reducing, found.urgent = notional_usd, risk_reducing, urgent
    found.created_at, found.sequence = created_at, sequence
    found.__class__ = Intent
    return found  # type: ignore[no-any-return]


def numbered(intent: Intent, sequence: int) -> Intent:
    """``replace(intent, sequence=sequence)``, the same record."""
    found = _new(_IntentDraft)
    found.venue, found.action, found.asset, found.quantity, found.reason = (
        intent.venue, intent.action, intent.asset, intent.quantity, intent.reason,
    )  # fmt: skip
    found.instrument, found.limit_price, found.reference_price = (
        intent.instrument, intent.limit_price, intent.reference_price,
    )  # fmt: skip
    found.notional_usd, found.risk_reducing, found.urgent = (
        intent.notional_usd, intent.risk_reducing, intent.urgent,
    )  # fmt: skip
    found.created_at, found.sequence = intent.created_at, sequence
    found.__class__ = Intent
    return found  # type: ignore[no-any-return]
