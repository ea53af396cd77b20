// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Callback interfaces with the real signatures, which a payer implements:
//   Uniswap/v3-core, contracts/interfaces/callback/IUniswapV3SwapCallback.sol (uniswapV3SwapCallback)
//   Uniswap/v3-core, contracts/interfaces/callback/IUniswapV3MintCallback.sol (uniswapV3MintCallback)
// and the subset of the factory and pool that the local world's periphery calls.

interface IUniswapV3SwapCallback {
    /// Called on msg.sender by pool.swap after the output was sent; pay the positive delta to the pool.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}

interface IUniswapV3MintCallback {
    /// Called on msg.sender by pool.mint; pay the owed amounts to the pool.
    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata data) external;
}

interface IUniswapV3FactoryMinimal {
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
}

interface IUniswapV3PoolMinimal {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function fee() external view returns (uint24);
    function tickSpacing() external view returns (int24);

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

    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);

    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
}
