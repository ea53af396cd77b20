"""The journal's side of ``agent.external``: positions as last seen, which completed
intents were already counted against them, and the external events found until an
operator acknowledges them (``ballast ack``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from agent.execution.journal import Journal
from agent.external import ExternalChange, Key, OwnChange
from agent.intents import Action, OutcomeStatus

ACCOUNTED, STRADDLING = "accounted", "straddling"
_LOOKED = "looked"  # a venue's marker row: its quantity is the block it was read at
_DONE = (OutcomeStatus.FILLED.value, OutcomeStatus.PARTIAL.value)


@dataclass(frozen=True, slots=True)
class Recorded:
    """An external event as journaled."""

    id: int
    at: float
    change: ExternalChange


class PositionLedger:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._db = journal.connection

    def positions(self) -> tuple[dict[Key, float], dict[str, int | None]]:
        """The positions last seen, and each venue looked at with the block it was read
        at (None for exchanges)."""
        rows = self._db.execute("SELECT venue, asset, kind, quantity FROM positions_seen")
        held, seen = {}, {}
        for venue, asset, kind, quantity in rows:
            if kind == _LOOKED:
                seen[str(venue)] = None if quantity < 0 else int(quantity)
            else:
                held[(str(venue), str(asset), str(kind))] = float(quantity)
        return held, seen

    def looked_at(self) -> dict[str, float]:
        """When each venue was last looked at (unix seconds, the agent's clock)."""
        rows = self._db.execute(
            "SELECT venue, seen_at FROM positions_seen WHERE kind=?", (_LOOKED,)
        )
        return {str(venue): float(at) for venue, at in rows}

    def save(
        self,
        venues: Iterable[str],
        held: Mapping[Key, float],
        blocks: Mapping[str, int | None],
        at: float,
    ) -> None:
        """Replace what is known of ``venues`` with ``held`` (read at ``blocks``)."""
        names = sorted(set(venues))
        looked = [(n, "", _LOOKED, float(blocks.get(n) or -1), at) for n in names]
        with self._db.transaction():
            self._db.executemany("DELETE FROM positions_seen WHERE venue=?", [(n,) for n in names])
            self._db.executemany(
                "INSERT INTO positions_seen VALUES (?,?,?,?,?)",
                [*looked, *((*k, q, at) for k, q in held.items() if k[0] in names)],
            )

    def done(self) -> tuple[list[tuple[str, OwnChange]], set[str]]:
        """Completed intents not yet counted, with what they did; and the ids of those
        that were in flight at the last look (their effect may already be counted)."""
        rows = self._db.execute(
            "SELECT i.intent_id, i.venue, i.action, i.asset, i.quantity, l.state"
            " FROM intents i LEFT JOIN ledger_intents l ON l.intent_id = i.intent_id"
            " WHERE i.status IN (?,?) AND (l.state IS NULL OR l.state = ?)",
            (*_DONE, STRADDLING),
        )
        done, straddling = [], set()
        for intent_id, venue, action, asset, quantity, state in rows:
            share = self._filled_share(intent_id)
            done.append((intent_id, OwnChange(venue, Action(action), asset, quantity * share)))
            if state == STRADDLING:
                straddling.add(intent_id)
        return done, straddling

    def _filled_share(self, intent_id: str) -> float:
        row = self._db.execute(
            "SELECT filled_quantity, quantity FROM orders WHERE intent_id=?"
            " ORDER BY created_at DESC LIMIT 1",
            (intent_id,),
        ).fetchone()
        if row is None or not row[1]:
            return 1.0
        return min(float(row[0]) / float(row[1]), 1.0)

    def mark(self, accounted: Iterable[str], straddling: Iterable[str]) -> None:
        with self._db.transaction():
            self._db.executemany(
                "INSERT INTO ledger_intents VALUES (?,?)"
                " ON CONFLICT (intent_id) DO UPDATE SET state = excluded.state",
                [(i, ACCOUNTED) for i in accounted] + [(i, STRADDLING) for i in straddling],
            )

    def record(self, changes: Iterable[ExternalChange], at: float) -> None:
        self._db.executemany(
            "INSERT INTO external_events (at, venue, asset, kind, before, after, explained,"
            " cause, evidence) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (at, c.venue, c.asset, c.kind, c.before, c.after, c.explained, c.cause,
                 json.dumps(list(c.evidence)))
                for c in changes
            ],
        )  # fmt: skip

    def unacknowledged(self) -> list[Recorded]:
        rows = self._db.execute(
            "SELECT id, at, venue, asset, kind, before, after, explained, cause, evidence"
            " FROM external_events WHERE acknowledged_at IS NULL ORDER BY id"
        )
        return [_recorded(row) for row in rows]

    def acknowledge(self, operator: str, at: float) -> int:
        """Mark every open event acknowledged; returns how many there were."""
        cursor = self._db.execute(
            "UPDATE external_events SET acknowledged_at=?, acknowledged_by=?"
            " WHERE acknowledged_at IS NULL",
            (at, operator),
        )
        return cursor.rowcount


def _recorded(row: tuple[object, ...]) -> Recorded:
    venue, asset, kind, cause = (str(row[i]) for i in (2, 3, 4, 8))
    before, after, explained = (float(str(row[i])) for i in (5, 6, 7))
    evidence = tuple(json.loads(str(row[9])))
    change = ExternalChange(venue, asset, kind, before, after, explained, cause, evidence)
    return Recorded(int(str(row[0])), float(str(row[1])), change)
