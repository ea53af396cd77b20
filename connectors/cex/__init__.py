"""Exchange venues reached through ccxt (unchanged): Deribit and Hyperliquid.

``DeribitVenue`` and ``HyperliquidVenue`` implement the ``Venue`` and ``OrderVenue``
ports. Build them with an ``Endpoint`` (``live``, ``testnet`` or ``local`` for a
simulator on loopback) and use them as async context managers.
"""

from connectors.cex.deribit import DeribitVenue
from connectors.cex.endpoint import Endpoint
from connectors.cex.hyperliquid import HyperliquidVenue, cloid_for
from connectors.cex.venue import CcxtVenue

__all__ = ["CcxtVenue", "DeribitVenue", "Endpoint", "HyperliquidVenue", "cloid_for"]
