"""EVM connectors as venues: sans-I/O plans, read together once per tick.

An ``EvmConnector`` says which calls it needs (``plan``) and turns their results into
a ``VenueSnapshot`` (``decode``); it does no I/O. ``ChainSession`` owns one chain's
batched reader and coalesces concurrent snapshot requests of all its connectors into
one ``aggregate3`` (it is their ``VenueGroup``); ``EvmVenue`` presents one connector as
a ``Venue``.

A connector that keeps state between its own events (``WatchesLogs``: Aave accounts)
names the contracts whose logs tell it what changed; the session then reads the head and
those logs in one request (``chain_news.LogWatch``), tells each such connector the news
(``observe``) before asking for its plan, and pins the batch to that head.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol, TypeGuard, runtime_checkable

from agent.errors import TransientError
from agent.model import VenueSnapshot
from agent.ports import BlockRef, Call, CallResult
from connectors.evm.chain_news import ChainNews, LogWatch
from connectors.evm.multicall import BatchedReader


class SubCallFailed(TransientError):
    """A call a connector needed failed inside the batch: its snapshot cannot be built."""


class EvmConnector(Protocol):
    @property
    def name(self) -> str: ...

    def plan(self) -> Sequence[Call]:
        """The calls this connector needs this tick."""
        ...

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        """Build the snapshot from ``results`` (in ``plan`` order) read at ``block``."""
        ...


@runtime_checkable
class WatchesLogs(EvmConnector, Protocol):
    """A connector whose reads depend on what the chain's logs say changed."""

    def watched_addresses(self) -> Sequence[str]:
        """The contracts whose logs (any event) may name an account this connector reads."""
        ...

    def observe(self, news: ChainNews) -> None:
        """This tick's news, before ``plan``; a tick without it reads everything in full."""
        ...

    def doubted(self, missed: frozenset[str] | None) -> bool:
        """Whether this tick's snapshot came from kept state that something found during
        the tick puts in doubt: a failed cross-check, or logs the news missed (``missed``:
        the accounts they name; None: unknown). The session then reads it again in full,
        at the same block."""
        ...


def require(result: CallResult, what: str) -> bytes:
    """The payload of a sub-call that must have succeeded."""
    if not result.success:
        raise SubCallFailed(f"{what} failed in the batched read")
    return result.data


def block_time(block: BlockRef) -> datetime:
    """The block's time (one datetime per timestamp: every account read at a block
    shares it)."""
    return _utc(block.timestamp)


@functools.lru_cache(maxsize=16)
def _utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


class ChainSession:
    """One chain's connectors, read together: concurrent requests share one read."""

    def __init__(self, reader: BatchedReader) -> None:
        self.reader = reader
        self.connectors: dict[str, EvmConnector] = {}
        self._inflight: asyncio.Future[dict[str, VenueSnapshot | BaseException]] | None = None
        self.reads = 0
        self.news = LogWatch(reader.reader.client)
        self._watching_kinds: dict[type, bool] = {}

    def _watches(self, connector: EvmConnector) -> TypeGuard[WatchesLogs]:
        """Whether ``connector`` watches logs: decided once per class (a runtime protocol
        check walks every member, too slow for hundreds of connectors every tick)."""
        kind = type(connector)
        found = self._watching_kinds.get(kind)
        if found is None:
            found = self._watching_kinds[kind] = isinstance(connector, WatchesLogs)
        return found

    def register(self, connector: EvmConnector) -> EvmVenue:
        self.connectors[connector.name] = connector
        return EvmVenue(self, connector.name)

    async def read_all(self) -> dict[str, VenueSnapshot | BaseException]:
        """Every connector's snapshot from one batched read; a failure stays with its connector."""
        if self._inflight is None:
            self._inflight = asyncio.get_running_loop().create_future()
            try:
                self._inflight.set_result(await self._read())
            except BaseException as error:
                self._inflight.set_exception(error)
            finally:
                inflight, self._inflight = self._inflight, None
            return inflight.result()
        return await asyncio.shield(self._inflight)

    async def _read(self) -> dict[str, VenueSnapshot | BaseException]:
        watching = [c for c in self.connectors.values() if self._watches(c)]
        at = None
        if watching:
            # Each address once (the accounts of a market watch the same contracts).
            watched: dict[str, None] = {}
            for connector in watching:
                watched.update(dict.fromkeys(connector.watched_addresses()))
            news, head, head_hash = await self.news.next(list(watched))
            at = (head, head_hash)
        try:
            for watcher in watching:
                watcher.observe(news)
            plans = {name: c.plan() for name, c in self.connectors.items()}
            self.reads += 1
            verification = self.news.verification() if watching else None
            companions = () if verification is None else (verification,)
            block, results = await self.reader.read(plans, at, companions)
            snapshots = self._decoded(block, results, self.connectors)
            missed = frozenset() if verification is None else self.news.missed(verification)
            again: dict[str, EvmConnector] = {w.name: w for w in watching if w.doubted(missed)}
            if again and at is not None:
                snapshots.update(await self._read_in_full(again, at))
        except BaseException:
            # The news since the last read may have reached no connector's state: the
            # next read starts again from every account in full.
            self.news.forget()
            raise
        return snapshots

    @staticmethod
    def _decoded(
        block: BlockRef,
        results: Mapping[str, Sequence[CallResult]],
        connectors: Mapping[str, EvmConnector],
    ) -> dict[str, VenueSnapshot | BaseException]:
        snapshots: dict[str, VenueSnapshot | BaseException] = {}
        for name, connector in connectors.items():
            try:
                snapshots[name] = connector.decode(block, results[name])
            except Exception as error:  # one connector's failure must not sink the others
                snapshots[name] = error
        return snapshots

    async def _read_in_full(
        self, connectors: Mapping[str, EvmConnector], at: tuple[BlockRef, str]
    ) -> dict[str, VenueSnapshot | BaseException]:
        """``connectors`` read again in full (a plan without news), at the tick's block,
        beside the kept batch (which stays as it is for the next tick)."""
        plans = {name: c.plan() for name, c in connectors.items()}
        calls = [call for plan in plans.values() for call in plan]
        block, results = await self.reader.reader.read(calls, at)
        split: dict[str, Sequence[CallResult]] = {}
        start = 0
        for name, plan in plans.items():
            split[name] = results[start : start + len(plan)]
            start += len(plan)
        return self._decoded(block, split, connectors)


class EvmVenue:
    """One EVM connector behind the ``Venue`` port, a member of its chain's session
    (``GroupedVenue``: the tick reads the session once for all its connectors)."""

    def __init__(self, session: ChainSession, name: str) -> None:
        self.session = session
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def group(self) -> ChainSession:
        return self.session

    async def snapshot(self) -> VenueSnapshot:
        outcome = (await self.session.read_all())[self._name]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
