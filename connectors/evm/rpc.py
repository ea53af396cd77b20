"""JSON-RPC for one chain over several providers, with failover.

A provider is used only after it has proven the expected chainId; a provider that
failed is retried after a cool-down and must prove its chainId again; a provider whose
head lags the best known head by more than ``max_lag_blocks`` is skipped for every
request (reads, nonces, receipts, sends) until it catches up; so is one whose head has
not moved for ``max_lag_blocks`` of the chain's block time while wall time went on (the
only way to see a single provider fall behind). ``refresh_heads`` compares the heads:
the daemon calls it every tick. Everything that went wrong is kept per provider and
reported by ``status()``.

A batched read costs two HTTP requests on the healthy path (the head, then one eth_call
pinned to it): no per-call chainId checks.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import structlog

from agent.errors import ConfigError, OutcomeUnknown, TransientError
from connectors.evm.jsonrpc import JsonRpcTransport

log = structlog.get_logger(__name__)

# Seconds between blocks, for chains whose head must keep moving. Ethereum: one block
# per 12 s slot (consensus-specs phase0 SECONDS_PER_SLOT). Arbitrum One: the Nitro
# sequencer's default block time of 250 ms (docs.arbitrum.io, "Sequencer timing
# adjustments"). Others (dev chains mining on demand) have none unless configured.
BLOCK_TIME_S_BY_CHAIN = {1: 12.0, 11155111: 12.0, 42161: 0.25}


@dataclass
class ProviderStatus:
    """What is known about one provider. ``label`` never contains the URL's secrets."""

    label: str
    verified: bool = False
    head: int | None = None
    down_reason: str | None = None
    down_until: float = 0.0
    lag_blocks: int = 0
    failures: int = 0
    head_moved_at: float | None = None  # monotonic seconds when ``head`` last increased
    stalled: str | None = None  # why its head is taken as stuck

    @property
    def lagging(self) -> bool:
        return self.lag_blocks > 0 or self.stalled is not None

    @property
    def usable(self) -> bool:
        return self.verified and self.down_reason is None and not self.lagging

    @property
    def problem(self) -> str | None:
        if self.down_reason:
            return self.down_reason
        if self.stalled:
            return self.stalled
        if self.lag_blocks:
            return f"lagging {self.lag_blocks} blocks behind the best head"
        return None


class Provider:
    def __init__(self, url: str, timeout_s: float) -> None:
        self.transport = JsonRpcTransport(url, timeout_s=timeout_s)
        self.status = ProviderStatus(label=self.transport.label)


