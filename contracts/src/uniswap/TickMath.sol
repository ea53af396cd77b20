// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

// Tick <-> sqrt price conversion of the local world's Uniswap v3 pools.
// Same results as Uniswap/v3-core, contracts/libraries/TickMath.sol
//   (MIN_TICK, MAX_TICK, MIN_SQRT_RATIO, MAX_SQRT_RATIO, getSqrtRatioAtTick, getTickAtSqrtRatio),
// written independently:
// - getSqrtRatioAtTick multiplies Q128 factors sqrt(1.0001)^-(2^i), one per set bit of |tick|;
//   each factor is round-to-nearest(2^128 / 1.0001^(2^(i-1))), derived from that formula alone.
//   The boundary values (ticks -887272 and 887272 give 4295128739 and
//   1461446703485210103287273052203988822378723970342) are what real clients hard-code.
// - getTickAtSqrtRatio is defined as the greatest tick whose sqrt ratio is <= the input; this
//   implementation finds it by bisection over getSqrtRatioAtTick, first bracketing the answer from
//   the input's bit length (one bit of sqrt price = 2*ln2/ln1.0001 ~ 13863.6 ticks). It costs
//   more gas than the real log2 method but agrees with it by construction.

library TickMath {
    int24 internal constant MIN_TICK = -887272;
    int24 internal constant MAX_TICK = 887272;
    uint160 internal constant MIN_SQRT_RATIO = 4295128739;
    uint160 internal constant MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342;

    /// sqrt(1.0001^tick) as a Q64.96, rounded up; reverts "T" outside [MIN_TICK, MAX_TICK].
    function getSqrtRatioAtTick(int24 tick) internal pure returns (uint160 sqrtPriceX96) {
        uint256 absTick = tick < 0 ? uint256(-int256(tick)) : uint256(int256(tick));
        require(absTick <= uint256(int256(MAX_TICK)), "T");
        uint256 ratio = 1 << 128; // Q128.128 of sqrt(1.0001)^-|tick|
        unchecked {
            if (absTick & 0x1 != 0) ratio = (ratio * 0xfffcb933bd6fad37aa2d162d1a594001) >> 128;
            if (absTick & 0x2 != 0) ratio = (ratio * 0xfff97272373d413259a46990580e213a) >> 128;
            if (absTick & 0x4 != 0) ratio = (ratio * 0xfff2e50f5f656932ef12357cf3c7fdcc) >> 128;
            if (absTick & 0x8 != 0) ratio = (ratio * 0xffe5caca7e10e4e61c3624eaa0941cd0) >> 128;
            if (absTick & 0x10 != 0) ratio = (ratio * 0xffcb9843d60f6159c9db58835c926644) >> 128;
            if (absTick & 0x20 != 0) ratio = (ratio * 0xff973b41fa98c081472e6896dfb254c0) >> 128;
            if (absTick & 0x40 != 0) ratio = (ratio * 0xff2ea16466c96a3843ec78b326b52861) >> 128;
            if (absTick & 0x80 != 0) ratio = (ratio * 0xfe5dee046a99a2a811c461f1969c3053) >> 128;
            if (absTick & 0x100 != 0) ratio = (ratio * 0xfcbe86c7900a88aedcffc83b479aa3a4) >> 128;
            if (absTick & 0x200 != 0) ratio = (ratio * 0xf987a7253ac413176f2b074cf7815e54) >> 128;
            if (absTick & 0x400 != 0) ratio = (ratio * 0xf3392b0822b70005940c7a398e4b70f3) >> 128;
            if (absTick & 0x800 != 0) ratio = (ratio * 0xe7159475a2c29b7443b29c7fa6e889d9) >> 128;
            if (absTick & 0x1000 != 0) ratio = (ratio * 0xd097f3bdfd2022b8845ad8f792aa5825) >> 128;
            if (absTick & 0x2000 != 0) ratio = (ratio * 0xa9f746462d870fdf8a65dc1f90e061e5) >> 128;
            if (absTick & 0x4000 != 0) ratio = (ratio * 0x70d869a156d2a1b890bb3df62baf32f7) >> 128;
            if (absTick & 0x8000 != 0) ratio = (ratio * 0x31be135f97d08fd981231505542fcfa6) >> 128;
            if (absTick & 0x10000 != 0) ratio = (ratio * 0x9aa508b5b7a84e1c677de54f3e99bc9) >> 128;
            if (absTick & 0x20000 != 0) ratio = (ratio * 0x5d6af8dedb81196699c329225ee604) >> 128;
            if (absTick & 0x40000 != 0) ratio = (ratio * 0x2216e584f5fa1ea926041bedfe98) >> 128;
            if (absTick & 0x80000 != 0) ratio = (ratio * 0x48a170391f7dc42444e8fa2) >> 128;
        }
        // A positive tick is the reciprocal of its negative.
        if (tick > 0) ratio = type(uint256).max / ratio;
        // Q128.128 -> Q64.96, rounding up so that getTickAtSqrtRatio(getSqrtRatioAtTick(t)) == t.
        sqrtPriceX96 = uint160((ratio >> 32) + (ratio & 0xffffffff == 0 ? 0 : 1));
    }

    /// The greatest tick t with getSqrtRatioAtTick(t) <= sqrtPriceX96;
    /// reverts "R" outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO).
    function getTickAtSqrtRatio(uint160 sqrtPriceX96) internal pure returns (int24 tick) {
        require(sqrtPriceX96 >= MIN_SQRT_RATIO && sqrtPriceX96 < MAX_SQRT_RATIO, "R");
        (int256 low, int256 high) = _bracket(sqrtPriceX96);
        // Invariant: getSqrtRatioAtTick(low) <= sqrtPriceX96 < getSqrtRatioAtTick(high + 1).
        while (low < high) {
            int256 middle = (low + high + 1) >> 1; // rounds toward +inf so the loop always narrows
            if (getSqrtRatioAtTick(int24(middle)) <= sqrtPriceX96) low = middle;
            else high = middle - 1;
        }
        tick = int24(low);
    }

    /// Tick bounds from the bit length of the price: 2^e <= sqrtPrice/2^96 < 2^(e+1) means
    /// e * 13863.6 <= tick < (e + 1) * 13863.6; the integer factors and the +-1 widen it safely.
    function _bracket(uint160 sqrtPriceX96) private pure returns (int256 low, int256 high) {
        int256 exponent = int256(Math.log2(sqrtPriceX96)) - 96;
        int256 nextExponent = exponent + 1;
        low = (exponent >= 0 ? exponent * 13863 : exponent * 13864) - 1;
        high = (nextExponent >= 0 ? nextExponent * 13864 : nextExponent * 13863) + 1;
        if (low < MIN_TICK) low = MIN_TICK;
        if (high > MAX_TICK) high = MAX_TICK;
    }
}
