"""Reading every venue at once, each within its own timeout (a group of venues that
share one read, such as a chain's connectors, within one for the group).

A slow or dead venue degrades the tick instead of stopping it: its last good snapshot
is kept with its age, the failure is logged with its cause and reported, and the
input checks decide what that means for the kill switch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

import structlog

from agent.model import VenueSnapshot
from agent.ports import Clock, GroupedVenue, Venue, VenueGroup

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class VenueRead:
    """One venue's state for this tick.

    ``snapshot`` is this tick's read when ``fresh``, otherwise the last good one (or
    None if there never was one). ``failing_since`` is when reads started failing.
    """

    venue: str
    snapshot: VenueSnapshot | None
    fresh: bool
    error: str | None = None
    failing_since: datetime | None = None

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the snapshot was observed (chain or venue time)."""
        if self.snapshot is None:
            return None
        return (now - self.snapshot.observed_at).total_seconds()


class VenueReader:
    """Reads all venues concurrently; remembers the last good snapshot of each.

    Venues that share one read (``GroupedVenue``: an EVM chain's connectors) are read as
    their group, in one task under one timeout; each member still gets its own
    ``VenueRead``: its own part's failure is its alone, the group's is every member's.
    """

    def __init__(self, venues: Mapping[str, Venue], clock: Clock, *, timeout_s: float) -> None:
        self.venues = dict(venues)
        self.clock = clock
        self.timeout_s = timeout_s
        self._last: dict[str, VenueSnapshot] = {}
        self._failing_since: dict[str, datetime] = {}
        self._grouped_kinds: dict[type, bool] = {}

    async def read_all(self) -> dict[str, VenueRead]:
        async with asyncio.TaskGroup() as tasks:
            started = [tasks.create_task(read) for read in self._reads()]
        reads = {read.venue: read for task in started for read in task.result()}
        return {name: reads[name] for name in self.venues}

    def _reads(self) -> list[Coroutine[Any, Any, list[VenueRead]]]:
        """One read per venue read alone and per group, in the order of each one's first
        venue (a group's members are all listed before its read starts)."""
        reads = []
        groups: dict[VenueGroup, list[tuple[str, str]]] = {}  # members: (ours, the group's)
        for name, venue in self.venues.items():
            if not self._grouped(venue):
                reads.append(self._read(name, venue))
                continue
            members = groups.get(venue.group)
            if members is None:
                members = groups[venue.group] = []
                reads.append(self._read_group(venue.group, members))
            members.append((name, venue.name))
        return reads

    def _grouped(self, venue: Venue) -> TypeGuard[GroupedVenue]:
        """Whether ``venue`` is read in a group: decided once per class (a runtime
        protocol check walks every member, too slow for hundreds of venues a tick)."""
        kind = type(venue)
        found = self._grouped_kinds.get(kind)
        if found is None:
            found = self._grouped_kinds[kind] = isinstance(venue, GroupedVenue)
        return found

    async def _read(self, name: str, venue: Venue) -> list[VenueRead]:
        try:
            async with asyncio.timeout(self.timeout_s):
                snapshot = await venue.snapshot()
        except Exception as error:  # a venue's failure, whatever it is, must not sink the tick
            return [self._failed(name, error)]
        return [self._fresh(name, snapshot)]

    async def _read_group(
        self, group: VenueGroup, members: Sequence[tuple[str, str]]
    ) -> list[VenueRead]:
        try:
            async with asyncio.timeout(self.timeout_s):
                outcomes = await group.read_all()
        except Exception as error:  # the group's failure is every member's, not the tick's
            if not isinstance(error, TimeoutError):
                names = [name for name, _ in members]
                log.warning("venue_read_failed", venues=names, error=str(error), exc_info=True)
            text = self._describe(error)
            return [self._failed(name, error, text) for name, _ in members]
        reads = []
        for name, member in members:
            outcome = outcomes.get(member)
            if outcome is None:
                outcome = KeyError(f"{member} is not in its group's read")
            if not isinstance(outcome, BaseException):
                reads.append(self._fresh(name, outcome))
            elif isinstance(outcome, Exception):
                reads.append(self._failed(name, outcome))
            else:  # cancellation and the like are no venue's failure: raised, as alone
                raise outcome
        return reads

    def _fresh(self, name: str, snapshot: VenueSnapshot) -> VenueRead:
        self._last[name] = snapshot
        self._failing_since.pop(name, None)
        return VenueRead(name, snapshot, fresh=True)

    def _describe(self, error: Exception) -> str:
        if isinstance(error, TimeoutError):
            return f"no answer within {self.timeout_s}s"
        return f"{type(error).__name__}: {error}"

    def _failed(self, name: str, error: Exception, text: str | None = None) -> VenueRead:
        """``name``'s read failed with ``error``; ``text``: already described and logged
        (a group's failure, once for all its members)."""
        if text is None:
            text = self._describe(error)
            if not isinstance(error, TimeoutError):
                log.warning("venue_read_failed", venue=name, error=str(error), exc_info=error)
        since = self._failing_since.setdefault(name, self.clock.now())
        return VenueRead(name, self._last.get(name), fresh=False, error=text, failing_since=since)
