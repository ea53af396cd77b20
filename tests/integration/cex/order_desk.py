"""The order executor as the CEX tests drive it: intents journaled first, as the executor
does, then placed through the real connectors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from agent.clock import SystemClock
from agent.control.killswitch import KillSwitch
from agent.execution.journal import Journal
from agent.execution.orders import OrderExecutor
from agent.execution.records import IntentEntry
from agent.intents import Intent, Outcome
from agent.ports import OrderVenue


class Orders(OrderExecutor):
    """The order executor, journaling each intent first as the executor does."""

    async def execute(
        self, intent: Intent, *, risk_reducing: bool, unwind: bool = False
    ) -> Outcome:
        entry = IntentEntry(intent.notional_usd, risk_reducing, unwind, legs=1)
        self.journal.record_intent(intent, entry, at=self.clock.now().timestamp())
        return await super().execute(intent, risk_reducing=risk_reducing, unwind=unwind)


@contextmanager
def order_desk(folder: Path, venues: Mapping[str, OrderVenue]) -> Iterator[Orders]:
    """``Orders`` over ``venues`` with a fresh journal in ``folder``."""
    clock = SystemClock()
    journal = Journal.open(folder / "journal.sqlite")
    try:
        yield Orders(venues, journal, KillSwitch(journal, clock), clock)
    finally:
        journal.close()
