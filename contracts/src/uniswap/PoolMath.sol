// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Price and amount math of the local world's Uniswap v3 pools, written independently with the
// same definitions and rounding directions as Uniswap/v3-core:
//   contracts/libraries/SqrtPriceMath.sol (getAmount0Delta, getAmount1Delta,
//     getNextSqrtPriceFromInput, getNextSqrtPriceFromOutput)
//   contracts/libraries/SwapMath.sol (computeSwapStep)
// so that a swap within one liquidity range returns the same amounts, to the wei, as the real
// pool. Prices are sqrt(token1/token0) as Q64.96; amounts are raw token units; the fee is in
// hundredths of a bip (3000 = 0.3%). Rounding always favours the pool: amounts owed to it round
// up, amounts it pays round down, and the price after an input never overshoots.

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

library PoolMath {
    uint256 internal constant Q96 = 1 << 96;
    uint256 internal constant FEE_DENOMINATOR = 1e6;

    struct Step {
        uint160 sqrtPriceNextX96;
        uint256 amountIn; // excluding the fee
        uint256 amountOut;
        uint256 feeAmount;
    }

    /// token0 held by `liquidity` between two prices: L * 2^96 * (sqrtB - sqrtA) / (sqrtA * sqrtB).
    function amount0Delta(uint160 sqrtPriceAX96, uint160 sqrtPriceBX96, uint128 liquidity, bool roundUp)
        internal
        pure
        returns (uint256)
    {
        (uint160 low, uint160 high) = _ordered(sqrtPriceAX96, sqrtPriceBX96);
        require(low > 0, "price is zero");
        uint256 scaledLiquidity = uint256(liquidity) << 96;
        uint256 width = high - low;
        if (roundUp) {
            return Math.ceilDiv(Math.mulDiv(scaledLiquidity, width, high, Math.Rounding.Ceil), low);
        }
        return Math.mulDiv(scaledLiquidity, width, high) / low;
    }

    /// token1 held by `liquidity` between two prices: L * (sqrtB - sqrtA) / 2^96.
    function amount1Delta(uint160 sqrtPriceAX96, uint160 sqrtPriceBX96, uint128 liquidity, bool roundUp)
        internal
        pure
        returns (uint256)
    {
        (uint160 low, uint160 high) = _ordered(sqrtPriceAX96, sqrtPriceBX96);
        return Math.mulDiv(liquidity, high - low, Q96, roundUp ? Math.Rounding.Ceil : Math.Rounding.Floor);
    }

    /// Price after `amountIn` (fee already taken) enters: token0 in lowers it, token1 in raises it.
    function nextSqrtPriceFromInput(uint160 sqrtPriceX96, uint128 liquidity, uint256 amountIn, bool zeroForOne)
        internal
        pure
        returns (uint160)
    {
        require(sqrtPriceX96 > 0 && liquidity > 0, "no liquidity");
        return zeroForOne
            ? _priceAfterToken0(sqrtPriceX96, liquidity, amountIn, true)
            : _priceAfterToken1(sqrtPriceX96, liquidity, amountIn, true);
    }

    /// Price after `amountOut` leaves: token1 out lowers it, token0 out raises it.
    function nextSqrtPriceFromOutput(uint160 sqrtPriceX96, uint128 liquidity, uint256 amountOut, bool zeroForOne)
        internal
        pure
        returns (uint160)
    {
        require(sqrtPriceX96 > 0 && liquidity > 0, "no liquidity");
        return zeroForOne
            ? _priceAfterToken1(sqrtPriceX96, liquidity, amountOut, false)
            : _priceAfterToken0(sqrtPriceX96, liquidity, amountOut, false);
    }

    /// One swap step from `sqrtPriceX96` toward `sqrtPriceTargetX96` (never past it) with constant
    /// liquidity. A positive `amountRemaining` is exact input (fee included), a negative one exact
    /// output. The direction is implied by the target: below the current price means token0 in.
    function computeSwapStep(
        uint160 sqrtPriceX96,
        uint160 sqrtPriceTargetX96,
        uint128 liquidity,
        int256 amountRemaining,
        uint24 feePips
    ) internal pure returns (Step memory step) {
        bool zeroForOne = sqrtPriceX96 >= sqrtPriceTargetX96;
        bool exactInput = amountRemaining >= 0;
        bool reachesTarget;
        if (exactInput) {
            uint256 available = Math.mulDiv(uint256(amountRemaining), FEE_DENOMINATOR - feePips, FEE_DENOMINATOR);
            uint256 inputToTarget = _inputBetween(sqrtPriceTargetX96, sqrtPriceX96, liquidity, zeroForOne);
            reachesTarget = available >= inputToTarget;
            step.sqrtPriceNextX96 = reachesTarget
                ? sqrtPriceTargetX96
                : nextSqrtPriceFromInput(sqrtPriceX96, liquidity, available, zeroForOne);
            step.amountIn = reachesTarget ? inputToTarget : _inputBetween(step.sqrtPriceNextX96, sqrtPriceX96, liquidity, zeroForOne);
            step.amountOut = _outputBetween(step.sqrtPriceNextX96, sqrtPriceX96, liquidity, zeroForOne);
        } else {
            uint256 wanted = uint256(-amountRemaining);
            uint256 outputToTarget = _outputBetween(sqrtPriceTargetX96, sqrtPriceX96, liquidity, zeroForOne);
            reachesTarget = wanted >= outputToTarget;
            step.sqrtPriceNextX96 = reachesTarget
                ? sqrtPriceTargetX96
                : nextSqrtPriceFromOutput(sqrtPriceX96, liquidity, wanted, zeroForOne);
            step.amountOut = reachesTarget ? outputToTarget : _outputBetween(step.sqrtPriceNextX96, sqrtPriceX96, liquidity, zeroForOne);
            step.amountIn = _inputBetween(step.sqrtPriceNextX96, sqrtPriceX96, liquidity, zeroForOne);
            // The rounded-up price can imply a wei more output than asked for; never pay it.
            if (step.amountOut > wanted) step.amountOut = wanted;
        }
        if (exactInput && step.sqrtPriceNextX96 != sqrtPriceTargetX96) {
            // The whole input is used up: what the price move did not absorb is fee.
            step.feeAmount = uint256(amountRemaining) - step.amountIn;
        } else {
            step.feeAmount = Math.mulDiv(step.amountIn, feePips, FEE_DENOMINATOR - feePips, Math.Rounding.Ceil);
        }
    }

    /// Input (rounded up) to move the price from `sqrtPriceFromX96` to `sqrtPriceToX96`.
    function _inputBetween(uint160 sqrtPriceToX96, uint160 sqrtPriceFromX96, uint128 liquidity, bool zeroForOne)
        private
        pure
        returns (uint256)
    {
        return zeroForOne
            ? amount0Delta(sqrtPriceToX96, sqrtPriceFromX96, liquidity, true)
            : amount1Delta(sqrtPriceFromX96, sqrtPriceToX96, liquidity, true);
    }

    /// Output (rounded down) of the same move.
    function _outputBetween(uint160 sqrtPriceToX96, uint160 sqrtPriceFromX96, uint128 liquidity, bool zeroForOne)
        private
        pure
        returns (uint256)
    {
        return zeroForOne
            ? amount1Delta(sqrtPriceToX96, sqrtPriceFromX96, liquidity, false)
            : amount0Delta(sqrtPriceFromX96, sqrtPriceToX96, liquidity, false);
    }

    /// sqrtP' = L * 2^96 * sqrtP / (L * 2^96 +- amount * sqrtP), rounded up. When the product
    /// overflows on an add, the equivalent L * 2^96 / (L * 2^96 / sqrtP + amount) is used instead
    /// (the real library falls back the same way, so extreme inputs round identically).
    function _priceAfterToken0(uint160 sqrtPriceX96, uint128 liquidity, uint256 amount, bool add)
        private
        pure
        returns (uint160)
    {
        if (amount == 0) return sqrtPriceX96;
        uint256 scaledLiquidity = uint256(liquidity) << 96;
        (bool productFits, uint256 product) = Math.tryMul(amount, sqrtPriceX96);
        if (add) {
            if (productFits) {
                (bool sumFits, uint256 denominator) = Math.tryAdd(scaledLiquidity, product);
                if (sumFits) {
                    return uint160(Math.mulDiv(scaledLiquidity, sqrtPriceX96, denominator, Math.Rounding.Ceil));
                }
            }
            return uint160(Math.ceilDiv(scaledLiquidity, scaledLiquidity / sqrtPriceX96 + amount));
        }
        require(productFits && scaledLiquidity > product, "output exceeds reserves");
        return SafeCast.toUint160(
            Math.mulDiv(scaledLiquidity, sqrtPriceX96, scaledLiquidity - product, Math.Rounding.Ceil)
        );
    }

    /// sqrtP' = sqrtP +- amount * 2^96 / L, rounded down (the quotient rounds up on a subtract).
    function _priceAfterToken1(uint160 sqrtPriceX96, uint128 liquidity, uint256 amount, bool add)
        private
        pure
        returns (uint160)
    {
        if (add) {
            return SafeCast.toUint160(sqrtPriceX96 + Math.mulDiv(amount, Q96, liquidity));
        }
        uint256 quotient = Math.mulDiv(amount, Q96, liquidity, Math.Rounding.Ceil);
        require(sqrtPriceX96 > quotient, "output exceeds reserves");
        return uint160(sqrtPriceX96 - quotient);
    }

    function _ordered(uint160 a, uint160 b) private pure returns (uint160, uint160) {
        return a < b ? (a, b) : (b, a);
    }
}
