"""Oracle keepers of the local world: implied vols for Premia, heartbeats for Chainlink.

``VolatilityOracleUpdater`` writes the market driver's implied vol of each underlying into
Premia's VolatilityOracle (setVolatility, 1e18 = 100%) at every step where it changed, so
the option pools price at the same vol as the venue simulators.

``FeedHeartbeat`` republishes the feeds the market path does not drive (USDC / USD) once
half their heartbeat has passed, as Chainlink's transmitters do, so that GMX (which refuses
rounds older than the heartbeat) and Premia's adapter (25 hours) keep working while chain
time moves by days.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.chain import Contract, DevChain, attach
from sim.deploy.base import UNDERLYING_TOKEN
from sim.manifest import Manifest
from sim.market import MarketState

WAD = 10**18


class VolatilityOracleUpdater:
    """A MarketListener keeping Premia's VolatilityOracle at the driver's implied vols."""

    def __init__(self, oracle: Contract, tokens: Mapping[str, str], owner: str) -> None:
        self.oracle = oracle
        self.tokens = dict(tokens)  # underlying -> token address
        self.owner = owner
        self.written: dict[str, int] = {}

    @classmethod
    def attach(cls, chain: DevChain, manifest: Manifest) -> VolatilityOracleUpdater:
        tokens = {
            underlying: manifest.token(symbol).address
            for underlying, symbol in UNDERLYING_TOKEN.items()
            if underlying != "USDC"
        }
        oracle = attach(chain, manifest, "premia.vol_oracle")
        return cls(oracle, tokens, manifest.accounts["deployer"])

    async def on_market(self, state: MarketState) -> None:
        for underlying, vol in state.implied_vols.items():
            token = self.tokens.get(underlying)
            value = round(vol * WAD)
            if token is None or self.written.get(underlying) == value:
                continue
            await self.oracle.send("setVolatility", token, value, sender=self.owner)
            self.written[underlying] = value


class FeedHeartbeat:
    """A MarketListener that republishes undriven feeds before their heartbeat runs out."""

    def __init__(
        self, feeds: Mapping[str, Contract], heartbeats_s: Mapping[str, int], transmitter: str
    ) -> None:
        self.feeds = dict(feeds)
        self.heartbeats_s = dict(heartbeats_s)
        self.transmitter = transmitter
        self.republished = 0

    @classmethod
    def attach(cls, chain: DevChain, manifest: Manifest) -> FeedHeartbeat:
        feeds = {u: attach(chain, manifest, f"chainlink.{u}_USD") for u in manifest.feeds}
        heartbeats = {u: info.heartbeat_s for u, info in manifest.feeds.items()}
        return cls(feeds, heartbeats, manifest.accounts["deployer"])

    async def on_market(self, state: MarketState) -> None:
        for underlying, feed in self.feeds.items():
            if underlying in state.prices:
                continue  # the market driver publishes it every step
            _, answer, _, updated_at, _ = await feed.read("latestRoundData")
            if state.timestamp - updated_at >= self.heartbeats_s[underlying] // 2:
                await feed.send("transmit", answer, sender=self.transmitter)
                self.republished += 1
