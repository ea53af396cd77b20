"""Credentials never reach logs, errors or reprs, whatever fails (RELIABILITY 18)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable

import pytest
from cex_world import DERIBIT_SECRET, HL_KEY, Rig
from structlog.testing import capture_logs

from agent.errors import BallastError
from agent.model import Side
from agent.ports import OrderRequest

CANARIES = (DERIBIT_SECRET, HL_KEY, HL_KEY.removeprefix("0x"))


def _chain(error: BaseException) -> list[str]:
    return ["".join(traceback.format_exception(error))]


async def _failing(action: Callable[[], Awaitable[object]]) -> list[str]:
    try:
        await action()
    except BallastError as error:
        return _chain(error)
    return []


async def test_no_secret_in_any_output_when_everything_fails(
    rig: Rig, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    faults = rig.simulator.faults
    texts: list[str] = [repr(rig.venue), str(rig.venue.endpoint)]
    with capture_logs() as logs:
        faults.rate_limit(requests=100, retry_after_s=3600)
        texts += await _failing(lambda: rig.venue.snapshot())
        faults.clear()
        texts += await _failing(lambda: rig.venue.place_order(rig.request("s-big", quantity=1e9)))
        faults.drop_order_replies(1)
        faults.hide_order(rig.hide_key("s-lost"))
        texts += await _failing(lambda: rig.venue.place_order(rig.request("s-lost", resting=True)))
        bad = OrderRequest("s-bad", "NOT/A:SYMBOL", Side.BUY, 1.0, 1.0)
        texts += await _failing(lambda: rig.venue.place_order(bad))
        await rig.simulator.close()
        texts += await _failing(lambda: rig.venue.open_orders())
    assert len(texts) > 6
    texts += [str(entry) for entry in logs]
    texts += [record.getMessage() for record in caplog.records]
    captured = capsys.readouterr()
    texts += [captured.out, captured.err]
    everything = "\n".join(texts)
    for canary in CANARIES:
        assert canary not in everything
