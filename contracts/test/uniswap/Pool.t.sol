// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {UniswapFixture} from "./UniswapFixture.sol";
import {PoolSwapper} from "./PoolSwapper.sol";
import {UniswapV3Pool} from "../../src/uniswap/UniswapV3Pool.sol";
import {TickMath} from "../../src/uniswap/TickMath.sol";

/// Pool behaviour on a 1000 WETH / 3,000,000 USDC full-range pool at 0.3%, run once with WETH as
/// token0 and once with USDC as token0 (decimals 18 vs 6 on either side of the price).
abstract contract PoolTests is UniswapFixture {
    uint256 internal constant ETH_RESERVE = 1000e18;
    uint256 internal constant USD_RESERVE = 3_000_000e6;

    UniswapV3Pool internal pool;
    PoolSwapper internal swapper;

    function _usdIsToken0() internal pure virtual returns (bool);

    function setUp() public {
        _deployWorld(_usdIsToken0());
        pool = _seedPool(address(weth), address(usdc), 3000, ETH_RESERVE, USD_RESERVE);
        swapper = new PoolSwapper();
        _fund(address(weth), address(swapper), 1_000_000e18);
        _fund(address(usdc), address(swapper), 1_000_000_000e6);
    }

    function _swapExactIn(UniswapV3Pool target, address tokenIn, uint256 amountIn) internal returns (uint256 out) {
        bool zeroForOne = tokenIn == target.token0();
        uint160 limit = zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1;
        (int256 amount0, int256 amount1) = swapper.swap(target, zeroForOne, int256(amountIn), limit);
        assertEq(zeroForOne ? amount0 : amount1, int256(amountIn), "pool takes the whole exact input");
        out = uint256(-(zeroForOne ? amount1 : amount0));
    }

    function _assertNearFormula(uint256 actual, uint256 expected, string memory what) internal pure {
        // Floors in the independent formula and the pool's rounding: a few units, or 1e-12 relative.
        assertApproxEqAbs(actual, expected, 3 + expected / 1e12, what);
    }

    function test_tokenOrderFollowsAddresses() public view {
        assertEq(pool.token0(), _usdIsToken0() ? address(usdc) : address(weth), "token0");
        assertEq(pool.token1(), _usdIsToken0() ? address(weth) : address(usdc), "token1");
    }

    function test_seededPriceAndTick() public view {
        (uint160 sqrtPriceX96, int24 tick, uint16 index, uint16 cardinality, uint16 cardinalityNext, uint8 feeProtocol, bool unlocked) =
            pool.slot0();
        // ln(3000e6 / 1e18) / ln(1.0001) = -196256.35, computed outside Solidity.
        assertEq(int256(tick), _usdIsToken0() ? int256(196256) : int256(-196257), "tick of 3000 USDC per ETH");
        assertEq(uint256(index), 0, "observationIndex");
        assertEq(uint256(cardinality), 1, "observationCardinality");
        assertEq(uint256(cardinalityNext), 1, "observationCardinalityNext");
        assertEq(uint256(feeProtocol), 0, "feeProtocol");
        assertTrue(unlocked, "unlocked");
        // Price of WETH in USDC from sqrtPriceX96, adjusting for decimals: 3000 to 9 digits.
        uint256 rawPriceX192 = uint256(sqrtPriceX96) * sqrtPriceX96;
        uint256 usdPerEth = _usdIsToken0()
            ? Math.mulDiv(1e18 * 1e9, 1 << 192, rawPriceX192) / 1e6 // token1/token0 = wei per USDC unit
            : Math.mulDiv(rawPriceX192, 1e18 * 1e9, 1 << 192) / 1e6;
        assertApproxEqAbs(usdPerEth, 3000e9, 1, "3000 USDC per ETH, 9 decimals");
        (uint256 reserve0, uint256 reserve1) = _virtualReserves(pool);
        (uint256 ethReserve, uint256 usdReserve) = _usdIsToken0() ? (reserve1, reserve0) : (reserve0, reserve1);
        assertApproxEqRel(ethReserve, ETH_RESERVE, 1e6, "virtual ETH reserve = seeded");
        assertApproxEqRel(usdReserve, USD_RESERVE, 1e6, "virtual USDC reserve = seeded");
    }

    /// 1000 ETH / 3,000,000 USDC, sell 10 ETH at 0.3%: 3e6 * 9.97 / 1009.97 = 29614.741031 USDC.
    function test_sellEthMatchesHandComputedConstantProduct() public {
        uint256 out = _swapExactIn(pool, address(weth), 10e18);
        assertApproxEqAbs(out, 29_614_741_031, 1, "USDC out for 10 ETH");
    }

    /// Sell 30,000 USDC: 1000 * 29910 / 3029910 = 9.871580343970612988 ETH.
    function test_buyEthMatchesHandComputedConstantProduct() public {
        uint256 out = _swapExactIn(pool, address(usdc), 30_000e6);
        assertApproxEqRel(out, 9_871_580_343_970_612_988, 1e6, "ETH out for 30k USDC");
    }

    function testFuzz_exactInputMatchesConstantProduct(uint256 amountIn, bool sellEth) public {
        address tokenIn = sellEth ? address(weth) : address(usdc);
        uint256 reserveIn = sellEth ? ETH_RESERVE : USD_RESERVE;
        amountIn = reserveIn / 1e6 + amountIn % reserveIn; // from a millionth to all of the reserve
        uint256 expected = _constantProductOut(pool, tokenIn == pool.token0(), amountIn);
        uint256 out = _swapExactIn(pool, tokenIn, amountIn);
        _assertNearFormula(out, expected, "exact input vs constant product");
    }

    function test_priceImpactGrowsWithSize() public {
        uint256[4] memory sizes = [uint256(1e18), 10e18, 100e18, 500e18];
        uint256 previousPrice = type(uint256).max;
        for (uint256 i = 0; i < sizes.length; i++) {
            uint256 snapshot = vm.snapshotState();
            uint256 out = _swapExactIn(pool, address(weth), sizes[i]);
            vm.revertToState(snapshot);
            uint256 usdPerEth = out * 1e18 / sizes[i]; // USDC units per ETH
            assertLt(usdPerEth, previousPrice, "bigger trade, worse average price");
            previousPrice = usdPerEth;
        }
        // 500 ETH into 1000 ETH of depth: 3000 * 0.997 * 1000 / 1498.5 = 1995.995995 USDC per ETH.
        assertApproxEqAbs(previousPrice, 1_995_995_995, 1, "average price of a 500 ETH sale");
    }

    function test_feeTiersChargeTheirFee() public {
        UniswapV3Pool cheap = _seedPool(address(weth), address(usdc), 500, ETH_RESERVE, USD_RESERVE);
        UniswapV3Pool dear = _seedPool(address(weth), address(usdc), 10000, ETH_RESERVE, USD_RESERVE);
        assertEq(int256(cheap.tickSpacing()), 10, "spacing of 0.05%");
        assertEq(int256(dear.tickSpacing()), 200, "spacing of 1%");
        uint256 outCheap = _swapExactIn(cheap, address(weth), 10e18);
        uint256 outMid = _swapExactIn(pool, address(weth), 10e18);
        uint256 outDear = _swapExactIn(dear, address(weth), 10e18);
        // 3e6 * 10 * (1 - f) / (1000 + 10 * (1 - f)) for f = 0.05%, 0.3%, 1%.
        assertApproxEqAbs(outCheap, 29_688_265_783, 1, "0.05% tier");
        assertApproxEqAbs(outMid, 29_614_741_031, 1, "0.3% tier");
        assertApproxEqAbs(outDear, 29_408_852_361, 1, "1% tier");
    }

    function test_feeStaysInPoolOutsideLiquidity() public {
        uint128 liquidityBefore = pool.liquidity();
        uint256 ethBefore = _balanceOf(address(weth), address(pool));
        _swapExactIn(pool, address(weth), 10e18);
        assertEq(pool.liquidity(), liquidityBefore, "fees do not add liquidity");
        assertEq(_balanceOf(address(weth), address(pool)), ethBefore + 10e18, "pool keeps input and fee");
        bool ethIsToken0 = address(weth) == pool.token0();
        uint256 growth = ethIsToken0 ? pool.feeGrowthGlobal0X128() : pool.feeGrowthGlobal1X128();
        uint256 otherGrowth = ethIsToken0 ? pool.feeGrowthGlobal1X128() : pool.feeGrowthGlobal0X128();
        assertApproxEqAbs(Math.mulDiv(growth, liquidityBefore, 1 << 128), 0.03e18, 1, "0.3% of 10 ETH as fee growth");
        assertEq(otherGrowth, 0, "no fee in the output token");
    }

    function test_sqrtPriceLimitStopsSwap() public {
        bool zeroForOne = address(weth) == pool.token0(); // sell ETH
        uint160 start = _price(pool);
        // A 1% price move: sqrt(0.99) or sqrt(1.01) of the start, in the direction of the trade.
        uint160 limit = zeroForOne ? uint160(uint256(start) * 994987 / 1e6) : uint160(uint256(start) * 1004987 / 1e6);
        uint256 liquidity = pool.liquidity();
        (int256 amount0, int256 amount1) = swapper.swap(pool, zeroForOne, int256(100e18), limit);
        assertEq(uint256(_price(pool)), uint256(limit), "price stops at the limit");
        uint256 ethIn = uint256(zeroForOne ? amount0 : amount1);
        uint256 usdOut = uint256(-(zeroForOne ? amount1 : amount0));
        assertLt(ethIn, 100e18, "only part of the input is used");
        // Between two prices, token1 = L * dsqrtP and token0 = L * d(1/sqrtP).
        uint256 expectedOut = zeroForOne
            ? Math.mulDiv(liquidity, start - limit, Q96)
            : Math.mulDiv(liquidity * Q96, limit - start, uint256(start) * limit);
        assertApproxEqAbs(usdOut, expectedOut, 1, "output to reach the limit");
        uint256 expectedNetIn = zeroForOne
            ? Math.mulDiv(liquidity * Q96, start - limit, uint256(start) * limit)
            : Math.mulDiv(liquidity, limit - start, Q96);
        assertApproxEqAbs(ethIn, expectedNetIn * 1e6 / 997000, 2, "input to reach the limit, fee included");
    }

    function test_limitOnWrongSideReverts() public {
        bool zeroForOne = address(weth) == pool.token0();
        uint160 start = _price(pool);
        uint160 wrong = zeroForOne ? start + 1 : start - 1;
        vm.expectRevert(bytes("SPL"));
        swapper.swap(pool, zeroForOne, 1e18, wrong);
        vm.expectRevert(bytes("SPL"));
        swapper.swap(pool, zeroForOne, 1e18, start);
        vm.expectRevert(bytes("SPL"));
        swapper.swap(pool, true, 1e18, TickMath.MIN_SQRT_RATIO);
    }

    function test_zeroAmountReverts() public {
        vm.expectRevert(bytes("AS"));
        swapper.swap(pool, true, 0, TickMath.MIN_SQRT_RATIO + 1);
    }

    function test_underpaidCallbackReverts() public {
        bool zeroForOne = address(weth) == pool.token0(); // sell 1 ETH, pay a wei short
        swapper.setShortfall(1);
        vm.expectRevert(bytes("IIA"));
        swapper.swap(pool, zeroForOne, 1e18, zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1);
    }

    function test_exactOutputDeliversExactly() public {
        bool zeroForOne = address(weth) == pool.token0(); // sell ETH for exactly 30,000 USDC
        (int256 amount0, int256 amount1) =
            swapper.swap(pool, zeroForOne, -int256(30_000e6), zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1);
        assertEq(zeroForOne ? amount1 : amount0, -int256(30_000e6), "exact output");
        // ETH in = 1000 * 30000 / (3e6 - 30000) / 0.997 = 10.131404313 ETH.
        assertApproxEqRel(uint256(zeroForOne ? amount0 : amount1), 10.131404313951957e18, 1e9, "input for exact output");
    }

    function test_swapEmitsRealSwapEvent() public {
        bool zeroForOne = address(weth) == pool.token0(); // sell 1 ETH
        uint160 limit = zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1;
        uint256 snapshot = vm.snapshotState();
        (int256 amount0, int256 amount1) = swapper.swap(pool, zeroForOne, 1e18, limit);
        (uint160 sqrtPriceX96, int24 tick,,,,,) = pool.slot0();
        vm.revertToState(snapshot);
        vm.expectEmit(true, true, false, true, address(pool));
        emit UniswapV3Pool.Swap(address(swapper), address(swapper), amount0, amount1, sqrtPriceX96, pool.liquidity(), tick);
        swapper.swap(pool, zeroForOne, 1e18, limit);
    }

    function testFuzz_slot0TickMatchesPrice(uint256 amountIn, bool sellEth) public {
        amountIn = 1 + amountIn % (sellEth ? 5000e18 : 15_000_000e6);
        _swapExactIn(pool, sellEth ? address(weth) : address(usdc), amountIn);
        (uint160 sqrtPriceX96, int24 tick,,,,,) = pool.slot0();
        assertLe(TickMath.getSqrtRatioAtTick(tick), sqrtPriceX96, "tick price <= price");
        assertGt(TickMath.getSqrtRatioAtTick(tick + 1), sqrtPriceX96, "next tick price > price");
    }

    function testFuzz_roundTripNeverProfits(uint256 amountIn) public {
        amountIn = 1e9 + amountIn % 2000e18;
        uint256 usdOut = _swapExactIn(pool, address(weth), amountIn);
        vm.assume(usdOut > 0);
        uint256 ethBack = _swapExactIn(pool, address(usdc), usdOut);
        assertLt(ethBack, amountIn, "selling and buying back loses the fees");
    }
}

contract PoolWethToken0Test is PoolTests {
    function _usdIsToken0() internal pure override returns (bool) {
        return false;
    }
}

contract PoolUsdToken0Test is PoolTests {
    function _usdIsToken0() internal pure override returns (bool) {
        return true;
    }
}
