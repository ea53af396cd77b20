"""One Multicall3 ``aggregate3`` per chain per tick, shared by every EVM connector.

Connectors are sans-I/O: each lists the calls it needs; ``BatchedReader`` concatenates
them into one eth_call pinned to one block and hands each connector back its own
results. Every sub-call may fail on its own: a failing call fails only the connector
that needed it.

The block a read belongs to is the node's (``eth_getBlockByNumber``), never a number a
contract reports: on Arbitrum ``block.number`` inside a contract - and so
``Multicall3.getBlockNumber()`` - is an approximate L1 block number (about 2.4e7 while L2
blocks are about 4e8), and ``blockhash`` is not the L2 parent's hash either
(https://docs.arbitrum.io/time, "Ethereum block numbers within Arbitrum"). Pinning to it
would read years-old state or fail, and order tracking would scan logs from it.

Why the head stays a request of its own (issue 18 asked whether it could ride in the
batch): on Ethereum, Multicall3's getBlockNumber/getCurrentBlockTimestamp/getBlockHash
inside an eth_call at "latest" would name the block, but a block's own hash is not
visible inside it (``blockhash`` "only works for the 256 most recent, excluding current,
blocks": Solidity docs, "Block and Transaction Properties"), so a read of several batches
could pin the later ones only by number, which a reorganisation at the same height
defeats; on Arbitrum the L2 number would have to come from ArbSys(0x64).arbBlockNumber(),
a precompile the local world's anvil cannot answer (its networks are ethereum, optimism
and tempo; the "arbitrum" profile only replaces Multicall3), so nothing here could prove
it. One request more per read keeps every batch pinned by hash; when connectors watch
logs (``chain_news``), that request is a JSON-RPC batch carrying the head, the last read's
block and the logs since, so a tick still costs one request before its aggregate3 calls
(the logs' verification rides with the first of those: ``Companion``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from agent.errors import TransientError
from agent.ports import BlockRef, Call, CallResult
from connectors.concurrency import together
from connectors.evm import aggregate3
from connectors.evm.batch import Batch, Merger
from connectors.evm.jsonrpc import RpcError
from connectors.evm.rpc import ChainClient

MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11"

log = structlog.get_logger(__name__)


_OUT_OF_GAS = ("outofgas", "oog", "gasrequiredexceeds")  # geth, anvil/revm wordings


def _out_of_gas(error: RpcError) -> bool:
    """Whether the node ran one eth_call out of its gas cap."""
    message = error.rpc_message.lower().replace(" ", "")
    return any(text in message for text in _OUT_OF_GAS)


def block_ref(reply: object, what: str) -> tuple[BlockRef, str]:
    """A block as ``eth_getBlockByNumber`` answers it, and its hash (lowercase)."""
    if not isinstance(reply, dict):
        raise TransientError(f"{what} answered {reply!r}")
    try:
        ref = BlockRef(
            number=int(reply["number"], 16),
            timestamp=int(reply["timestamp"], 16),
            parent_hash=str(reply["parentHash"]).lower(),
        )
        return ref, str(reply["hash"]).lower()
    except (KeyError, TypeError, ValueError) as error:
        raise TransientError(f"malformed block from the node ({what}): {error}") from error


@dataclass
class Companion:
    """A read that travels in the same HTTP request as a read's first aggregate3 call (a
    JSON-RPC batch): ``reply`` holds its result, or its error, once sent."""

    method: str
    params: list[Any]
    reply: Any = None


class Multicall3Reader:
    """The ChainReader port over Multicall3 on one chain.

    Each read first asks the node for its head block (number, timestamp, parent hash),
    then runs every batch pinned to that block by its hash (EIP-1898), so a batch can
    never answer from another block at the same height after a reorganisation: the node
    refuses a block it no longer has, and the read fails for that tick. ``max_calls``
    bounds one eth_call's size; a larger read is split into several batches, all at that
    block, sent together. Providers cap an eth_call's gas, and a batch's memory cost
    grows with the square of the data it returns: when the node runs a batch out of gas,
    the bound is halved for good and the read done again.
    """

    def __init__(
        self,
        client: ChainClient,
        *,
        address: str = MULTICALL3_ADDRESS,
        max_calls: int = 2_000,
    ) -> None:
        self.client = client
        self.address = address
        self.max_calls = max_calls

    @property
    def chain_id(self) -> int:
        return self.client.chain_id

    async def _aggregate(
        self,
        calls: Sequence[Call],
        block: Mapping[str, str],
        companions: Sequence[Companion] = (),
    ) -> list[CallResult]:
        """One ``aggregate3`` of ``calls`` at ``block``, with ``companions`` in the same
        request; a ``Batch`` brings its calldata encoded (and remembered) already."""
        if isinstance(calls, Batch):
            data = calls.calldata()
        else:
            data = "0x" + aggregate3.encode(calls).hex()
        params: list[Any] = [{"to": self.address, "data": data}, block]
        if companions:
            requests = [("eth_call", params), *((c.method, c.params) for c in companions)]
            raw, *replies = await self.client.batch(requests, errors_in_place=True)
            for companion, reply in zip(companions, replies, strict=True):
                companion.reply = reply
            if isinstance(raw, BaseException):
                raise raw
        else:
            raw = await self.client.request("eth_call", params)
        try:
            return aggregate3.decode(bytes.fromhex(str(raw).removeprefix("0x")))
        except ValueError as error:  # the provider's fault, not ours
            raise TransientError(f"undecodable aggregate3 reply: {error}") from error

    async def read(
        self,
        calls: Sequence[Call],
        at: tuple[BlockRef, str] | None = None,
        companions: Sequence[Companion] = (),
    ) -> tuple[BlockRef, Sequence[CallResult]]:
        """Run ``calls`` at one block (``at``: a head already read, and its hash; else the
        node's head now); results in call order. ``companions`` ride with the first
        aggregate3 call."""
        while True:
            try:
                return await self._read(calls, at, companions)
            except RpcError as error:
                if self.max_calls <= 1 or not _out_of_gas(error):
                    raise
                self.max_calls //= 2
                log.warning("multicall_batch_halved", max_calls=self.max_calls, error=str(error))

    async def head(self) -> tuple[BlockRef, str]:
        """The node's latest block and its hash: what every batch of a read is pinned to."""
        block = await self.client.request("eth_getBlockByNumber", ["latest", False])
        return block_ref(block, "eth_getBlockByNumber(latest)")

    async def _read(
        self,
        calls: Sequence[Call],
        at: tuple[BlockRef, str] | None,
        companions: Sequence[Companion] = (),
    ) -> tuple[BlockRef, Sequence[CallResult]]:
        """The head, then every batch at once: all are pinned to the same block, so their
        order does not matter; the node runs them side by side. The first failure is
        raised as itself (the others cancelled), as a one-batch read would raise it."""
        block, block_hash = at if at is not None else await self.head()
        pinned = {"blockHash": block_hash}
        batches = await together(
            *(
                self._aggregate(
                    calls[start : start + self.max_calls], pinned, () if start else companions
                )
                for start in range(0, len(calls), self.max_calls)
            )
        )
        return block, [result for batch in batches for result in batch]


class BatchedReader:
    """Merges every connector's calls for one tick into one read, and splits the results.

    A call several connectors need (the reserves' configuration and the oracle's prices
    are the same for every account on a pool) is made once and its result shared. The
    merged batch and its encoding are kept while the plans stay the same
    (``connectors.evm.batch``).
    """

    def __init__(self, reader: Multicall3Reader) -> None:
        self.reader = reader
        self._merger = Merger()

    async def read(
        self,
        plans: Mapping[str, Sequence[Call]],
        at: tuple[BlockRef, str] | None = None,
        companions: Sequence[Companion] = (),
    ) -> tuple[BlockRef, dict[str, Sequence[CallResult]]]:
        """Every plan's calls at one block (``at``, ``companions``: see
        ``Multicall3Reader.read``)."""
        batch, pickers = self._merger.merge(plans)
        block, results = await self.reader.read(batch, at, companions)
        # Connectors with the same plan (an Aave market's accounts computed locally) share
        # one picker: its results are picked once, and they share that (immutable) tuple.
        picked: dict[int, Sequence[CallResult]] = {}
        split = {}
        for name in plans:
            picker = pickers[name]
            found = picked.get(id(picker))
            if found is None:
                found = picked[id(picker)] = picker(results)
            split[name] = found
        return block, split
