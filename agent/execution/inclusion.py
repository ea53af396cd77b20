"""Where a nonce's transaction landed: receipts, confirmation depth by block hash.

A receipt alone is not enough: after a reorganisation a node may still hand out a
receipt for a block that is no longer canonical, so every inclusion is checked
against the canonical block at its height, and depth counts from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.execution.records import TxRecord
from agent.ports import Rpc


def _int(value: object) -> int:
    return int(str(value), 16)


@dataclass(frozen=True, slots=True)
class Inclusion:
    """``record`` was mined in canonical block ``block_number`` (``block_hash``)."""

    record: TxRecord
    block_number: int
    block_hash: str
    succeeded: bool  # receipt status 1; False means it reverted (gas spent)
    confirmations: int  # 1 when the block is the head
    receipt: Mapping[str, Any] = field(default_factory=dict)  # as the node returned it


async def _canonical_hash(rpc: Rpc, number: int) -> str | None:
    block: dict[str, Any] | None = await rpc.request("eth_getBlockByNumber", [hex(number), False])
    return None if block is None else str(block["hash"])


async def find_inclusion(rpc: Rpc, records: Sequence[TxRecord]) -> Inclusion | None:
    """The canonical inclusion of any of ``records`` (latest version first), or None."""
    for record in sorted(records, key=lambda r: r.version, reverse=True):
        receipt: dict[str, Any] | None = await rpc.request(
            "eth_getTransactionReceipt", [record.hash]
        )
        if receipt is None or receipt.get("blockHash") is None:
            continue
        number = _int(receipt["blockNumber"])
        block_hash = str(receipt["blockHash"])
        if await _canonical_hash(rpc, number) != block_hash:
            continue  # reorganised away: treat as not mined
        head = _int(await rpc.request("eth_blockNumber"))
        return Inclusion(
            record=record,
            block_number=number,
            block_hash=block_hash,
            succeeded=_int(receipt.get("status", "0x1")) == 1,
            confirmations=max(head - number + 1, 1),
            receipt=receipt,
        )
    return None


async def still_canonical(rpc: Rpc, number: int, block_hash: str) -> bool:
    return await _canonical_hash(rpc, number) == block_hash


async def mined_count(rpc: Rpc, account: str) -> int:
    """How many transactions of ``account`` are in the chain (the next mined nonce)."""
    return _int(await rpc.request("eth_getTransactionCount", [account, "latest"]))


async def pending_count(rpc: Rpc, account: str) -> int:
    """The node's next nonce for ``account``, counting its mempool."""
    return _int(await rpc.request("eth_getTransactionCount", [account, "pending"]))


async def node_knows(rpc: Rpc, tx_hash: str) -> bool:
    """Whether the node has ``tx_hash`` (in its mempool or its chain)."""
    return await rpc.request("eth_getTransactionByHash", [tx_hash]) is not None
