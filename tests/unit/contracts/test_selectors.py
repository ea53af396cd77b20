"""Each reference contract exposes the real protocol's functions with identical selectors.

The lists below are the real signatures each contract mirrors, written from the real
interfaces (file headers name the repository and path). The selector of each is
computed here from the signature and must equal the one forge compiled.
"""

from __future__ import annotations

import json

import pytest
from eth_utils.abi import abi_to_signature
from eth_utils.crypto import keccak

from connectors.evm.abi import ABI_DIR
from sim.artifacts import Artifact
from sim.deploy.releases import release_source
from sim.toolchain import artifact_path

ERC20 = [
    "name()", "symbol()", "decimals()", "totalSupply()", "balanceOf(address)",
    "allowance(address,address)", "approve(address,uint256)", "transfer(address,uint256)",
    "transferFrom(address,address,uint256)",
]  # fmt: skip
GMX_ORACLE_PARAMS = "(address[],address[],bytes[])"
GMX_CREATE_ORDER = (
    "createOrder(((address,address,address,address,address,address,address[]),"
    "(uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256),"
    "uint8,uint8,bool,bool,bool,bytes32,bytes32[]))"
)
PREMIA_POOL_KEY = "(address,address,address,uint256,uint256,bool)"
GMX_MARKET = "(address,address,address,address)"
GMX_PRICES = "((uint256,uint256),(uint256,uint256),(uint256,uint256))"

MIRRORED: dict[str, list[str]] = {
    # smartcontractkit/chainlink AggregatorV3Interface + AggregatorInterface + OCR bounds
    "PriceFeed": [
        "decimals()", "description()", "version()", "getRoundData(uint80)", "latestRoundData()",
        "latestAnswer()", "latestTimestamp()", "latestRound()", "getAnswer(uint256)",
        "getTimestamp(uint256)", "aggregator()", "minAnswer()", "maxAnswer()",
    ],
    "SequencerUptimeFeed": [
        "decimals()", "description()", "version()", "getRoundData(uint80)", "latestRoundData()",
        "latestAnswer()", "updateStatus(bool,uint64)",
    ],
    "WETH9": [*ERC20, "deposit()", "withdraw(uint256)"],
    "TestToken": ERC20,
    # mds1/multicall3
    "Multicall3": [
        "aggregate((address,bytes)[])", "aggregate3((address,bool,bytes)[])",
        "aggregate3Value((address,bool,uint256,bytes)[])", "blockAndAggregate((address,bytes)[])",
        "tryAggregate(bool,(address,bytes)[])", "tryBlockAndAggregate(bool,(address,bytes)[])",
        "getBasefee()", "getBlockHash(uint256)", "getBlockNumber()", "getChainId()",
        "getCurrentBlockCoinbase()", "getCurrentBlockGasLimit()", "getCurrentBlockTimestamp()",
        "getEthBalance(address)", "getLastBlockHash()",
    ],
    # gmx-synthetics v2.2
    "ExchangeRouter": [
        "multicall(bytes[])", "sendWnt(address,uint256)", "sendTokens(address,address,uint256)",
        GMX_CREATE_ORDER, "cancelOrder(bytes32)", "claimFundingFees(address[],address[],address)",
    ],
    "Reader": [
        "getAccountPositions(address,address,uint256,uint256)",
        "getAccountOrders(address,address,uint256,uint256)", "getMarket(address,address)",
        "getPosition(address,bytes32)", "getOrder(address,bytes32)",
        f"getPositionInfo(address,address,bytes32,{GMX_PRICES},uint256,address,bool)",
        f"isPositionLiquidatable(address,address,bytes32,{GMX_MARKET},{GMX_PRICES},bool,bool)",
        f"getMarketInfo(address,{GMX_PRICES},address)",
    ],
    "DataStore": [
        "getUint(bytes32)", "getInt(bytes32)", "getAddress(bytes32)", "getBool(bytes32)",
        "getBytes32Count(bytes32)", "getBytes32ValuesAt(bytes32,uint256,uint256)",
    ],
    "OrderHandler": [f"executeOrder(bytes32,{GMX_ORACLE_PARAMS})"],
    "LiquidationHandler": [f"executeLiquidation(address,address,address,bool,{GMX_ORACLE_PARAMS})"],
    # Premian-Labs v3-contracts
    "PoolFactory": [
        f"deployPool({PREMIA_POOL_KEY})", f"getPoolAddress({PREMIA_POOL_KEY})", "isPool(address)",
    ],
    "PremiaPool": [
        "getPoolSettings()", "getQuoteAMM(address,uint256,bool)", "trade(uint256,bool,uint256,address)",
        "exercise()", "settle()", "exerciseFor(address[],uint256)", "settleFor(address[],uint256)",
        "balanceOf(address,uint256)", "marketPrice()", "getSettlementPrice()", "getTokenIds()",
        "balanceOfBatch(address[],uint256[])", "accountsByToken(uint256)",
        "tokensByAccount(address)", "totalSupply(uint256)", "name()",
    ],
    "ChainlinkAdapter": ["getPrice(address,address)", "getPriceAt(address,address,uint256)"],
    "VolatilityOracle": ["getVolatility(address,uint256,uint256,uint256)", "getRiskFreeRate()"],
}  # fmt: skip

