"""EVM connectors as venues: sans-I/O plans, read together once per tick.

An ``EvmConnector`` says which calls it needs (``plan``) and turns their results into
a ``VenueSnapshot`` (``decode``); it does no I/O. ``ChainSession`` owns one chain's
batched reader and coalesces concurrent snapshot requests of all its connectors into
one ``aggregate3``; ``EvmVenue`` presents one connector as a ``Venue``.

A connector that keeps state between its own events (``WatchesLogs``: Aave accounts)
names the contracts whose logs tell it what changed; the session then reads the head and
those logs in one request (``chain_news.LogWatch``), tells each such connector the news
(``observe``) before asking for its plan, and pins the batch to that head.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

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
class WatchesLogs(Protocol):
    """A connector whose reads depend on what the chain's logs say changed."""

    def watched_addresses(self) -> Sequence[str]:
        """The contracts whose logs (any event) may name an account this connector reads."""
        ...

    def observe(self, news: ChainNews) -> None:
        """This tick's news, before ``plan``; a tick without it reads everything in full."""
        ...


def require(result: CallResult, what: str) -> bytes:
    """The payload of a sub-call that must have succeeded."""
    if not result.success:
        raise SubCallFailed(f"{what} failed in the batched read")
    return result.data


def block_time(block: BlockRef) -> datetime:
    return datetime.fromtimestamp(block.timestamp, tz=UTC)


class ChainSession:
    """One chain's connectors, read together: concurrent requests share one read."""

    def __init__(self, reader: BatchedReader) -> None:
        self.reader = reader
        self.connectors: dict[str, EvmConnector] = {}
        self._inflight: asyncio.Future[dict[str, VenueSnapshot | BaseException]] | None = None
        self.reads = 0
        self.news = LogWatch(reader.reader.client)

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
        watching: list[WatchesLogs] = [
            watcher for watcher in self.connectors.values() if isinstance(watcher, WatchesLogs)
        ]
        at = None
        if watching:
            watched = [address for c in watching for address in c.watched_addresses()]
            news, head, head_hash = await self.news.next(watched)
            at = (head, head_hash)
            for watcher in watching:
                watcher.observe(news)
        plans = {name: c.plan() for name, c in self.connectors.items()}
        self.reads += 1
        try:
            block, results = await self.reader.read(plans, at)
        except BaseException:
            self.news.forget()  # the news of this tick reached no connector's state
            raise
        snapshots: dict[str, VenueSnapshot | BaseException] = {}
        for name, connector in self.connectors.items():
            try:
                snapshots[name] = connector.decode(block, results[name])
            except Exception as error:  # one connector's failure must not sink the others
                snapshots[name] = error
        return snapshots


class EvmVenue:
    """One EVM connector behind the ``Venue`` port."""

    def __init__(self, session: ChainSession, name: str) -> None:
        self.session = session
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    async def snapshot(self) -> VenueSnapshot:
        outcome = (await self.session.read_all())[self._name]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
