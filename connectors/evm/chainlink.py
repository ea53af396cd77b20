"""Chainlink price feeds and the L2 sequencer uptime feed, read sans-I/O.

Every check is made against chain time (the block read), never the local clock:
- stale: the round is older than the feed's heartbeat;
- at bound: the answer sits at the aggregator's minAnswer or maxAnswer (the feed
  clamps there while the market moves on);
- invalid: a non-positive answer or an unfinished round;
- sequencer: down (answer 1), or up for less than the grace period.
A failed check becomes a snapshot flag; the agent refuses a flagged snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from agent.model import OracleReading, VenueSnapshot
from agent.ports import BlockRef, Call, CallResult, ChainReader
from connectors.evm.abi import ContractAbi
from connectors.evm.venue import block_time, require

FEED = ContractAbi.load("IChainlinkFeed")
BOUNDS = ContractAbi.load("IOffchainAggregatorBounds")

SEQUENCER_GRACE_PERIOD_S = 3_600


@dataclass(frozen=True)
class FeedConfig:
    """One <underlying>/USD feed: the proxy's address and its published heartbeat."""

    underlying: str
    address: str
    heartbeat_s: int


@dataclass(frozen=True)
class FeedFacts:
    """What does not change tick to tick, read once by ``ChainlinkConnector.discover``."""

    decimals: int
    min_answer: int
    max_answer: int


class ChainlinkConnector:
    """Prices of several feeds, plus the sequencer's status on an L2."""

    def __init__(
        self,
        feeds: Sequence[FeedConfig],
        *,
        sequencer_feed: str | None = None,
        grace_period_s: int = SEQUENCER_GRACE_PERIOD_S,
        name: str = "chainlink",
    ) -> None:
        self._name = name
        self.feeds = list(feeds)
        self.sequencer_feed = sequencer_feed
        self.grace_period_s = grace_period_s
        self.facts: dict[str, FeedFacts] = {}

    @property
    def name(self) -> str:
        return self._name

    async def discover(self, reader: ChainReader) -> None:
        """Read each feed's decimals and its aggregator's answer bounds (one batch, twice)."""
        first = [
            Call(f.address, FEED.encode(fn))
            for f in self.feeds
            for fn in ("decimals", "aggregator")
        ]
        _, results = await reader.read(first)
        aggregators = []
        for index, feed in enumerate(self.feeds):
            decimals = FEED.decode_one(
                "decimals", require(results[2 * index], f"{feed.underlying} decimals")
            )
            aggregator = FEED.decode_one(
                "aggregator", require(results[2 * index + 1], f"{feed.underlying} aggregator")
            )
            aggregators.append((decimals, aggregator))
        second = [
            Call(a, BOUNDS.encode(fn)) for _, a in aggregators for fn in ("minAnswer", "maxAnswer")
        ]
        _, bounds = await reader.read(second)
        for index, feed in enumerate(self.feeds):
            low = BOUNDS.decode_one(
                "minAnswer", require(bounds[2 * index], f"{feed.underlying} minAnswer")
            )
            high = BOUNDS.decode_one(
                "maxAnswer", require(bounds[2 * index + 1], f"{feed.underlying} maxAnswer")
            )
            self.facts[feed.underlying] = FeedFacts(aggregators[index][0], low, high)

    def plan(self) -> Sequence[Call]:
        calls = [Call(feed.address, FEED.encode("latestRoundData")) for feed in self.feeds]
        if self.sequencer_feed:
            calls.append(Call(self.sequencer_feed, FEED.encode("latestRoundData")))
        return calls

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        readings: list[OracleReading] = []
        flags: dict[str, str] = {}
        for feed, result in zip(self.feeds, results, strict=False):
            reading, problems = self._reading(feed, block, result)
            readings.append(reading)
            flags.update(problems)
        if self.sequencer_feed:
            flags.update(self._sequencer(block, results[len(self.feeds)]))
        return VenueSnapshot(
            venue=self.name,
            observed_at=block_time(block),
            oracles=tuple(readings),
            marks={r.underlying: r.price for r in readings},
            block_number=block.number,
            flags=flags,
        )

    def _reading(
        self, feed: FeedConfig, block: BlockRef, result: CallResult
    ) -> tuple[OracleReading, dict[str, str]]:
        facts = self.facts[feed.underlying]
        round_id, answer, _, updated_at, answered_in = FEED.decode(
            "latestRoundData", require(result, f"{feed.underlying} latestRoundData")
        )
        age_s = block.timestamp - updated_at
        stale = age_s > feed.heartbeat_s
        at_bound = answer <= facts.min_answer or answer >= facts.max_answer
        problems = {}
        if stale:
            problems[f"oracle_stale:{feed.underlying}"] = (
                f"{feed.underlying}/USD last updated {age_s}s ago, heartbeat {feed.heartbeat_s}s"
            )
        if at_bound:
            problems[f"oracle_at_bound:{feed.underlying}"] = (
                f"{feed.underlying}/USD answer {answer} is at its bound "
                f"[{facts.min_answer}, {facts.max_answer}]"
            )
        if answer <= 0 or updated_at == 0 or answered_in < round_id:
            problems[f"oracle_invalid:{feed.underlying}"] = (
                f"{feed.underlying}/USD round {round_id} is incomplete or non-positive ({answer})"
            )
        reading = OracleReading(
            feed=feed.address,
            underlying=feed.underlying,
            price=answer / 10**facts.decimals,
            updated_at=datetime.fromtimestamp(updated_at, tz=UTC),
            heartbeat_s=feed.heartbeat_s,
            stale=stale,
            at_bound=at_bound,
        )
        return reading, problems

    def _sequencer(self, block: BlockRef, result: CallResult) -> dict[str, str]:
        _, answer, started_at, _, _ = FEED.decode(
            "latestRoundData", require(result, "sequencer uptime feed")
        )
        if answer != 0:
            return {"sequencer_down": "the L2 sequencer uptime feed reports the sequencer down"}
        up_for = block.timestamp - started_at
        if up_for < self.grace_period_s:
            detail = f"the sequencer came back {up_for}s ago; grace period {self.grace_period_s}s"
            return {"sequencer_grace": detail}
        return {}
