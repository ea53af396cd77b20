// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Liquidity helper of the local world. NOT PART OF ANY REAL UNISWAP INTERFACE.
// The pool's mint is the real one (a callback asks the caller for the tokens), which an EOA
// cannot answer; this contract answers it, the way the real NonfungiblePositionManager does, but
// without NFTs: addFullRangeLiquidity turns desired token amounts into the largest full-range
// liquidity they fund at the pool's current price (the rule of Uniswap/v3-periphery,
// contracts/libraries/LiquidityAmounts.sol), mints it to `recipient`, and pulls the tokens the pool
// asks for from msg.sender with transferFrom (approve this contract for both tokens first).
// The position cannot be withdrawn: the local world's pools have no burn.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {TickMath} from "./TickMath.sol";
import {IUniswapV3MintCallback, IUniswapV3FactoryMinimal, IUniswapV3PoolMinimal} from "./Interfaces.sol";

contract FullRangeLiquidity is IUniswapV3MintCallback {
    using SafeERC20 for IERC20;

    uint256 private constant Q96 = 1 << 96;

    address public immutable factory;

    error NotAPool(address caller);

    constructor(address factory_) {
        factory = factory_;
    }

    /// Add full-range liquidity worth at most (amount0Desired, amount1Desired) of (token0, token1)
    /// at the current price. Returns the liquidity minted and the amounts actually paid.
    function addFullRangeLiquidity(address pool, uint256 amount0Desired, uint256 amount1Desired, address recipient)
        external
        returns (uint128 liquidity, uint256 amount0, uint256 amount1)
    {
        IUniswapV3PoolMinimal target = IUniswapV3PoolMinimal(pool);
        _requireFactoryPool(target);
        (uint160 sqrtPriceX96,,,,,,) = target.slot0();
        require(sqrtPriceX96 != 0, "pool not initialized");
        (int24 tickLower, int24 tickUpper) = fullRangeTicks(target.tickSpacing());
        liquidity = _liquidityFor(
            sqrtPriceX96,
            TickMath.getSqrtRatioAtTick(tickLower),
            TickMath.getSqrtRatioAtTick(tickUpper),
            amount0Desired,
            amount1Desired
        );
        require(liquidity > 0, "zero liquidity");
        (amount0, amount1) = target.mint(recipient, tickLower, tickUpper, liquidity, abi.encode(msg.sender));
        require(amount0 <= amount0Desired && amount1 <= amount1Desired, "Price slippage check");
    }

    /// Pay what the pool's mint asks for, from the payer named by addFullRangeLiquidity.
    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata data) external {
        IUniswapV3PoolMinimal pool = IUniswapV3PoolMinimal(msg.sender);
        _requireFactoryPool(pool);
        address payer = abi.decode(data, (address));
        if (amount0Owed > 0) IERC20(pool.token0()).safeTransferFrom(payer, msg.sender, amount0Owed);
        if (amount1Owed > 0) IERC20(pool.token1()).safeTransferFrom(payer, msg.sender, amount1Owed);
    }

    /// The widest ticks usable with `tickSpacing`: the full range the local pools accept.
    function fullRangeTicks(int24 tickSpacing) public pure returns (int24 tickLower, int24 tickUpper) {
        tickLower = (TickMath.MIN_TICK / tickSpacing) * tickSpacing;
        tickUpper = (TickMath.MAX_TICK / tickSpacing) * tickSpacing;
    }

    /// Largest L that both amounts fund: token0 covers the range above the price, token1 below it.
    function _liquidityFor(
        uint160 sqrtPriceX96,
        uint160 sqrtPriceLowerX96,
        uint160 sqrtPriceUpperX96,
        uint256 amount0,
        uint256 amount1
    ) private pure returns (uint128) {
        require(sqrtPriceLowerX96 < sqrtPriceX96 && sqrtPriceX96 < sqrtPriceUpperX96, "price at range bound");
        uint256 fromAmount0 = Math.mulDiv(
            amount0, Math.mulDiv(sqrtPriceX96, sqrtPriceUpperX96, Q96), sqrtPriceUpperX96 - sqrtPriceX96
        );
        uint256 fromAmount1 = Math.mulDiv(amount1, Q96, sqrtPriceX96 - sqrtPriceLowerX96);
        return SafeCast.toUint128(Math.min(fromAmount0, fromAmount1));
    }

    /// A caller is trusted only if the factory lists it for its own tokens and fee.
    function _requireFactoryPool(IUniswapV3PoolMinimal pool) private view {
        address listed = IUniswapV3FactoryMinimal(factory).getPool(pool.token0(), pool.token1(), pool.fee());
        if (listed != address(pool) || listed == address(0)) revert NotAPool(address(pool));
    }
}
