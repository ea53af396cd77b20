"""Broadcasting signed bytes, and what a node's answer means for the nonce.

Nodes say the same things in different words (geth, anvil, erigon, hosted
providers); this is the one place that reads those words.
"""

from __future__ import annotations

import enum

import structlog

from agent.errors import OutcomeUnknown, RejectedError, TransientError
from agent.ports import Rpc

log = structlog.get_logger(__name__)


class Sent(enum.Enum):
    ACCEPTED = "accepted"  # the node took it (or already had these exact bytes)
    UNKNOWN = "unknown"  # the reply was lost: it may be in a mempool
    NONCE_USED = "nonce_used"  # "nonce too low": a transaction at this nonce was mined
    UNDERPRICED = "underpriced"  # another transaction at this nonce pays more
    BELOW_BASE_FEE = "below_base_fee"  # maxFeePerGas below the current base fee
    NOT_SENT = "not_sent"  # nothing reached a node (connection refused, 429, 5xx)
    REFUSED = "refused"  # any other refusal (funds, gas, malformed): nothing happened


_KNOWN = ("already known", "already imported", "known transaction")
_NONCE_USED = ("nonce too low", "nonce has already been used", "oldnonce")
_UNDERPRICED = ("underpriced", "replacement fee too low", "fee too low")
_BELOW_BASE = ("less than block base fee", "max fee per gas less than", "fee cap less than")


def classify_refusal(message: str) -> Sent:
    """What a node's refusal of ``eth_sendRawTransaction`` means."""
    lowered = message.lower()
    for needles, meaning in (
        (_KNOWN, Sent.ACCEPTED),
        (_NONCE_USED, Sent.NONCE_USED),
        (_BELOW_BASE, Sent.BELOW_BASE_FEE),
        (_UNDERPRICED, Sent.UNDERPRICED),
    ):
        if any(needle in lowered for needle in needles):
            return meaning
    return Sent.REFUSED


async def broadcast(rpc: Rpc, raw: bytes, tx_hash: str) -> tuple[Sent, str]:
    """Send ``raw`` once; return what happened and the node's words (for the journal)."""
    try:
        await rpc.request("eth_sendRawTransaction", ["0x" + raw.hex()])
    except OutcomeUnknown as error:
        log.warning("broadcast_unknown", tx_hash=tx_hash, error=str(error))
        return Sent.UNKNOWN, str(error)
    except TransientError as error:
        log.warning("broadcast_not_sent", tx_hash=tx_hash, error=str(error))
        return Sent.NOT_SENT, str(error)
    except RejectedError as error:
        meaning = classify_refusal(str(error))
        log.info("broadcast_refused", tx_hash=tx_hash, meaning=meaning.value, error=str(error))
        return meaning, str(error)
    return Sent.ACCEPTED, ""
