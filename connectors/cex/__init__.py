"""Exchange venues reached through ccxt (unchanged): Deribit and Hyperliquid.

``DeribitVenue`` and ``HyperliquidVenue`` implement the ``Venue`` and ``OrderVenue``
ports. Build them with an ``Endpoint`` and use them as async context managers (opening
loads the venue's markets)::

    from pydantic import SecretStr
    from connectors.cex import DeribitVenue, Endpoint, HyperliquidVenue

    # Against the local simulators (sim.venues): every ccxt URL family -> loopback.
    deribit = DeribitVenue(client_id="id", client_secret=SecretStr(secret),
                           endpoint=Endpoint.local(deribit_simulator.url))
    hyperliquid = HyperliquidVenue(wallet_address=address, private_key=SecretStr(key),
                                   endpoint=Endpoint.local(hyperliquid_simulator.url))

    # Against the real venues (or Endpoint.testnet()).
    deribit = DeribitVenue(client_id=..., client_secret=..., endpoint=Endpoint.live())

    async with deribit, hyperliquid:
        snapshot = await deribit.snapshot()

Quantities: positions, ``OrderRequest.quantity`` and ``OrderState.filled_quantity`` are
in coin on every venue; each connector turns them into its venue's order amount (USD for
Deribit's inverse futures) in ``connectors/cex/units.py``.
"""

from connectors.cex.deribit import DeribitVenue
from connectors.cex.endpoint import Endpoint
from connectors.cex.hyperliquid import HyperliquidVenue, cloid_for
from connectors.cex.venue import CcxtVenue

__all__ = ["CcxtVenue", "DeribitVenue", "Endpoint", "HyperliquidVenue", "cloid_for"]
