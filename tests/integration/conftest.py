"""The local world on a real anvil, deployed once per session, reverted after each test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from connectors.evm.jsonrpc import JsonRpcTransport
from sim.anvil import Anvil
from sim.chain import Contract, DevChain, attach
from sim.deploy.world import build_world
from sim.manifest import Manifest


async def _deploy(url: str) -> Manifest:
    async with JsonRpcTransport(url, timeout_s=60) as transport:
        deployment = await build_world(DevChain(transport), url)
        return await deployment.manifest()


@pytest.fixture(scope="session")
def world_chain() -> Iterator[tuple[Anvil, Manifest]]:
    """anvil with the whole world deployed and seeded (once per test session)."""
    with Anvil() as anvil:
        yield anvil, asyncio.run(_deploy(anvil.url))


@dataclass
class World:
    anvil: Anvil
    manifest: Manifest
    chain: DevChain

    def contract(self, role: str) -> Contract:
        return attach(self.chain, self.manifest, role)

    def account(self, role: str) -> str:
        return self.manifest.accounts[role]


@pytest.fixture
async def world(world_chain: tuple[Anvil, Manifest]) -> AsyncIterator[World]:
    """The deployed world for one test; every change is reverted afterwards."""
    anvil, manifest = world_chain
    snapshot = anvil.snapshot()
    try:
        async with JsonRpcTransport(anvil.url, timeout_s=30) as transport:
            yield World(anvil, manifest, DevChain(transport))
    finally:
        anvil.revert(snapshot)
