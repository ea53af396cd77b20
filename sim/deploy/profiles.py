"""Chain profiles: what differs per chain where it matters to the agent.

``ethereum`` (the default) is the plain EVM. ``arbitrum`` models ArbOS where an agent
can trip over it: ``block.number`` inside a contract is an approximate L1 block number,
not the L2 block the RPC serves (https://docs.arbitrum.io/time). The world's Multicall3
is then ArbitrumMulticall3, whose ``getBlockNumber()`` answers the L1-like number.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path

from connectors.evm.multicall import MULTICALL3_ADDRESS
from sim.chain import DevChain
from sim.toolchain import artifact_path


class ChainProfile(enum.StrEnum):
    ETHEREUM = "ethereum"
    ARBITRUM = "arbitrum"


MULTICALL3_CONTRACT = {
    ChainProfile.ETHEREUM: "Multicall3",
    ChainProfile.ARBITRUM: "ArbitrumMulticall3",
}


def runtime_code(contract: str) -> bytes:
    """The deployed bytecode of a forge artifact (for contracts without immutables)."""
    document = json.loads(Path(artifact_path(contract)).read_text())
    return bytes.fromhex(str(document["deployedBytecode"]["object"]).removeprefix("0x"))


async def apply_profile(chain: DevChain, profile: ChainProfile) -> str:
    """Install ``profile``'s Multicall3 at the canonical address; returns its artifact id."""
    contract = MULTICALL3_CONTRACT[profile]
    await chain.set_code(MULTICALL3_ADDRESS, runtime_code(contract))
    return f"{contract}.sol:{contract}"
