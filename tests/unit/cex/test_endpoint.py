"""Every URL family ccxt knows is pointed at the simulator, or the venue refuses to start."""

from __future__ import annotations

import socket
from typing import Any

import aiohttp
import ccxt.async_support as ccxt
import pytest
from pydantic import SecretStr

from agent.errors import ConfigError
from connectors.cex import DeribitVenue, Endpoint, HyperliquidVenue
from connectors.cex.endpoint import api_urls, is_loopback, require_loopback
from sim.venues.loopback import OffLoopbackError, loopback_only

LOCAL = "http://127.0.0.1:9"


@pytest.fixture(params=["deribit", "hyperliquid"])
def exchange(request: pytest.FixtureRequest) -> Any:
    return getattr(ccxt, request.param)({"enableRateLimit": False})


def test_ccxt_ships_with_remote_urls_for_every_family(exchange: Any) -> None:
    families = list(api_urls(exchange))
    assert families
    assert not any(is_loopback(url) for _, url in families)


def test_local_mode_points_every_family_at_the_simulator(exchange: Any) -> None:
    before = {path for path, _ in api_urls(exchange)}
    Endpoint.local(LOCAL).apply(exchange)
    after = dict(api_urls(exchange))
    assert set(after) == before
    assert set(after.values()) == {LOCAL}
    assert all(value == LOCAL for value in _leaves(exchange.urls.get("test", {})))


def _leaves(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    return [node]


def test_a_family_left_remote_is_named_and_refused(exchange: Any) -> None:
    Endpoint.local(LOCAL).apply(exchange)
    exchange.urls["api"]["extra"] = {"nested": "https://api.example.com/v1"}
    with pytest.raises(ConfigError, match=r"api\.extra\.nested -> https://api\.example\.com"):
        require_loopback(exchange)


def test_a_local_endpoint_that_is_not_loopback_is_refused(exchange: Any) -> None:
    with pytest.raises(ConfigError, match="leave loopback"):
        Endpoint.local("http://10.1.2.3:8080").apply(exchange)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:80", True),
        ("http://127.8.9.10", True),
        ("http://localhost:1234/x", True),
        ("http://[::1]:8080", True),
        ("https://www.deribit.com", False),
        ("http://10.0.0.1", False),
        ("http://127.0.0.1.example.com", False),
    ],
)
def test_loopback_detection(url: str, local: bool) -> None:
    assert is_loopback(url) is local


def test_endpoint_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="local_url"):
        Endpoint("local")
    with pytest.raises(ConfigError, match="only for local"):
        Endpoint("live", local_url=LOCAL)
    with pytest.raises(ConfigError, match="timeout"):
        Endpoint.live(timeout_s=0)
    assert Endpoint.local(LOCAL).rate_limit is False
    assert Endpoint.live().rate_limit is True


async def test_venues_refuse_to_start_off_loopback_before_any_request() -> None:
    deribit = DeribitVenue(
        client_id="id", client_secret=SecretStr("s"), endpoint=Endpoint.local("http://192.0.2.1:1")
    )
    with pytest.raises(ConfigError):
        await deribit.open()
    hyperliquid = HyperliquidVenue(
        wallet_address="0x" + "00" * 20,
        private_key=SecretStr("0x" + "11" * 32),
        endpoint=Endpoint.local("http://example.org"),
    )
    with pytest.raises(ConfigError):
        await hyperliquid.open()


async def test_the_guard_stops_requests_that_escape_loopback() -> None:
    with loopback_only(), pytest.raises(OffLoopbackError):
        socket.getaddrinfo("www.deribit.com", 443)
    with loopback_only():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(OffLoopbackError):
                await session.get("http://192.0.2.1:80/")
