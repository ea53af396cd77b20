"""The executor in a process of its own, to be SIGKILLed by the crash tests.

    python exec_worker.py RPC_URL JOURNAL WETH COUNT CREATED_AT [REPLACE_AFTER_S]

Starts up (reconciliation first), submits intents 0..COUNT-1 one after the other (ids
are deterministic: same CREATED_AT, same intents), waits until nothing is in flight,
and prints one JSON line per event (structlog's lines go to stdout too).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from exec_support import FAST, intent, stack

from tests.support.waiting import wait_until


def emit(**line: object) -> None:
    print(json.dumps(line), flush=True)


async def main(
    url: str, journal: str, weth: str, count: int, created: str, replace_after: float
) -> None:
    created_at = datetime.fromisoformat(created)
    settings = replace(FAST, replace_after_s=replace_after)
    target = journal if journal.startswith("postgresql://") else Path(journal)
    async with stack(url, target, weth, settings=settings, wait_timeout_s=0.5) as s:
        emit(event="started", read_only=s.executor.gate.reason)
        for sequence in range(count):
            outcome = await s.hedge(sequence, weth, created_at=created_at)
            emit(event="submitted", sequence=sequence, status=outcome.status)
        await wait_until(lambda: not s.journal.in_flight(), timeout_s=30, what="nothing in flight")
        for sequence in range(count):
            record = s.journal.intent(intent(sequence, created_at=created_at).intent_id)
            assert record is not None
            emit(event="final", sequence=sequence, status=record.status, reference=record.reference)


if __name__ == "__main__":
    url, journal, weth, count, created, *rest = sys.argv[1:]
    asyncio.run(main(url, journal, weth, int(count), created, float(rest[0]) if rest else 60.0))
