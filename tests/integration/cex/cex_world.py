"""The local exchange world used by the CEX integration tests: constants and builders."""

from __future__ import annotations

from dataclasses import dataclass, replace

from eth_account import Account
from pydantic import SecretStr

from agent.model import Side
from agent.ports import OrderRequest
from connectors.cex import CcxtVenue, DeribitVenue, Endpoint, HyperliquidVenue, cloid_for
from sim.market import MarketDriver
from sim.paths import Keyframe, KeyframePath
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator

START = 1_760_000_000  # 2025-10-09 08:53 UTC, chain time
PRICES = {"BTC": 60_000.0, "ETH": 3_000.0}
VOLS = {"BTC": 0.6, "ETH": 0.7}

DERIBIT_CLIENT_ID = "ballast-test"
DERIBIT_SECRET = "canary-deribit-secret-4f1c9e"  # a canary: must never appear in output
HL_KEY = "0x" + "4c0ffee5" * 8  # a canary private key
HL_ADDRESS = Account.from_key(HL_KEY).address


def flat_driver() -> MarketDriver:
    return MarketDriver(KeyframePath([Keyframe(0, PRICES, VOLS)]), start_timestamp=START)


def move(driver: MarketDriver, **prices: float) -> None:
    """Re-aim ``driver``'s path so that from now on prices are ``prices``."""
    now = driver.elapsed_s
    current = dict(driver.state.prices)
    driver.path = KeyframePath(
        [Keyframe(0, current, VOLS), Keyframe(now + 1, {**current, **prices}, VOLS)]
    )


def deribit_venue(
    simulator: DeribitSimulator, timeout_s: float = 2.0, **kwargs: object
) -> DeribitVenue:
    return DeribitVenue(
        client_id=DERIBIT_CLIENT_ID,
        client_secret=SecretStr(DERIBIT_SECRET),
        endpoint=Endpoint.local(simulator.url, timeout_s=timeout_s),
        **kwargs,  # type: ignore[arg-type]
    )


def hyperliquid_venue(
    simulator: HyperliquidSimulator, key: str = HL_KEY, timeout_s: float = 2.0, **kwargs: object
) -> HyperliquidVenue:
    return HyperliquidVenue(
        wallet_address=HL_ADDRESS,
        private_key=SecretStr(key),
        endpoint=Endpoint.local(simulator.url, timeout_s=timeout_s),
        **kwargs,  # type: ignore[arg-type]
    )


@dataclass
class Rig:
    """One venue on its simulator, with an order that fills at once and one that rests."""

    kind: str
    simulator: DeribitSimulator | HyperliquidSimulator
    venue: CcxtVenue
    symbol: str
    quantity: float  # coin, what the port speaks on every venue
    coin_quantity: float
    crossing_price: float
    resting_price: float
    order_operation: str
    lookup_operation: str

    def request(self, client_id: str, *, resting: bool = False, **changes: object) -> OrderRequest:
        price = self.resting_price if resting else self.crossing_price
        order = OrderRequest(
            client_id, self.symbol, Side.BUY, self.quantity, price, time_in_force="GTC"
        )
        return replace(order, **changes)  # type: ignore[arg-type]

    def hide_key(self, client_id: str) -> str:
        return cloid_for(client_id) if self.kind == "hyperliquid" else client_id

    def orders(self, client_id: str) -> int:
        """How many orders the simulator holds for ``client_id`` (duplicates show here)."""
        if isinstance(self.simulator, DeribitSimulator):
            return len(self.simulator.orders_labelled(DERIBIT_CLIENT_ID, client_id))
        return len(self.simulator.orders_with_cloid(HL_ADDRESS, cloid_for(client_id)))

    def statuses(self, operation: str) -> list[int]:
        return [r.status for r in self.simulator.requests if r.operation == operation]


def make_venue(
    kind: str, simulator: DeribitSimulator | HyperliquidSimulator, **kwargs: object
) -> CcxtVenue:
    """A venue of ``kind`` on ``simulator`` (not yet opened)."""
    if isinstance(simulator, DeribitSimulator):
        return deribit_venue(simulator, **kwargs)  # type: ignore[arg-type]
    return hyperliquid_venue(simulator, **kwargs)  # type: ignore[arg-type]


def make_rig(
    kind: str,
    simulator: DeribitSimulator | HyperliquidSimulator,
    venue: CcxtVenue,
) -> Rig:
    if kind == "deribit":
        return Rig(
            kind,
            simulator,
            venue,
            "BTC/USD:BTC",
            0.1,  # coin: the connector sends Deribit 6,000 USD at the 60,000 mark
            0.1,
            61_000.0,
            50_000.0,
            "private/buy",
            "private/get_order_state_by_label",
        )
    return Rig(
        kind,
        simulator,
        venue,
        "BTC/USDC:USDC",
        0.1,
        0.1,
        61_000.0,
        50_000.0,
        "exchange/order",
        "info/orderStatus",
    )


class Sleeps:
    """A stand-in for asyncio.sleep that records the waits and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def option_symbol(venue: DeribitVenue, strike: float, kind: str = "call") -> str:
    """The BTC option at ``strike`` with the latest expiry."""
    options = [
        m
        for m in venue.exchange.markets.values()
        if m["option"] and m["base"] == "BTC" and m["strike"] == strike and m["optionType"] == kind
    ]
    return str(max(options, key=lambda m: m["expiry"])["symbol"])
