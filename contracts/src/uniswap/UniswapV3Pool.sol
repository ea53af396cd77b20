// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Uniswap v3 pool of the local world: A SINGLE FULL-RANGE POSITION POOL.
// All liquidity sits in one position from the lowest to the highest usable tick for the pool's
// tick spacing, so between those bounds it is a constant-product pool in sqrt-price terms
// (virtual reserves x = L / sqrtP, y = L * sqrtP), priced with the real v3 math (PoolMath.sol,
// TickMath.sol): Q64.96 sqrt prices, liquidity L, fee in hundredths of a bip, fee taken from the
// input and, as in v3, kept outside the liquidity.
//
// Mirrors, with identical selectors, return tuples and events:
//   Uniswap/v3-core, contracts/interfaces/pool/IUniswapV3PoolImmutables.sol
//     (factory, token0, token1, fee, tickSpacing)
//   Uniswap/v3-core, contracts/interfaces/pool/IUniswapV3PoolState.sol
//     (slot0 with its 7 fields, liquidity, feeGrowthGlobal0X128, feeGrowthGlobal1X128)
//   Uniswap/v3-core, contracts/interfaces/pool/IUniswapV3PoolActions.sol
//     (initialize, mint, swap)
//   Uniswap/v3-core, contracts/interfaces/pool/IUniswapV3PoolEvents.sol (Initialize, Mint, Swap)
// with the real revert reasons ("AI", "LOK", "AS", "SPL", "IIA", "M0", "M1") and the real
// pay-later pattern: swap sends the output, then calls uniswapV3SwapCallback on msg.sender and
// checks its balance of the input token grew by what is owed (mint likewise with
// uniswapV3MintCallback).
//
// Differences from the real pool, all consequences of the single position:
// - mint accepts only the full-range ticks (MIN_TICK / tickSpacing * tickSpacing and its
//   negative); there is no burn, collect, flash, positions, ticks, tickBitmap, observe or
//   protocol fee. observationIndex/Cardinality/CardinalityNext read 0/1/1 as after the real
//   initialize, and no oracle observations are written. Fees accrue to the pool's balances and
//   feeGrowthGlobal*X128 but cannot be collected.
// - A swap is one step of the real swap loop. The real pool also steps at tick-bitmap word
//   boundaries (every 256 * tickSpacing ticks, a ~4.6x price move at spacing 60), where its
//   rounding can differ from this by a few wei; swaps that cross no such boundary match exactly.
// - A swap stops at the position's range bound (where the real pool would run out of liquidity),
//   and initialize rejects prices outside the full range.
// - Deployed by the factory with CREATE2 and the real salt (token0, token1, fee) but with
//   constructor arguments, so PoolAddress.computeAddress with the real init code hash does not
//   find it: look pools up with factory.getPool.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {TickMath} from "./TickMath.sol";
import {PoolMath} from "./PoolMath.sol";
import {IUniswapV3SwapCallback, IUniswapV3MintCallback} from "./Interfaces.sol";

