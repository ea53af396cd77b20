"""The local exchange world used by the CEX integration tests: constants and builders."""

from __future__ import annotations

from eth_account import Account
from pydantic import SecretStr

from connectors.cex import DeribitVenue, Endpoint, HyperliquidVenue
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


def deribit_venue(simulator: DeribitSimulator, **kwargs: object) -> DeribitVenue:
    return DeribitVenue(
        client_id=DERIBIT_CLIENT_ID,
        client_secret=SecretStr(DERIBIT_SECRET),
        endpoint=Endpoint.local(simulator.url, timeout_s=2.0),
        **kwargs,  # type: ignore[arg-type]
    )


def hyperliquid_venue(
    simulator: HyperliquidSimulator, key: str = HL_KEY, **kwargs: object
) -> HyperliquidVenue:
    return HyperliquidVenue(
        wallet_address=HL_ADDRESS,
        private_key=SecretStr(key),
        endpoint=Endpoint.local(simulator.url, timeout_s=2.0),
        **kwargs,  # type: ignore[arg-type]
    )