# The functions Ballast calls on Aave v3 and Uniswap v3, whose real compiled releases
# (npm, sim/deploy/releases.py) the world deploys: each must be in the release's ABI.
RELEASED: dict[str, list[str]] = {
    # aave v3: IPool, IAaveOracle, IPoolDataProvider, IPoolAddressesProvider
    "Pool": [
        "supply(address,uint256,address,uint16)", "withdraw(address,uint256,address)",
        "borrow(address,uint256,uint256,uint16,address)", "repay(address,uint256,uint256,address)",
        "repayWithATokens(address,uint256,uint256)", "setUserUseReserveAsCollateral(address,bool)",
        "liquidationCall(address,address,address,uint256,bool)", "getUserAccountData(address)",
        "getReserveData(address)", "getReservesList()", "ADDRESSES_PROVIDER()",
        "getUserEMode(address)", "getEModeCategoryData(uint8)", "getUserConfiguration(address)",
        "getReserveNormalizedIncome(address)", "getReserveNormalizedVariableDebt(address)",
    ],
    "AaveOracle": [
        "getAssetPrice(address)", "getAssetsPrices(address[])", "getSourceOfAsset(address)",
        "BASE_CURRENCY()", "BASE_CURRENCY_UNIT()",
    ],
    "AaveProtocolDataProvider": [
        "getUserReserveData(address,address)", "getReserveConfigurationData(address)",
        "getReserveData(address)", "getReserveTokensAddresses(address)", "getAllReservesTokens()",
        "getReserveCaps(address)", "getPaused(address)", "getReserveEModeCategory(address)",
    ],
    "PoolAddressesProvider": ["getPool()", "getPriceOracle()", "getPoolDataProvider()", "getMarketId()"],
    "AToken": [*ERC20, "scaledBalanceOf(address)", "UNDERLYING_ASSET_ADDRESS()", "POOL()"],
    "VariableDebtToken": ["balanceOf(address)", "scaledBalanceOf(address)", "UNDERLYING_ASSET_ADDRESS()"],
    # uniswap v3-core and swap-router-contracts
    "UniswapV3Factory": [
        "getPool(address,address,uint24)", "createPool(address,address,uint24)",
        "feeAmountTickSpacing(uint24)", "owner()",
    ],
    "UniswapV3Pool": [
        "slot0()", "liquidity()", "token0()", "token1()", "fee()", "tickSpacing()", "factory()",
        "initialize(uint160)", "swap(address,bool,int256,uint160,bytes)",
        "mint(address,int24,int24,uint128,bytes)",
    ],
    "SwapRouter02": [
        "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
        "multicall(uint256,bytes[])", "multicall(bytes32,bytes[])", "multicall(bytes[])",
        "factory()", "WETH9()", "refundETH()", "unwrapWETH9(uint256,address)",
    ],
    "QuoterV2": ["quoteExactInputSingle((address,address,uint256,uint24,uint160))"],
}  # fmt: skip

