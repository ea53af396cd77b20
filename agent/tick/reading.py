"""Reading every venue at once, each within its own timeout.

A slow or dead venue degrades the tick instead of stopping it: its last good snapshot
is kept with its age, the failure is logged with its cause and reported, and the
input checks decide what that means for the kill switch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog

from agent.model import VenueSnapshot
from agent.ports import Clock, Venue

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
    """Reads all venues concurrently; remembers the last good snapshot of each."""

    def __init__(self, venues: Mapping[str, Venue], clock: Clock, *, timeout_s: float) -> None:
        self.venues = dict(venues)
        self.clock = clock
        self.timeout_s = timeout_s
        self._last: dict[str, VenueSnapshot] = {}
        self._failing_since: dict[str, datetime] = {}

    async def read_all(self) -> dict[str, VenueRead]:
        async with asyncio.TaskGroup() as group:
            tasks = {
                name: group.create_task(self._read(name, venue))
                for name, venue in self.venues.items()
            }
        return {name: task.result() for name, task in tasks.items()}

    async def _read(self, name: str, venue: Venue) -> VenueRead:
        try:
            async with asyncio.timeout(self.timeout_s):
                snapshot = await venue.snapshot()
        except TimeoutError:
            return self._failed(name, f"no answer within {self.timeout_s}s")
        except Exception as error:  # a venue's failure, whatever it is, must not sink the tick
            log.warning("venue_read_failed", venue=name, error=str(error), exc_info=True)
            return self._failed(name, f"{type(error).__name__}: {error}")
        self._last[name] = snapshot
        self._failing_since.pop(name, None)
        return VenueRead(name, snapshot, fresh=True)

    def _failed(self, name: str, error: str) -> VenueRead:
        since = self._failing_since.setdefault(name, self.clock.now())
        return VenueRead(name, self._last.get(name), fresh=False, error=error, failing_since=since)
