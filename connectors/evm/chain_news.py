"""What changed on a chain since the last read: the head, and who the logs name.

Each tick, one JSON-RPC batch (one HTTP request) asks for the head
(``eth_getBlockByNumber("latest")``), the block at the last read's height (is the last
read still canonical?) and the logs of every watched contract from that height to
``latest`` (``eth_getLogs``, by address only, any event). An account named in any topic
or data word of such a log (an address is a word whose first 12 bytes are zero) is in
``ChainNews.named``; the connectors read those accounts in full and compute the others
(``aave_v3_local``). ``ChainNews.everything`` says why every account must be read in
full instead: the first read, a watched set that changed, a gap longer than
``MAX_LOG_BLOCKS``, a head lower than the last one or the last head's block no longer
canonical (a reorganisation, or a rewind such as anvil's ``evm_revert``), a log marked
removed or from another block at a known height, any failed or malformed reply.

Logs of blocks after the head (a block arrived between the batch's requests: the node may
answer them in any order, JSON-RPC 2.0 "Batch") are left for the next tick, which asks
again from the head's height. The other race, ``eth_getLogs`` answered before the head's
block arrived, would leave that block's logs out while the tick reads at it: so the same
logs are asked again with the head's number as ``toBlock`` (``verification``), in the same
request as the tick's aggregate3 call, and every account they name that the first answer
did not (``missed``) is read again in full at the head before the tick's snapshots leave
the session. The logs are asked from the last read's height, whose logs that read
already accounted for: they only prove, by their block hash, that it is still the same
block.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from agent.ports import BlockRef
from connectors.evm.multicall import Companion, block_ref
from connectors.evm.rpc import ChainClient

log = structlog.get_logger(__name__)

# Our own bound on one eth_getLogs, below what providers refuse: Alchemy allows "up to a 2K
# block range" or any range "with a cap of 10K logs" (its error message, quoted in
# ethers-io/ethers.js issue 4703), Infura at most 10,000 results (docs.metamask.io,
# services reference, eth_getLogs "Constraints"), QuickNode 10,000 blocks on paid plans
# and 5 on its free trial (quicknode.com/docs, eth_getLogs). A longer gap reads every
# account in full and starts again from the head; a provider's refusal is a failed reply.
MAX_LOG_BLOCKS = 1_000
_ZERO_PREFIX = "0" * 24


@dataclass(frozen=True, slots=True)
class ChainNews:
    """One tick's news: ``named`` holds lowercase 0x addresses; ``everything``, when set,
    says why every account is read in full this tick."""

    tick: int
    block: BlockRef
    everything: str | None
    named: frozenset[str]


def named_in(logs: Sequence[Mapping[str, Any]]) -> set[str]:
    """Every address named in a topic (after the event's signature) or a data word."""
    found: set[str] = set()
    for entry in logs:
        words = [str(topic)[2:] for topic in entry.get("topics", ())[1:]]
        data = str(entry.get("data", "0x"))[2:]
        words += [data[at : at + 64] for at in range(0, len(data), 64)]
        for word in words:
            if len(word) == 64 and word.startswith(_ZERO_PREFIX):
                found.add("0x" + word[24:].lower())
    return found


class LogWatch:
    """One chain's head and logs, tick after tick (see the module's docstring)."""

    def __init__(self, client: ChainClient, max_blocks: int = MAX_LOG_BLOCKS) -> None:
        self.client = client
        self.max_blocks = max_blocks
        self._last: tuple[int, str] | None = None  # the last read's height and hash
        self._watched: tuple[str, ...] = ()
        self._ticks = itertools.count(1)
        # this tick's logs asked for: from height, to the head, its hash, what they named
        self._asked: tuple[int, BlockRef, str, frozenset[str]] | None = None

    def forget(self) -> None:
        """The last read did not reach every connector: the next reads every account."""
        self._last = None

    async def next(self, watched: Sequence[str]) -> tuple[ChainNews, BlockRef, str]:
        """The tick's news, the head block and its hash (what the tick's batch is pinned
        to). Raises TransientError when the head itself cannot be read."""
        tick = next(self._ticks)
        addresses = tuple(sorted({address.lower() for address in watched}))
        last, self._last = self._last, None  # restored only by a complete answer
        self._asked = None
        if last is None or addresses != self._watched or not addresses:
            self._watched = addresses
            reply = await self.client.request("eth_getBlockByNumber", ["latest", False])
            block, block_hash = block_ref(reply, "eth_getBlockByNumber(latest)")
            self._last = (block.number, block_hash)
            reason = "first read" if last is None else "the watched contracts changed"
            return ChainNews(tick, block, reason, frozenset()), block, block_hash
        height = last[0]
        calls: list[tuple[str, list[Any]]] = [
            ("eth_getBlockByNumber", ["latest", False]),
            ("eth_getBlockByNumber", [hex(height), False]),
            ("eth_getLogs", [{"address": list(addresses), "fromBlock": hex(height),
                              "toBlock": "latest"}]),
        ]  # fmt: skip
        replies = await self.client.batch(calls, errors_in_place=True)
        if isinstance(replies[0], BaseException):
            raise replies[0]
        block, block_hash = block_ref(replies[0], "eth_getBlockByNumber(latest)")
        self._last = (block.number, block_hash)
        doubt = self._doubt(block, block_hash, last, replies[1], replies[2])
        if doubt is not None:
            log.info("chain_news_reads_everything", reason=doubt, block=block.number)
            return ChainNews(tick, block, doubt, frozenset()), block, block_hash
        logs = [e for e in replies[2] if height < int(e["blockNumber"], 16) <= block.number]
        named = frozenset(named_in(logs))
        self._asked = (height, block, block_hash, named)
        return ChainNews(tick, block, None, named), block, block_hash

    def verification(self) -> Companion | None:
        """The tick's logs asked again up to the head's number exactly (None after a
        tick that reads everything in full: nothing to verify)."""
        if self._asked is None:
            return None
        height, block, _, _ = self._asked
        bounds = {"address": list(self._watched), "fromBlock": hex(height),
                  "toBlock": hex(block.number)}  # fmt: skip
        return Companion("eth_getLogs", [bounds])

    def missed(self, verification: Companion) -> frozenset[str] | None:
        """The accounts the exact logs name that the tick's news did not; None when the
        answer cannot tell (failed, malformed, another chain than the one read)."""
        if self._asked is None:
            return frozenset()
        height, block, block_hash, named = self._asked
        logs = verification.reply
        if (
            not isinstance(logs, list)
            or _log_doubt(logs, {block.number: block_hash}, height) is not None
        ):
            return None
        new = [entry for entry in logs if int(entry["blockNumber"], 16) > height]
        return frozenset(named_in(new)) - named

    def _doubt(
        self,
        block: BlockRef,
        block_hash: str,
        last: tuple[int, str],
        at_last: object,
        logs: object,
    ) -> str | None:
        """Why the logs cannot tell every change since ``last``, or None."""
        height, known_hash = last
        if block.number < height:
            return f"the head {block.number} is below the last read's {height} (rewind)"
        if block.number - height > self.max_blocks:
            return f"{block.number - height} blocks since the last read (> {self.max_blocks})"
        if isinstance(at_last, BaseException) or not isinstance(at_last, dict):
            return f"block {height} unreadable: {at_last!r}"
        if str(at_last.get("hash", "")).lower() != known_hash:
            return f"block {height} is no longer the one last read (reorganisation or rewind)"
        if isinstance(logs, BaseException) or not isinstance(logs, list):
            return f"eth_getLogs failed: {logs!r}"
        return _log_doubt(logs, {height: known_hash, block.number: block_hash}, height)


def _log_doubt(logs: list[Any], known: Mapping[int, str], height: int) -> str | None:
    """Why ``logs`` (from ``height`` on) may not be the canonical chain's, or None;
    ``known``: the hashes of blocks read."""
    for entry in logs:
        try:
            number = int(entry["blockNumber"], 16)
            entry_hash = str(entry["blockHash"]).lower()
        except (KeyError, TypeError, ValueError):
            return f"malformed log: {entry!r}"
        if entry.get("removed"):
            return f"a removed log at block {number} (reorganisation)"
        if number < height:
            return f"a log of block {number}, before the range asked for"
        if number in known and known[number] != entry_hash:
            return f"a log of another block {number} than the one read (reorganisation)"
    return None