# Selectors of deployed mainnet contracts, as published (an independent check on the lists).
KNOWN = {
    "aggregate3((address,bool,bytes)[])": "82ad56cb",
    "latestRoundData()": "feaf968c",
    "supply(address,uint256,address,uint16)": "617ba037",
    "borrow(address,uint256,uint256,uint16,address)": "a415bcad",
    "repay(address,uint256,uint256,address)": "573ade81",
    "withdraw(address,uint256,address)": "69328dec",
    "liquidationCall(address,address,address,uint256,bool)": "00a718a9",
    "getUserAccountData(address)": "bf92857c",
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))": "04e45aaf",
    "quoteExactInputSingle((address,address,uint256,uint24,uint160))": "c6a5026a",
    "multicall(uint256,bytes[])": "5ae401dc",
}


def _compiled(contract: str) -> dict[str, str]:
    document = json.loads(artifact_path(contract).read_text())
    identifiers: dict[str, str] = document["methodIdentifiers"]
    return identifiers


@pytest.mark.parametrize("contract", sorted(MIRRORED))
def test_contract_has_the_real_selectors(contract: str) -> None:
    compiled = _compiled(contract)
    missing = [s for s in MIRRORED[contract] if s not in compiled]
    assert not missing, f"{contract} lacks real functions: {missing}"
    for signature in MIRRORED[contract]:
        assert compiled[signature] == keccak(text=signature)[:4].hex(), signature


@pytest.mark.parametrize(("signature", "selector"), sorted(KNOWN.items()))
def test_signature_lists_agree_with_published_selectors(signature: str, selector: str) -> None:
    assert keccak(text=signature)[:4].hex() == selector
    lists = [*MIRRORED.values(), *RELEASED.values()]
    assert any(signature in signatures for signatures in lists)


@pytest.mark.parametrize("contract", sorted(RELEASED))
def test_released_contract_has_the_functions_ballast_calls(contract: str) -> None:
    abi = Artifact.load(contract, release_source(contract)).raw_abi
    functions = {abi_to_signature(e) for e in abi if e.get("type") == "function"}  # type: ignore[arg-type]
    missing = [s for s in RELEASED[contract] if s not in functions]
    assert not missing, f"{contract} (npm release) lacks {missing}"


# The transcribed interfaces the Aave and Uniswap connectors load, and the npm releases
# whose ABIs must hold every one of their functions and events.
INTERFACE_RELEASES = {
    "IPool": ["Pool"],
    "IPoolDataProvider": ["AaveProtocolDataProvider"],
    "IScaledBalanceToken": ["AToken", "VariableDebtToken"],
    "IAaveOracle": ["AaveOracle"],
    "IPoolAddressesProvider": ["PoolAddressesProvider"],
    "IUniswapV3Factory": ["UniswapV3Factory"],
    "IUniswapV3Pool": ["UniswapV3Pool"],
    "ISwapRouter02": ["SwapRouter02"],
    "IQuoterV2": ["QuoterV2"],
}


@pytest.mark.parametrize("interface", sorted(INTERFACE_RELEASES))
def test_connector_interfaces_are_the_releases(interface: str) -> None:
    ours = json.loads((ABI_DIR / f"{interface}.json").read_text())
    real = [
        entry
        for contract in INTERFACE_RELEASES[interface]
        for entry in Artifact.load(contract, release_source(contract)).raw_abi
    ]
    for kind in ("function", "event"):
        mine = {abi_to_signature(e) for e in ours if e.get("type") == kind}
        theirs = {abi_to_signature(e) for e in real if e.get("type") == kind}
        assert not mine - theirs, f"{interface} {kind}s not in the release: {mine - theirs}"
