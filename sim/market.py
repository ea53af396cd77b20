"""The market driver: one source of prices for every venue of the local world.

Each step advances chain time, evaluates the market path, publishes oracle prices on
chain, and hands the new state to every listener in order (venue simulators first,
then keepers), so the chain and the exchange simulators always agree on the price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from sim.paths import MarketPath


@dataclass(frozen=True, slots=True)
class MarketState:
    """What every venue sees at one instant.

    ``timestamp`` is chain time (unix seconds). ``funding_annual`` is the perp funding
    regime per underlying (annualised, positive = longs pay shorts).
    """

    timestamp: int
    prices: Mapping[str, float]
    implied_vols: Mapping[str, float]
    funding_annual: Mapping[str, float] = field(default_factory=dict)
    step: int = 0

    def price(self, underlying: str) -> float:
        return self.prices[underlying]

    def implied_vol(self, underlying: str) -> float:
        return self.implied_vols[underlying]


class MarketListener(Protocol):
    """Something that must see every market step (a venue simulator, a keeper)."""

    async def on_market(self, state: MarketState) -> None: ...


class ChainHooks(Protocol):
    """How the driver moves the chain: time first, then the oracle prices."""

    async def set_time(self, timestamp: int) -> None: ...

    async def publish_prices(self, prices: Mapping[str, float]) -> None: ...


class MarketDriver:
    """Moves the market along ``path`` from ``start_timestamp``, in chain time."""

    def __init__(
        self,
        path: MarketPath,
        *,
        start_timestamp: int,
        chain: ChainHooks | None = None,
        listeners: Sequence[MarketListener] = (),
        funding_annual: Mapping[str, float] | None = None,
    ) -> None:
        self.path = path
        self.start_timestamp = start_timestamp
        self.chain = chain
        self.listeners: list[MarketListener] = list(listeners)
        point = path.at(0.0)
        self.state = MarketState(
            timestamp=start_timestamp,
            prices=dict(point.prices),
            implied_vols=dict(point.implied_vols),
            funding_annual=dict(funding_annual or {name: 0.10 for name in path.underlyings}),
        )

    @property
    def elapsed_s(self) -> int:
        return self.state.timestamp - self.start_timestamp

    def add_listener(self, listener: MarketListener) -> None:
        self.listeners.append(listener)

    def set_funding(self, underlying: str, annual: float) -> None:
        """Switch the funding regime of ``underlying`` (takes effect at the next step)."""
        self.state = replace(
            self.state, funding_annual={**self.state.funding_annual, underlying: annual}
        )

    async def publish(self) -> MarketState:
        """Push the current state to chain and listeners without moving time."""
        if self.chain is not None:
            await self.chain.publish_prices(self.state.prices)
        for listener in self.listeners:
            await listener.on_market(self.state)
        return self.state

    async def advance(self, seconds: int) -> MarketState:
        """Move ``seconds`` of chain time forward along the path and publish."""
        if seconds <= 0:
            raise ValueError("advance needs a positive number of seconds")
        timestamp = self.state.timestamp + seconds
        point = self.path.at(float(timestamp - self.start_timestamp))
        self.state = MarketState(
            timestamp=timestamp,
            prices=dict(point.prices),
            implied_vols=dict(point.implied_vols),
            funding_annual=self.state.funding_annual,
            step=self.state.step + 1,
        )
        if self.chain is not None:
            await self.chain.set_time(timestamp)
        return await self.publish()
