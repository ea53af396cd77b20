"""Following confirmed transactions until they are final, and nonce gaps, every tick.

A transaction at its confirmation depth (CONFIRMED, the intent FILLED) can still be
reorganised away. Each tick its block is checked by hash against the canonical chain
until the block is final:

- final: at or below the node's ``finalized`` block where it serves that tag (geth and
  every post-merge client; Arbitrum Nitro since v2.0.10, where it is the last L2 block
  whose batch is in a finalized L1 block; anvil answers head - 64), else at
  ``finality_depth`` blocks under the head (``FINALITY_DEPTH_BY_CHAIN`` or the config).
  Without either, the transaction is followed for ever rather than called final.
- reorganised away: the transaction goes back to BROADCAST and its intent back to
  PENDING (in flight again: the decision counts it as not done yet); a tracker follows
  it again, which broadcasts the same signed bytes, or, if its nonce went to something
  else, ends the intent REJECTED so its need is hedged anew.

A nonce gap (our lowest waiting nonce above the chain's count, with nothing of ours
below it) means everything we queued waits for ever: it is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from agent.errors import RejectedError
from agent.execution.inclusion import mined_count, still_canonical
from agent.execution.records import TxRecord, TxStatus
from agent.execution.transactions import TxManager
from agent.intents import Outcome, OutcomeStatus

log = structlog.get_logger(__name__)

# Blocks under the head after which a block is final, for nodes that do not serve the
# ``finalized`` tag. Ethereum (and its PoS testnets): Casper FFG finalizes a checkpoint
# after two epochs of 32 slots, one block per slot (ethereum.org, "Proof-of-stake":
# finality; consensus-specs phase0 SLOTS_PER_EPOCH = 32). Arbitrum has no block-depth
# rule: its finality is its batches' L1 finality (docs.arbitrum.io, "Finality and chain
# reorganizations"), so it relies on the tag.
FINALITY_DEPTH_BY_CHAIN = {1: 64, 11155111: 64, 17000: 64, 560048: 64}


@dataclass(frozen=True, slots=True)
class Reopened:
    """A confirmed transaction a reorganisation removed: to be followed again."""

    intent_id: str
    nonce: int
    tx_hash: str


def _int(value: object) -> int:
    return int(str(value), 16)


async def finalized_block(manager: TxManager) -> int | None:
    """The highest final block number, or None when nothing says which one is."""
    try:
        block: dict[str, Any] | None = await manager.rpc.request(
            "eth_getBlockByNumber", ["finalized", False]
        )
    except RejectedError:  # the node does not know the tag
        block = None
    if block is not None:
        return _int(block["number"])
    depth = manager.settings.finality_depth or FINALITY_DEPTH_BY_CHAIN.get(manager.chain_id)
    if depth is None:
        return None
    return _int(await manager.rpc.request("eth_blockNumber")) - depth


async def follow_confirmed(manager: TxManager) -> list[Reopened]:
    """Check every confirmed, not yet final transaction of ``manager``'s account."""
    records = manager.journal.transactions_with_status(
        manager.account, manager.chain_id, TxStatus.CONFIRMED
    )
    if not records:
        return []
    final = await finalized_block(manager)
    reopened = []
    for record in records:
        if record.block_number is None or record.block_hash is None:
            continue
        if await still_canonical(manager.rpc, record.block_number, record.block_hash):
            if final is not None and record.block_number <= final:
                block = (record.block_number, record.block_hash, record.receipt_status or 0)
                manager.mark(record, TxStatus.FINALIZED, block=block)
            continue
        reopened.append(_reopen(manager, record))
    return reopened


def _reopen(manager: TxManager, record: TxRecord) -> Reopened:
    where = f"block {record.block_number} ({record.block_hash})"
    log.error("reorg_after_confirmation", tx_hash=record.hash, nonce=record.nonce, block=where)
    manager.mark(record, TxStatus.BROADCAST, f"{where} reorganised away after confirmation")
    outcome = Outcome(
        record.intent_id,
        OutcomeStatus.PENDING,
        "",
        reference=record.hash,
        detail=f"reorganised out of {where}; followed again",
    )
    manager.journal.record_outcome(outcome, at=manager.now())
    return Reopened(record.intent_id, record.nonce, record.hash)


async def nonce_gap(manager: TxManager) -> str | None:
    """A problem when our lowest waiting nonce is above the chain's count, else None."""
    waiting = manager.journal.unfinished_nonces(manager.account, manager.chain_id)
    if not waiting:
        return None
    mined = await mined_count(manager.rpc, manager.account)
    above = [nonce for nonce in waiting if nonce >= mined]
    if not above or above[0] == mined:
        return None
    return (
        f"chain {manager.chain_id}: nonce gap: the chain is at nonce {mined} but our lowest "
        f"waiting transaction is at {above[0]}; nothing of ours fills the gap"
    )
