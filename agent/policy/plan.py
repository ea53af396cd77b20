"""What each policy hands to ``decide``, and the rules every policy shares."""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Generic, TypeVar

from agent.intents import Action, Intent
from agent.model import Side
from agent.policy.alerts import Alert


@dataclass(frozen=True, slots=True)
class Plan:
    """Intents (in order, sequence numbers not yet assigned) and alerts from one policy."""

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


Record = TypeVar("Record")


class Rebuild(Generic[Record]):
    """``dataclasses.replace`` for one dataclass whose fields are all plain init fields,
    without replace's generic walk over them: the values are read at once and passed
    in their order to the class, which builds and checks the copy as it builds any
    (the policy copies dozens of routes and intents a tick)."""

    def __init__(self, kind: type[Record]) -> None:
        found = fields(kind)  # type: ignore[arg-type]
        if not all(f.init for f in found):
            raise TypeError(f"{kind.__name__}: every field must be an init field")
        self.kind = kind
        self.positions = {f.name: n for n, f in enumerate(found)}
        self.values = attrgetter(*self.positions)

    def __call__(self, record: Record, /, **changes: Any) -> Record:
        values = list(self.values(record))
        for name, value in changes.items():
            values[self.positions[name]] = value
        return self.kind(*values)
