"""A local Hyperliquid: ``/info`` and ``/exchange`` on loopback, priced by the market driver.

Usage::

    simulator = HyperliquidSimulator(driver.state)
    simulator.add_user(wallet_address, usdc=100_000.0)
    simulator.approve_agent(wallet_address, api_wallet_address)  # optional
    driver.add_listener(simulator)
    async with simulator:
        ...  # point ccxt's URLs at simulator.url

Orders are matched against a synthetic book around the oracle; funding follows the
driver's regime; every ``/exchange`` signature is verified.
"""

from __future__ import annotations

from sim.market import MarketState
from sim.venues.faults import FaultPlan
from sim.venues.hyperliquid.api import HyperliquidApi
from sim.venues.hyperliquid.clearinghouse import Clearinghouse, HlOrder, Liquidation, User
from sim.venues.hyperliquid.controls import fire_scheduled_cancel
from sim.venues.server import ServedVenue, VenueServer

__all__ = ["HyperliquidSimulator", "Liquidation"]


class HyperliquidSimulator(ServedVenue):
    """The simulated venue; a ``MarketListener`` and an async context manager (serving).

    ``mainnet`` selects the phantom agent's source ("a" mainnet, "b" testnet) that
    signatures must use; ccxt signs with "a" unless put in sandbox mode.
    """

    def __init__(
        self,
        initial: MarketState,
        *,
        coins: tuple[str, ...] | None = None,
        mainnet: bool = True,
    ) -> None:
        self.house = Clearinghouse(initial, coins or tuple(sorted(initial.prices)))
        self.faults = FaultPlan()
        self._api = HyperliquidApi(self.house, self.faults, mainnet=mainnet)
        self._server = VenueServer(
            self._api.application(),
            faults=self.faults,
            operation_of=self._api.operation_of,
            rate_limited=self._api.rate_limited,
        )

    @property
    def liquidations(self) -> list[Liquidation]:
        return self.house.liquidations

    def add_user(self, address: str, *, usdc: float) -> User:
        """A perp account holding ``usdc`` of collateral, owned by wallet ``address``."""
        return self.house.add_user(address, usdc)

    def limit_requests(self, buffer: int) -> None:
        """Set the per-address cap's initial buffer (10,000 on the venue) to ``buffer``."""
        self._api.request_buffer = buffer

    def approve_agent(self, user: str, agent: str) -> None:
        """Let API wallet ``agent`` sign L1 actions for ``user`` (as approveAgent does)."""
        self._api.agents[agent.lower()] = user.lower()

    def orders_with_cloid(self, user: str, cloid: str) -> list[HlOrder]:
        """Every order ``user`` placed with ``cloid`` (to count duplicates)."""
        owner = user.lower()
        return [
            order
            for oid, order in self.house.orders.items()
            if self.house.owners[oid] == owner and order.cloid == cloid.lower()
        ]

    async def on_market(self, state: MarketState) -> None:
        self.house.on_market(state)
        for user in self.house.users.values():
            fire_scheduled_cancel(self.house, user)
