"""Running a connector's independent requests at once."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


async def together(*calls: Coroutine[Any, Any, Any]) -> list[Any]:
    """Run ``calls`` concurrently in a TaskGroup; results in call order. On failure raise
    the first error itself (not an ExceptionGroup), the others being cancelled, as the
    same calls made one after another would raise it."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except ExceptionGroup as failures:
        first = failures.exceptions[0]
        raise first from first.__cause__
    return [task.result() for task in tasks]
