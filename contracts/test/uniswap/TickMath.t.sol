// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {TickMath} from "../../src/uniswap/TickMath.sol";

/// External entry points so that reverts can be expected.
contract TickMathHarness {
    function sqrtAt(int24 tick) external pure returns (uint160) {
        return TickMath.getSqrtRatioAtTick(tick);
    }

    function tickAt(uint160 sqrtPriceX96) external pure returns (int24) {
        return TickMath.getTickAtSqrtRatio(sqrtPriceX96);
    }
}

contract TickMathTest is Test {
    TickMathHarness internal math = new TickMathHarness();

    function test_boundariesAreTheRealConstants() public view {
        assertEq(uint256(math.sqrtAt(TickMath.MIN_TICK)), 4295128739, "MIN_SQRT_RATIO");
        assertEq(
            uint256(math.sqrtAt(TickMath.MAX_TICK)), 1461446703485210103287273052203988822378723970342, "MAX_SQRT_RATIO"
        );
        assertEq(uint256(math.sqrtAt(0)), 1 << 96, "tick 0 is price 1");
        assertEq(int256(math.tickAt(TickMath.MIN_SQRT_RATIO)), TickMath.MIN_TICK, "tick of MIN_SQRT_RATIO");
        assertEq(int256(math.tickAt(TickMath.MAX_SQRT_RATIO - 1)), TickMath.MAX_TICK - 1, "tick below MAX_SQRT_RATIO");
    }

    /// Against sqrt(1.0001^tick) * 2^96 evaluated with 150-digit decimals (floored): the library
    /// rounds up, so it sits at most a unit or 1e-18 relative above the exact value.
    function test_matchesExactValues() public view {
        _assertNearExact(1, 79232123823359799118286999567);
        _assertNearExact(-1, 79224201403219477170569942573);
        _assertNearExact(60, 79466191966197645195421774832);
        _assertNearExact(-60, 78990846045029531151608375685);
        _assertNearExact(50000, 965075977353221155028623082915);
        _assertNearExact(-50000, 6504256538020985011912221506);
        _assertNearExact(196256, 1446476584571639225752396618629937);
        _assertNearExact(-196257, 4339363644587371378270008);
        _assertNearExact(887220, 1457652066949847389937902910258958406565750968362);
        _assertNearExact(-887220, 4306310043);
    }

    function _assertNearExact(int24 tick, uint256 exact) private view {
        uint256 value = math.sqrtAt(tick);
        assertGe(value, exact, "not below the exact value");
        assertLe(value - exact, 1 + exact / 1e18, "within a unit or 1e-18");
    }

    function test_outOfRangeReverts() public {
        vm.expectRevert(bytes("T"));
        math.sqrtAt(TickMath.MAX_TICK + 1);
        vm.expectRevert(bytes("T"));
        math.sqrtAt(TickMath.MIN_TICK - 1);
        vm.expectRevert(bytes("R"));
        math.tickAt(TickMath.MIN_SQRT_RATIO - 1);
        vm.expectRevert(bytes("R"));
        math.tickAt(TickMath.MAX_SQRT_RATIO);
    }

    /// getTickAtSqrtRatio is the greatest tick whose price is <= the input, for every tick.
    function testFuzz_tickAtIsInverseOfSqrtAt(int24 tick) public view {
        tick = int24(int256(tick) % int256(TickMath.MAX_TICK)); // (-MAX_TICK, MAX_TICK)
        uint160 price = math.sqrtAt(tick);
        assertLt(price, math.sqrtAt(tick + 1), "strictly increasing");
        assertEq(int256(math.tickAt(price)), int256(tick), "exact tick price maps to its tick");
        assertEq(int256(math.tickAt(price - 1)), int256(tick) - 1, "a unit below maps to the tick below");
        assertEq(int256(math.tickAt(math.sqrtAt(tick + 1) - 1)), int256(tick), "just under the next tick");
    }

    function testFuzz_tickAtBracketsAnyPrice(uint160 price) public view {
        price = uint160(TickMath.MIN_SQRT_RATIO + uint256(price) % (TickMath.MAX_SQRT_RATIO - TickMath.MIN_SQRT_RATIO));
        int24 tick = math.tickAt(price);
        assertLe(math.sqrtAt(tick), price, "tick price <= price");
        if (tick < TickMath.MAX_TICK) assertGt(math.sqrtAt(tick + 1), price, "next tick price > price");
    }
}
