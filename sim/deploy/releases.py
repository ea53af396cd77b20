"""Where the protocols' compiled npm releases keep the contracts the world deploys.

Each entry is the hardhat artifact's directory inside ``node_modules`` (the source path
the package compiled, ending in ``<File>.sol``). The packages and versions are pinned in
package.json: Aave v3.0.2 as ``@aave/core-v3`` 1.19.3, Uniswap v3 as ``@uniswap/v3-core``
1.0.1, ``@uniswap/v3-periphery`` 1.4.4 and ``@uniswap/swap-router-contracts`` 1.3.1.
"""

from __future__ import annotations

_AAVE = "@aave/core-v3/artifacts/contracts"
_AAVE_LOGIC = f"{_AAVE}/protocol/libraries/logic"

# Pool and PoolConfigurator link these external libraries (their artifacts'
# linkReferences); FlashLoanLogic itself links BorrowLogic.
AAVE_LIBRARIES = (
    "BorrowLogic", "BridgeLogic", "ConfiguratorLogic", "EModeLogic", "FlashLoanLogic",
    "LiquidationLogic", "PoolLogic", "SupplyLogic",
)  # fmt: skip

RELEASES: dict[str, str] = {
    "PoolAddressesProvider": f"{_AAVE}/protocol/configuration/PoolAddressesProvider.sol",
    "ACLManager": f"{_AAVE}/protocol/configuration/ACLManager.sol",
    "Pool": f"{_AAVE}/protocol/pool/Pool.sol",
    "PoolConfigurator": f"{_AAVE}/protocol/pool/PoolConfigurator.sol",
    "DefaultReserveInterestRateStrategy": (
        f"{_AAVE}/protocol/pool/DefaultReserveInterestRateStrategy.sol"
    ),
    "AToken": f"{_AAVE}/protocol/tokenization/AToken.sol",
    "StableDebtToken": f"{_AAVE}/protocol/tokenization/StableDebtToken.sol",
    "VariableDebtToken": f"{_AAVE}/protocol/tokenization/VariableDebtToken.sol",
    "AaveOracle": f"{_AAVE}/misc/AaveOracle.sol",
    "AaveProtocolDataProvider": f"{_AAVE}/misc/AaveProtocolDataProvider.sol",
    **{name: f"{_AAVE_LOGIC}/{name}.sol" for name in AAVE_LIBRARIES},
    "UniswapV3Factory": "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol",
    "UniswapV3Pool": "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol",
    "NonfungiblePositionManager": (
        "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol"
    ),
    "SwapRouter02": "@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol",
    "QuoterV2": "@uniswap/swap-router-contracts/artifacts/contracts/lens/QuoterV2.sol",
}


def release_source(contract: str) -> str:
    """The npm artifact directory of ``contract``."""
    return RELEASES[contract]
