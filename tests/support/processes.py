"""Child processes that tests SIGKILL and restart: never left behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sim.anvil import _die_with_parent


@asynccontextmanager
async def child_process(*command: str, **options: Any) -> AsyncIterator[asyncio.subprocess.Process]:
    """``command`` as a child that dies with the test process and is killed and reaped on
    exit (whatever the test did to it); ``options`` go to ``create_subprocess_exec``."""
    process = await asyncio.create_subprocess_exec(*command, preexec_fn=_die_with_parent, **options)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
