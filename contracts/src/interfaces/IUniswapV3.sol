// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Transcribed subsets of the Uniswap v3 interfaces:
///   Uniswap/swap-router-contracts, contracts/interfaces/IV3SwapRouter.sol (exactInputSingle)
///   Uniswap/swap-router-contracts, contracts/interfaces/IMulticallExtended.sol (multicall with deadline)
///   Uniswap/swap-router-contracts, contracts/interfaces/IQuoterV2.sol (quoteExactInputSingle)
///   Uniswap/v3-core, contracts/interfaces/pool/IUniswapV3PoolState.sol, IUniswapV3PoolImmutables.sol
///   Uniswap/v3-core, contracts/interfaces/IUniswapV3Factory.sol (getPool)
interface ISwapRouter02 {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut);
    function multicall(uint256 deadline, bytes[] calldata data) external payable returns (bytes[] memory results);
    function multicall(bytes[] calldata data) external payable returns (bytes[] memory results);
}

interface IQuoterV2 {
    struct QuoteExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint256 amountIn;
        uint24 fee;
        uint160 sqrtPriceLimitX96;
    }

    function quoteExactInputSingle(QuoteExactInputSingleParams memory params)
        external
        returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate);
}

interface IUniswapV3Pool {
    function slot0()
        external
        view
        returns (
            uint160 sqrtPriceX96,
            int24 tick,
            uint16 observationIndex,
            uint16 observationCardinality,
            uint16 observationCardinalityNext,
            uint8 feeProtocol,
            bool unlocked
        );
    function liquidity() external view returns (uint128);
    function token0() external view returns (address);
    function token1() external view returns (address);
    function fee() external view returns (uint24);
}

interface IUniswapV3Factory {
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
}
