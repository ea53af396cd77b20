"""GMX v2 perpetuals: positions, rates, two-step market orders and their tracking.

Modules: ``keys`` (DataStore keys and the 1e30 USD scale), ``config`` (addresses, markets),
``connector`` (sans-I/O reads), ``positions`` (PnL, fees, liquidation price), ``actions``
(intents as ExchangeRouter multicalls), ``events`` and ``orders`` (order lifecycle).

Wiring from the local world's manifest::

    GmxV2Connector(
        chain_id=manifest.chain_id,
        account=account,
        addresses=GmxAddresses.from_roles(manifest.contracts),
        markets=[GmxMarketConfig(manifest.contract("gmx.market.ETH"), "ETH", weth, weth, usdc)],
    )

then ``await connector.discover(reader)`` once, and register it on the chain's session.
"""

from connectors.evm.gmx_v2.config import GmxAddresses, GmxMarketConfig
from connectors.evm.gmx_v2.connector import GmxV2Connector
from connectors.evm.gmx_v2.orders import (
    OrderStatus,
    OrderTracker,
    OrderUpdate,
    PendingOrder,
    TrackedOrder,
    resolve_orders,
)

__all__ = [
    "GmxAddresses",
    "GmxMarketConfig",
    "GmxV2Connector",
    "OrderStatus",
    "OrderTracker",
    "OrderUpdate",
    "PendingOrder",
    "TrackedOrder",
    "resolve_orders",
]
