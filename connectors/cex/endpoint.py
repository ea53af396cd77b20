"""Where a ccxt exchange sends its requests: the real venue, its testnet, or a local
simulator.

In ``local`` mode every entry of ``exchange.urls['api']`` (walked recursively: every
URL family, public and private) and of ``urls['test']`` is replaced by the simulator's
base URL, and the venue refuses to start if any API URL still points off loopback. ccxt
itself is not modified; only its configuration.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from agent.errors import ConfigError

Mode = Literal["live", "testnet", "local"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How to reach a venue.

    ``timeout_s`` bounds every HTTP request; ``rate_limit`` turns ccxt's client-side
    throttle on (keep it on against real venues, off against simulators).
    """

    mode: Mode
    local_url: str | None = None
    timeout_s: float = 10.0
    rate_limit: bool = True

    def __post_init__(self) -> None:
        if self.mode == "local" and not self.local_url:
            raise ConfigError("a local endpoint needs the simulator's URL", field="local_url")
        if self.mode != "local" and self.local_url:
            raise ConfigError(f"local_url is only for local mode, not {self.mode}")
        if self.timeout_s <= 0:
            raise ConfigError("timeout must be positive", field="timeout_s")

    @classmethod
    def live(cls, *, timeout_s: float = 10.0) -> Endpoint:
        return cls("live", timeout_s=timeout_s)

    @classmethod
    def testnet(cls, *, timeout_s: float = 10.0) -> Endpoint:
        return cls("testnet", timeout_s=timeout_s)

    @classmethod
    def local(cls, url: str, *, timeout_s: float = 5.0) -> Endpoint:
        """A simulator on loopback (``http://127.0.0.1:PORT``), ccxt throttle off."""
        return cls("local", local_url=url, timeout_s=timeout_s, rate_limit=False)

    def apply(self, exchange: Any) -> None:
        """Point ``exchange`` at this endpoint; refuse a local one that leaks off loopback."""
        if self.mode == "testnet":
            exchange.set_sandbox_mode(True)
        elif self.mode == "local":
            assert self.local_url is not None
            urls = exchange.urls
            urls["api"] = _replace_urls(urls.get("api"), self.local_url.rstrip("/"))
            if "test" in urls:
                urls["test"] = _replace_urls(urls["test"], self.local_url.rstrip("/"))
            require_loopback(exchange)


def _replace_urls(node: Any, url: str) -> Any:
    if isinstance(node, dict):
        return {key: _replace_urls(value, url) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_urls(value, url) for value in node]
    return url


def api_urls(exchange: Any) -> Iterator[tuple[str, str]]:
    """Every (family path, URL) in ``urls['api']``, hostname placeholders filled in."""
    hostname = str(getattr(exchange, "hostname", "") or "")

    def walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{path}[{index}]")
        elif isinstance(node, str):
            yield path, node.replace("{hostname}", hostname)

    yield from walk(exchange.urls.get("api"), "api")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(exchange: Any) -> None:
    """Raise ConfigError naming every API URL family that is not on loopback."""
    leaks = [
        f"{path} -> {_host_only(url)}" for path, url in api_urls(exchange) if not is_loopback(url)
    ]
    if leaks:
        raise ConfigError(
            "local mode refuses to start: these URL families leave loopback: " + ", ".join(leaks)
        )


def _host_only(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}"