class ChainClient:
    """Requests to one chain, failing over across ``urls`` in order of preference."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        chain_id: int,
        timeout_s: float = 10.0,
        max_lag_blocks: int = 5,
        cooldown_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
        block_time_s: float | None = None,
    ) -> None:
        """``monotonic`` (seconds) times the cool-downs: the daemon's clock, so a simulation
        in chain time recovers after ``cooldown_s`` of chain time, not of wall time.
        ``block_time_s``: the chain's block interval; None (a dev chain that mines on
        demand) never takes a head that stands still as stuck."""
        if not urls:
            raise ConfigError("a chain needs at least one RPC URL")
        self.chain_id = chain_id
        self.max_lag_blocks = max_lag_blocks
        self.cooldown_s = cooldown_s
        self.block_time_s = block_time_s
        self._monotonic = monotonic
        self.providers = [Provider(url, timeout_s) for url in urls]

    async def __aenter__(self) -> ChainClient:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for provider in self.providers:
            await provider.transport.aclose()

    @property
    def request_count(self) -> int:
        """HTTP round trips over every provider, for tests and benchmarks."""
        return sum(p.transport.request_count for p in self.providers)

    def method_count(self, method: str) -> int:
        """Calls of ``method`` over every provider, for tests and benchmarks."""
        return sum(p.transport.method_counts[method] for p in self.providers)

    def status(self) -> list[ProviderStatus]:
        return [provider.status for provider in self.providers]

    async def start(self) -> None:
        """Verify every provider's chainId and head; fail if none is usable."""
        await self.refresh_heads()
        if not any(p.status.usable for p in self.providers):
            problems = "; ".join(f"{p.status.label}: {p.status.problem}" for p in self.providers)
            raise TransientError(f"no usable RPC provider for chain {self.chain_id}: {problems}")

    async def refresh_heads(self) -> None:
        """Re-check each provider (chainId if unverified, then its head) and mark laggards.

        Costs one batched request per provider; call it on a slow cadence, not per read.
        """
        for provider in self.providers:
            before = provider.status.head
            await self._check(provider)
            self._note_progress(provider.status, before)
        heads = [p.status.head for p in self.providers if p.status.verified and p.status.head]
        best = max(heads, default=None)
        for provider in self.providers:
            status = provider.status
            lag = 0 if best is None or status.head is None else best - status.head
            lagging = lag > self.max_lag_blocks
            if lagging and not status.lag_blocks:
                log.warning("rpc_provider_lagging", provider=status.label, blocks=lag)
            elif status.lag_blocks and not lagging:
                log.info("rpc_provider_caught_up", provider=status.label)
            status.lag_blocks = lag if lagging else 0

    def _note_progress(self, status: ProviderStatus, before: int | None) -> None:
        """Track when the head last moved; stuck for ``max_lag_blocks`` block times is a
        lag no other provider may be there to show."""
        now = self._monotonic()
        if status.head is None or before is None or status.head > before:
            status.head_moved_at = now
            if status.stalled:
                log.info("rpc_provider_moving", provider=status.label, head=status.head)
            status.stalled = None
            return
        if self.block_time_s is None or status.head_moved_at is None:
            return
        still_s = now - status.head_moved_at
        if still_s > self.max_lag_blocks * self.block_time_s and status.stalled is None:
            status.stalled = (
                f"head stuck at {status.head} for {still_s:.1f}s ({self.max_lag_blocks} "
                f"blocks of {self.block_time_s}s)"
            )
            log.warning("rpc_provider_stalled", provider=status.label, reason=status.stalled)

    async def _check(self, provider: Provider) -> None:
        """Verify a provider that is new or whose cool-down has passed."""
        status = provider.status
        if status.verified and status.down_reason is None:
            await self._read_head(provider)
            return
        if self._monotonic() < status.down_until:
            return
        try:
            chain_hex, head_hex = await provider.transport.batch(
                [("eth_chainId", []), ("eth_blockNumber", [])]
            )
        except (TransientError, OutcomeUnknown) as error:
            self._mark_down(provider, f"unreachable: {error}")
            return
        actual = int(chain_hex, 16)
        if actual != self.chain_id:
            self._mark_down(provider, f"wrong chainId {actual}, expected {self.chain_id}")
            return
        status.verified = True
        status.head = int(head_hex, 16)
        status.down_reason = None

    async def _read_head(self, provider: Provider) -> None:
        try:
            provider.status.head = int(await provider.transport.request("eth_blockNumber"), 16)
        except (TransientError, OutcomeUnknown) as error:
            self._mark_down(provider, f"unreachable: {error}")

    def _mark_down(self, provider: Provider, reason: str) -> None:
        """Take a provider out until its cool-down ends; it must then prove its chainId."""
        status = provider.status
        if status.down_reason != reason:
            log.warning("rpc_provider_down", provider=status.label, reason=reason)
        status.down_reason = reason
        status.verified = False
        status.failures += 1
        status.down_until = self._monotonic() + self.cooldown_s

    async def batch(
        self, calls: Sequence[tuple[str, Sequence[Any]]], *, errors_in_place: bool = False
    ) -> list[Any]:
        """Several read calls in one HTTP request to the first usable provider, failing
        over as ``request`` does when the request itself fails (``JsonRpcTransport.batch``:
        ``errors_in_place`` returns each call's own error as its result)."""
        label = ",".join(method for method, _ in calls)
        replies: list[Any] = await self._first_usable(
            label, lambda t: t.batch(calls, errors_in_place=errors_in_place)
        )
        return replies

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """Send to the first usable provider; fail over on transient errors.

        Raises TransientError when every provider failed, and OutcomeUnknown (without
        trying another provider) when a send may have been accepted.
        """
        return await self._first_usable(method, lambda t: t.request(method, params))

    async def _first_usable(
        self, method: str, send: Callable[[JsonRpcTransport], Awaitable[Any]]
    ) -> Any:
        errors = []
        for provider in self.providers:
            if not provider.status.usable and not provider.status.lagging:
                await self._check(provider)
            if not provider.status.usable:
                continue
            try:
                return await send(provider.transport)
            except TransientError as error:
                self._mark_down(provider, f"unreachable: {error}")
                errors.append(f"{provider.status.label}: {error}")
        unusable = [
            f"{p.status.label}: {p.status.problem}" for p in self.providers if p.status.problem
        ]
        detail = "; ".join(errors or unusable) or "none usable"
        raise TransientError(f"{method}: every RPC provider failed ({detail})")
