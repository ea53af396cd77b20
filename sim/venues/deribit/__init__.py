"""A local Deribit: API v2 over HTTP on loopback, priced by the market driver.

Usage::

    simulator = DeribitSimulator(driver.state)
    simulator.add_account("client-id", "client-secret", {"BTC": 2.0, "USDC": 50_000.0})
    driver.add_listener(simulator)
    async with simulator:
        ...  # point ccxt's URLs at simulator.url

The WebSocket API (``/ws/api/v2``: subscriptions pushed after every market step,
heartbeats) is ``simulator.stream`` (``stream.py``; ``min_heartbeat_s`` lowers Deribit's
10 s floor for tests). Faults (``simulator.faults``) and the request log
(``simulator.requests``) are there for tests; ``simulator.liquidations`` lists every forced close.
"""

from __future__ import annotations

from functools import partial

from sim.market import MarketState
from sim.venues.deribit import cross
from sim.venues.deribit.api import DeribitApi
from sim.venues.deribit.exchange import Account, DeribitExchange, Liquidation
from sim.venues.deribit.margin import MarginRules
from sim.venues.deribit.orders import Order
from sim.venues.deribit.stream import MIN_HEARTBEAT_S, StreamHub
from sim.venues.faults import FaultPlan
from sim.venues.server import ServedVenue, VenueServer

__all__ = ["DeribitSimulator", "Liquidation", "MarginRules"]


class DeribitSimulator(ServedVenue):
    """The simulated venue; a ``MarketListener`` and an async context manager (serving)."""

    def __init__(
        self,
        initial: MarketState,
        *,
        coins: tuple[str, ...] = ("BTC", "ETH"),
        rules: MarginRules | None = None,
        smile: float = 0.0,
        min_heartbeat_s: float = MIN_HEARTBEAT_S,
    ) -> None:
        self.exchange = DeribitExchange(initial, coins, rules, smile)
        self.exchange.available_funds = partial(cross.available_funds, self.exchange)
        self.faults = FaultPlan()
        api = DeribitApi(self.exchange, self.faults)
        app = api.application()
        self.stream = StreamHub(self.exchange, min_heartbeat_s)
        self.stream.attach(app)
        self._server = VenueServer(
            app,
            faults=self.faults,
            operation_of=api.operation_of,
            rate_limited=api.rate_limited,
        )

    @property
    def liquidations(self) -> list[Liquidation]:
        return self.exchange.liquidations

    def add_account(
        self,
        client_id: str,
        client_secret: str,
        balances: dict[str, float],
        margin_model: str = "segregated_sm",
    ) -> Account:
        """Open an API account with cash ``balances`` per currency (coin, or USDC), in
        ``margin_model`` (Deribit's names: "segregated_sm", "cross_sm"; "segregated_pm"
        and "cross_pm" are reported but their margin is not modelled)."""
        account = self.exchange.add_account(client_id, client_secret, balances)
        account.margin_model = margin_model
        return account

    def orders_labelled(self, client_id: str, label: str) -> list[Order]:
        """Every order the account placed with ``label`` (to count duplicates)."""
        account = self.exchange.accounts[client_id]
        return [order for order in account.orders.values() if order.label == label]

    async def on_market(self, state: MarketState) -> None:
        self.exchange.on_market(state)
        for account in self.exchange.accounts.values():
            cross.liquidate_if_needed(self.exchange, account)
        await self.stream.on_market()
