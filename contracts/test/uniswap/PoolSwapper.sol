// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {UniswapV3Pool} from "../../src/uniswap/UniswapV3Pool.sol";

/// Calls pool.swap directly and pays in the callback from its own balance, optionally short by
/// `shortfall` to check that the pool refuses underpayment.
contract PoolSwapper {
    uint256 public shortfall;

    function setShortfall(uint256 amount) external {
        shortfall = amount;
    }

    function swap(UniswapV3Pool pool, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96)
        external
        returns (int256 amount0, int256 amount1)
    {
        return pool.swap(address(this), zeroForOne, amountSpecified, sqrtPriceLimitX96, abi.encode(pool));
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        UniswapV3Pool pool = abi.decode(data, (UniswapV3Pool));
        require(msg.sender == address(pool), "not the pool");
        if (amount0Delta > 0) IERC20(pool.token0()).transfer(msg.sender, uint256(amount0Delta) - shortfall);
        if (amount1Delta > 0) IERC20(pool.token1()).transfer(msg.sender, uint256(amount1Delta) - shortfall);
    }
}
