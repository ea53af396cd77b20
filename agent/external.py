"""What happened to the book that the agent did not do (RELIABILITY rows 14 and 21; pure).

Each tick the positions the venues show are compared with the last ones seen (kept in
the journal, so a restart compares with what was there before it). A change that the
agent's own work does not explain is an external event: a liquidation, a trade or a
withdrawal made by someone else with the account, a venue's own action.

Explained means: the signed sum of the agent's intents completed since the last look,
plus any part of the work still in flight (which may or may not have landed when the
venue was read: the same hull as ``agent.in_flight.hedgeable_deviation``), within a
tolerance. Tracked:

- hedges (perpetuals, futures), per venue and underlying, in coin: fills are exact, so
  the tolerance is a millionth;
- lending supply and debt, per venue and token: interest accrues between looks, so
  changes within 0.5 % (and 1e-6 tokens) are taken as accrual.

Options are not tracked (they expire and settle on their venue's schedule), nor wallet
balances (gas, transfers in, our swaps' quote side): both are left for a later pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from agent.in_flight import InFlightView
from agent.intents import Action
from agent.model import Kind, VenueSnapshot

HEDGE = "hedge"  # the kind of a (venue, underlying) hedge key
_HEDGE_KINDS = (Kind.PERP, Kind.FUTURE)
_LENDING = {Kind.LENDING_SUPPLY: "supply", Kind.LENDING_DEBT: "debt"}
_TRADE_TOLERANCE = 1e-6  # relative, and absolute in coin
_LENDING_TOLERANCE = 0.005  # relative: interest between two looks

Key = tuple[str, str, str]  # (venue, underlying or token, HEDGE | "supply" | "debt")


@dataclass(frozen=True, slots=True)
class OwnChange:
    """A completed intent of ours: ``quantity`` coin (trades) or tokens (lending)."""

    venue: str
    action: Action
    asset: str
    quantity: float


@dataclass(frozen=True, slots=True)
class ExternalChange:
    """A position that moved by more than our work explains. Quantities signed, in coin
    or tokens; ``cause`` is what the venue says it was (a liquidation) or
    "unexplained"; ``evidence`` names transactions or fills."""

    venue: str
    asset: str
    kind: str
    before: float
    after: float
    explained: float
    cause: str = "unexplained"
    evidence: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        return f"{self.venue}:{self.asset}:{self.kind}"

    def describe(self) -> str:
        moved = self.after - self.before
        where = f"{self.venue} {self.asset} {self.kind}"
        text = (
            f"{where} went from {self.before:.8g} to {self.after:.8g} ({moved:+.8g}); our own"
            f" work explains {self.explained:+.8g} (expected {self.before + self.explained:.8g}):"
            f" {self.cause}"
        )
        return text + (f" ({', '.join(self.evidence)})" if self.evidence else "")


def holdings(snapshots: Mapping[str, VenueSnapshot]) -> dict[Key, float]:
    """The tracked positions of ``snapshots``, signed (debt negative)."""
    held: dict[Key, float] = {}
    for name, snapshot in snapshots.items():
        for position in snapshot.positions:
            instrument = position.instrument
            if instrument.kind in _HEDGE_KINDS:
                key = (name, instrument.underlying, HEDGE)
            elif instrument.kind in _LENDING:
                key = (name, instrument.symbol, _LENDING[instrument.kind])
            else:
                continue
            held[key] = held.get(key, 0.0) + position.quantity
    return held


def _signed(change: OwnChange) -> tuple[Key, float] | None:
    q = change.quantity
    moves = {
        Action.BUY: (HEDGE, q),
        Action.SELL: (HEDGE, -q),
        Action.SUPPLY: ("supply", q),
        Action.WITHDRAW: ("supply", -q),
        Action.BORROW: ("debt", -q),
        Action.REPAY: ("debt", q),
        Action.REPAY_WITH_COLLATERAL: ("debt", q),
    }
    move = moves.get(change.action)
    if move is None:
        return None
    return (change.venue, change.asset, move[0]), move[1]


def own_changes(done: Iterable[OwnChange]) -> dict[Key, float]:
    """The signed change our completed work made to each key."""
    changes: dict[Key, float] = {}
    for change in done:
        signed = _signed(change)
        if signed is None:
            continue
        key, amount = signed
        changes[key] = changes.get(key, 0.0) + amount
        if change.action is Action.REPAY_WITH_COLLATERAL:  # aTokens pay the debt
            supply = (change.venue, change.asset, "supply")
            changes[supply] = changes.get(supply, 0.0) - change.quantity
    return changes


def maybe_changes(maybe: Iterable[OwnChange]) -> dict[Key, tuple[float, float]]:
    """Per key: (most it may add, most it may remove) for work that may or may not show
    in this read (in flight now, or in flight at the last look)."""
    ranges: dict[Key, tuple[float, float]] = {}
    for item in maybe:
        signed = _signed(item)
        if signed is None:
            continue
        key, amount = signed
        up, down = ranges.get(key, (0.0, 0.0))
        ranges[key] = (up + max(amount, 0.0), down + min(amount, 0.0))
    return ranges


def external_changes(
    before: Mapping[Key, float],
    after: Mapping[Key, float],
    done: Mapping[Key, float],
    maybe: Mapping[Key, tuple[float, float]],
    venues: Iterable[str],
) -> list[ExternalChange]:
    """Changes from ``before`` to ``after`` on ``venues`` (read this time) that our work
    ``done`` since, plus any part of the work that ``maybe`` shows, cannot explain."""
    venues = set(venues)
    found = []
    # Our own work's keys too: a position it opened that is gone shows in neither side.
    for key in sorted(set(before) | set(after) | set(done)):
        if key[0] not in venues:
            continue
        old, new = before.get(key, 0.0), after.get(key, 0.0)
        own = done.get(key, 0.0)
        up, down = maybe.get(key, (0.0, 0.0))
        moved = new - old
        relative = _TRADE_TOLERANCE if key[2] == HEDGE else _LENDING_TOLERANCE
        slack = relative * max(abs(old), abs(new)) + _TRADE_TOLERANCE
        if own + down - slack <= moved <= own + up + slack:
            continue
        found.append(ExternalChange(key[0], key[1], key[2], old, new, own))
    return found


def as_own(view: InFlightView) -> list[tuple[str, OwnChange]]:
    """The work in flight as (intent id, change); venue orders carry no intent id."""
    return [
        (
            item.intent_id or item.reference or "",
            OwnChange(item.venue, item.action, item.asset, item.quantity),
        )
        for item in view.items
    ]
