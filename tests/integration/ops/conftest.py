"""A fresh anvil per test with the world's WETH9: the executor follows blocks by hash,
which a chain snapshot-reverted under it can confuse."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from connectors.evm.jsonrpc import JsonRpcTransport
from sim.anvil import Anvil, AnvilOptions
from sim.artifacts import Artifact
from sim.chain import Contract, DevChain


@dataclass
class Chain:
    anvil: Anvil
    dev: DevChain
    weth: Contract


@pytest.fixture
def anvil() -> Iterator[Anvil]:
    with Anvil(AnvilOptions(accounts=2)) as process:
        yield process


@pytest.fixture
async def chain(anvil: Anvil) -> AsyncIterator[Chain]:
    async with JsonRpcTransport(anvil.url) as transport:
        dev = DevChain(transport)
        deployer = (await dev.accounts())[0]
        weth = await dev.deploy(Artifact.load("WETH9", "Tokens.sol"), sender=deployer)
        yield Chain(anvil, dev, weth)