contract UniswapV3Pool {
    using SafeERC20 for IERC20;

    struct Slot0 {
        uint160 sqrtPriceX96;
        int24 tick;
        uint16 observationIndex;
        uint16 observationCardinality;
        uint16 observationCardinalityNext;
        uint8 feeProtocol;
        bool unlocked;
    }

    event Initialize(uint160 sqrtPriceX96, int24 tick);
    event Mint(
        address sender,
        address indexed owner,
        int24 indexed tickLower,
        int24 indexed tickUpper,
        uint128 amount,
        uint256 amount0,
        uint256 amount1
    );
    event Swap(
        address indexed sender,
        address indexed recipient,
        int256 amount0,
        int256 amount1,
        uint160 sqrtPriceX96,
        uint128 liquidity,
        int24 tick
    );

    address public immutable factory;
    address public immutable token0;
    address public immutable token1;
    uint24 public immutable fee;
    int24 public immutable tickSpacing;

    /// The one position's range: the widest usable ticks for the spacing, and their sqrt prices.
    int24 private immutable _tickLower;
    int24 private immutable _tickUpper;
    uint160 private immutable _sqrtPriceLowerX96;
    uint160 private immutable _sqrtPriceUpperX96;

    Slot0 public slot0;
    uint128 public liquidity;
    uint256 public feeGrowthGlobal0X128;
    uint256 public feeGrowthGlobal1X128;

    constructor(address factory_, address token0_, address token1_, uint24 fee_, int24 tickSpacing_) {
        require(token0_ < token1_ && token0_ != address(0), "token order");
        require(tickSpacing_ > 0 && fee_ < PoolMath.FEE_DENOMINATOR, "fee or spacing");
        factory = factory_;
        token0 = token0_;
        token1 = token1_;
        fee = fee_;
        tickSpacing = tickSpacing_;
        _tickLower = (TickMath.MIN_TICK / tickSpacing_) * tickSpacing_;
        _tickUpper = (TickMath.MAX_TICK / tickSpacing_) * tickSpacing_;
        _sqrtPriceLowerX96 = TickMath.getSqrtRatioAtTick(_tickLower);
        _sqrtPriceUpperX96 = TickMath.getSqrtRatioAtTick(_tickUpper);
    }

    /// Set the first price: sqrt(token1 per token0 in raw units) as a Q64.96. Once only.
    function initialize(uint160 sqrtPriceX96) external {
        require(slot0.sqrtPriceX96 == 0, "AI");
        require(
            sqrtPriceX96 >= _sqrtPriceLowerX96 && sqrtPriceX96 <= _sqrtPriceUpperX96, "price outside full range"
        );
        int24 tick = TickMath.getTickAtSqrtRatio(sqrtPriceX96);
        slot0 = Slot0({
            sqrtPriceX96: sqrtPriceX96,
            tick: tick,
            observationIndex: 0,
            observationCardinality: 1,
            observationCardinalityNext: 1,
            feeProtocol: 0,
            unlocked: true
        });
        emit Initialize(sqrtPriceX96, tick);
    }

    /// Add `amount` of liquidity to the full-range position of `recipient`; the tokens owed at the
    /// current price (rounded up) are requested through uniswapV3MintCallback on msg.sender.
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        require(slot0.unlocked, "LOK");
        require(tickLower == _tickLower && tickUpper == _tickUpper, "full range only");
        require(amount > 0, "zero liquidity");
        slot0.unlocked = false;

        uint160 sqrtPriceX96 = slot0.sqrtPriceX96;
        amount0 = PoolMath.amount0Delta(sqrtPriceX96, _sqrtPriceUpperX96, amount, true);
        amount1 = PoolMath.amount1Delta(_sqrtPriceLowerX96, sqrtPriceX96, amount, true);
        liquidity += amount;

        uint256 balance0Before = _balance(token0);
        uint256 balance1Before = _balance(token1);
        IUniswapV3MintCallback(msg.sender).uniswapV3MintCallback(amount0, amount1, data);
        require(amount0 == 0 || balance0Before + amount0 <= _balance(token0), "M0");
        require(amount1 == 0 || balance1Before + amount1 <= _balance(token1), "M1");

        emit Mint(msg.sender, recipient, tickLower, tickUpper, amount, amount0, amount1);
        slot0.unlocked = true;
    }

    /// Swap token0 for token1 (zeroForOne) or back. amountSpecified > 0 is an exact input,
    /// < 0 an exact output; the price stops at sqrtPriceLimitX96. The output is sent to
    /// `recipient` first, then uniswapV3SwapCallback on msg.sender must pay the input.
    /// Returns the pool's balance deltas: positive = received, negative = paid out.
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1) {
        require(amountSpecified != 0, "AS");
        Slot0 memory start = slot0;
        require(start.unlocked, "LOK");
        require(
            zeroForOne
                ? sqrtPriceLimitX96 < start.sqrtPriceX96 && sqrtPriceLimitX96 > TickMath.MIN_SQRT_RATIO
                : sqrtPriceLimitX96 > start.sqrtPriceX96 && sqrtPriceLimitX96 < TickMath.MAX_SQRT_RATIO,
            "SPL"
        );
        slot0.unlocked = false;

        uint128 activeLiquidity = liquidity;
        PoolMath.Step memory step = PoolMath.computeSwapStep(
            start.sqrtPriceX96, _target(zeroForOne, sqrtPriceLimitX96), activeLiquidity, amountSpecified, fee
        );
        int24 tick = step.sqrtPriceNextX96 == start.sqrtPriceX96
            ? start.tick
            : TickMath.getTickAtSqrtRatio(step.sqrtPriceNextX96);
        slot0.sqrtPriceX96 = step.sqrtPriceNextX96;
        slot0.tick = tick;
        _accrueFee(zeroForOne, step.feeAmount, activeLiquidity);

        int256 paidIn = SafeCast.toInt256(step.amountIn + step.feeAmount);
        int256 paidOut = -SafeCast.toInt256(step.amountOut);
        (amount0, amount1) = zeroForOne ? (paidIn, paidOut) : (paidOut, paidIn);
        _settle(recipient, zeroForOne, amount0, amount1, data);

        emit Swap(msg.sender, recipient, amount0, amount1, step.sqrtPriceNextX96, activeLiquidity, tick);
        slot0.unlocked = true;
    }

    /// The price a swap heads for: its limit, but never past the position's range bound.
    function _target(bool zeroForOne, uint160 sqrtPriceLimitX96) private view returns (uint160) {
        if (zeroForOne) return sqrtPriceLimitX96 < _sqrtPriceLowerX96 ? _sqrtPriceLowerX96 : sqrtPriceLimitX96;
        return sqrtPriceLimitX96 > _sqrtPriceUpperX96 ? _sqrtPriceUpperX96 : sqrtPriceLimitX96;
    }

    function _accrueFee(bool zeroForOne, uint256 feeAmount, uint128 activeLiquidity) private {
        if (activeLiquidity == 0 || feeAmount == 0) return;
        uint256 growth = Math.mulDiv(feeAmount, 1 << 128, activeLiquidity);
        // Fee growth is an accumulator read by differences, so it wraps like the real one.
        unchecked {
            if (zeroForOne) feeGrowthGlobal0X128 += growth;
            else feeGrowthGlobal1X128 += growth;
        }
    }

    /// Pay the output, then collect the input through the callback (the real pay-later order).
    function _settle(address recipient, bool zeroForOne, int256 amount0, int256 amount1, bytes calldata data)
        private
    {
        (address tokenOut, int256 delta) = zeroForOne ? (token1, amount1) : (token0, amount0);
        if (delta < 0) IERC20(tokenOut).safeTransfer(recipient, uint256(-delta));

        (address tokenIn, int256 owed) = zeroForOne ? (token0, amount0) : (token1, amount1);
        uint256 balanceBefore = _balance(tokenIn);
        IUniswapV3SwapCallback(msg.sender).uniswapV3SwapCallback(amount0, amount1, data);
        require(balanceBefore + uint256(owed) <= _balance(tokenIn), "IIA");
    }

    function _balance(address token) private view returns (uint256) {
        return IERC20(token).balanceOf(address(this));
    }
}
