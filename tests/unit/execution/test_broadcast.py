"""What a node's refusal of a raw transaction means for its nonce."""

from __future__ import annotations

from typing import Any

import pytest

from agent.errors import OutcomeUnknown, RejectedError, TransientError
from agent.execution.broadcast import Sent, broadcast, classify_refusal


@pytest.mark.parametrize(
    ("message", "meaning"),
    [
        ("nonce too low", Sent.NONCE_USED),
        ("eth_sendRawTransaction: nonce too low: next nonce 5, tx nonce 4", Sent.NONCE_USED),
        ("already known", Sent.ACCEPTED),
        ("transaction already imported", Sent.ACCEPTED),
        ("replacement transaction underpriced", Sent.UNDERPRICED),
        ("max fee per gas less than block base fee", Sent.BELOW_BASE_FEE),
        ("insufficient funds for gas * price + value", Sent.REFUSED),
        ("nonce too high", Sent.REFUSED),
        ("intrinsic gas too low", Sent.REFUSED),
    ],
)
def test_node_words(message: str, meaning: Sent) -> None:
    assert classify_refusal(message) is meaning


class Node:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    async def request(self, method: str, params: Any = ()) -> Any:
        if self.error is not None:
            raise self.error
        return "0xhash"


@pytest.mark.parametrize(
    ("error", "meaning"),
    [
        (None, Sent.ACCEPTED),
        (OutcomeUnknown("read timeout"), Sent.UNKNOWN),
        (TransientError("connection refused"), Sent.NOT_SENT),
        (RejectedError("nonce too low"), Sent.NONCE_USED),
    ],
)
async def test_broadcast_outcomes(error: Exception | None, meaning: Sent) -> None:
    sent, _ = await broadcast(Node(error), b"\x02", "0xhash")
    assert sent is meaning
