"""Aave discovery on a v3.2+ market, whose data provider has no getReserveEModeCategory
(aave-v3-origin, src/contracts/helpers/AaveProtocolDataProvider.sol): the aTokens are
still found, the e-mode categories fall back to none, and the per-tick plan asks nothing
of the missing function."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from eth_utils.address import to_checksum_address

from agent.errors import ConfigError
from agent.ports import BlockRef, Call, CallResult
from connectors.evm.aave_v3 import ADDRESSES_PROVIDER, DATA_PROVIDER, POOL, AaveV3Connector
from connectors.evm.tokens import TokenConfig

PROVIDER = "0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb"
POOL_ADDRESS = "0x794a61358D6845594F94dc1DB02A252b5b4814aD"
# Stand-ins: what matters is that the provider's answers are used, checksummed.
DATA_PROVIDER_ADDRESS = to_checksum_address("0x" + "d1" * 20)
ORACLE_ADDRESS = to_checksum_address("0x" + "0c" * 20)
A_WETH = to_checksum_address("0x" + "a7" * 20)
WETH = TokenConfig("WETH", "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", 18, "ETH")
EMODE = DATA_PROVIDER.selector("getReserveEModeCategory")


def _word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


class ScriptedReader:
    """Answers the calls a v3.2+ market answers, and fails getReserveEModeCategory."""

    def __init__(self) -> None:
        self.seen: list[Call] = []

    async def read(self, calls: Sequence[Call]) -> tuple[BlockRef, Sequence[CallResult]]:
        self.seen += calls
        return BlockRef(1, 0, "0x" + "00" * 32), [self._answer(call) for call in calls]

    def _answer(self, call: Call) -> CallResult:
        answers = {
            ADDRESSES_PROVIDER.selector("getPool"): _word(POOL_ADDRESS),
            ADDRESSES_PROVIDER.selector("getPoolDataProvider"): _word(
                DATA_PROVIDER_ADDRESS.lower()
            ),
            ADDRESSES_PROVIDER.selector("getPriceOracle"): _word(ORACLE_ADDRESS),
            DATA_PROVIDER.selector("getReserveTokensAddresses"): _word(A_WETH)
            + bytes(32)
            + _word(A_WETH),
        }
        answer = answers.get(call.data[:4])
        return CallResult(answer is not None, answer or b"")


async def test_a_data_provider_without_emode_categories_still_discovers() -> None:
    connector = AaveV3Connector(
        chain_id=42161, account=POOL_ADDRESS, assets=[WETH], addresses_provider=PROVIDER
    )
    reader = ScriptedReader()
    await connector.discover(reader)
    assert connector.pool == POOL_ADDRESS  # checksummed, as a signer needs
    assert connector.data_provider == DATA_PROVIDER_ADDRESS
    assert connector.a_tokens == {"WETH": A_WETH}
    assert connector.emode_of == {"WETH": 0}
    assert any(call.data[:4] == EMODE for call in reader.seen)
    plan = connector.plan()
    assert not any(call.data[:4] == EMODE for call in plan)
    assert not any(call.data[:4] == POOL.selector("getEModeCategoryData") for call in plan)


async def test_reading_before_discovery_is_refused() -> None:
    connector = AaveV3Connector(
        chain_id=42161, account=POOL_ADDRESS, assets=[WETH], addresses_provider=PROVIDER
    )
    with pytest.raises(ConfigError, match="discover"):
        connector.plan()
