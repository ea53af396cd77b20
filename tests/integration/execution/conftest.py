"""A fresh anvil per test with WETH9 deployed: each test may set its own mining mode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from connectors.evm.jsonrpc import JsonRpcTransport
from sim.anvil import Anvil, AnvilOptions
from sim.artifacts import Artifact
from sim.chain import DevChain

pytestmark = pytest.mark.integration


@dataclass
class Chain:
    anvil: Anvil
    weth: str
    dev: DevChain

    @property
    def url(self) -> str:
        return self.anvil.url


@pytest.fixture
def anvil() -> Iterator[Anvil]:
    with Anvil(AnvilOptions(accounts=3)) as process:
        yield process


@pytest.fixture
async def chain(anvil: Anvil) -> AsyncIterator[Chain]:
    async with JsonRpcTransport(anvil.url) as transport:
        dev = DevChain(transport)
        deployer = (await dev.accounts())[0]
        weth = await dev.deploy(Artifact.load("WETH9", "Tokens.sol"), sender=deployer)
        yield Chain(anvil, weth.address, dev)
