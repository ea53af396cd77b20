// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {UniswapFixture} from "./UniswapFixture.sol";
import {UniswapV3Factory} from "../../src/uniswap/UniswapV3Factory.sol";
import {UniswapV3Pool} from "../../src/uniswap/UniswapV3Pool.sol";
import {SwapRouter02} from "../../src/uniswap/SwapRouter02.sol";
import {QuoterV2} from "../../src/uniswap/QuoterV2.sol";
import {TickMath} from "../../src/uniswap/TickMath.sol";

/// SwapRouter02 and QuoterV2 on a 1000 WETH / 3,000,000 USDC pool at 0.3%, for both token orders.
abstract contract RouterTests is UniswapFixture {
    UniswapV3Pool internal pool;

    function _usdIsToken0() internal pure virtual returns (bool);

    function setUp() public {
        _deployWorld(_usdIsToken0());
        pool = _seedPool(address(weth), address(usdc), 3000, 1000e18, 3_000_000e6);
        _fund(address(weth), trader, 100e18);
        _fund(address(usdc), trader, 300_000e6);
        vm.deal(trader, 10e18);
        vm.startPrank(trader);
        weth.approve(address(router), type(uint256).max);
        usdc.approve(address(router), type(uint256).max);
        vm.stopPrank();
    }

    function _params(address tokenIn, uint256 amountIn, uint256 minimumOut, uint160 limit)
        internal
        view
        returns (SwapRouter02.ExactInputSingleParams memory)
    {
        return SwapRouter02.ExactInputSingleParams({
            tokenIn: tokenIn,
            tokenOut: tokenIn == address(weth) ? address(usdc) : address(weth),
            fee: 3000,
            recipient: trader,
            amountIn: amountIn,
            amountOutMinimum: minimumOut,
            sqrtPriceLimitX96: limit
        });
    }

    function _quote(address tokenIn, uint256 amountIn, uint160 limit)
        internal
        returns (uint256 amountOut, uint160 priceAfter, uint32 ticksCrossed, uint256 gasEstimate)
    {
        return quoter.quoteExactInputSingle(
            QuoterV2.QuoteExactInputSingleParams({
                tokenIn: tokenIn,
                tokenOut: tokenIn == address(weth) ? address(usdc) : address(weth),
                amountIn: amountIn,
                fee: 3000,
                sqrtPriceLimitX96: limit
            })
        );
    }

    function test_realSelectorsAndGetters() public view {
        assertEq(bytes32(SwapRouter02.exactInputSingle.selector), bytes32(bytes4(0x04e45aaf)), "exactInputSingle");
        assertEq(bytes32(bytes4(keccak256("multicall(uint256,bytes[])"))), bytes32(bytes4(0x5ae401dc)), "sig");
        assertEq(bytes32(QuoterV2.quoteExactInputSingle.selector), bytes32(bytes4(0xc6a5026a)), "quoteExactInputSingle");
        assertEq(bytes32(SwapRouter02.uniswapV3SwapCallback.selector), bytes32(bytes4(0xfa461e33)), "callback");
        assertEq(bytes32(UniswapV3Pool.swap.selector), bytes32(bytes4(0x128acb08)), "swap");
        assertEq(bytes32(pool.slot0.selector), bytes32(bytes4(0x3850c7bd)), "slot0");
        assertEq(router.factory(), address(factory), "router factory()");
        assertEq(router.WETH9(), address(weth), "router WETH9()");
        assertEq(quoter.factory(), address(factory), "quoter factory()");
        assertEq(quoter.WETH9(), address(weth), "quoter WETH9()");
    }

    function test_exactInputSingleDeliversTheQuoteBothWays() public {
        _assertExecutionMatchesQuote(address(weth), 10e18, 0);
        _assertExecutionMatchesQuote(address(usdc), 50_000e6, 0);
    }

    function testFuzz_quoteEqualsExecuted(uint256 amountIn, bool sellEth) public {
        // Within what the trader holds: 100 WETH, 300,000 USDC.
        amountIn = sellEth ? 1e12 + amountIn % (100e18 - 1e12) : 1 + amountIn % 300_000e6;
        _assertExecutionMatchesQuote(sellEth ? address(weth) : address(usdc), amountIn, 0);
    }

    function test_priceLimitStopsTheSwapAndItsQuote() public {
        bool zeroForOne = address(weth) == pool.token0(); // sell ETH moves the price this way
        uint160 start = _price(pool);
        // The ETH price falls ~1% either way: sqrt(USDC per ETH) x 0.995, or sqrt(ETH per USDC) / 0.995.
        uint160 limit = zeroForOne ? uint160(uint256(start) * 995 / 1000) : uint160(uint256(start) * 1000 / 995);
        uint256 ethBefore = weth.balanceOf(trader);
        _assertExecutionMatchesQuote(address(weth), 100e18, limit);
        assertEq(uint256(_price(pool)), uint256(limit), "stopped at the limit");
        uint256 ethSpent = ethBefore - weth.balanceOf(trader);
        assertLt(ethSpent, 100e18, "only the input needed to reach the limit was pulled");
        // The ETH reserve grows from x = 1000 to x / 0.995, and the fee comes on top:
        // (1000 / 0.995 - 1000) / 0.997 = 5.040246367 ETH.
        assertApproxEqRel(ethSpent, 5.040246367e18, 1e9, "ETH to move the price to the limit");
    }

    function _assertExecutionMatchesQuote(address tokenIn, uint256 amountIn, uint160 limit) internal {
        address tokenOut = tokenIn == address(weth) ? address(usdc) : address(weth);
        (uint256 quoted, uint160 priceAfter, uint32 ticksCrossed, uint256 gasEstimate) = _quote(tokenIn, amountIn, limit);
        assertEq(uint256(ticksCrossed), 0, "no initialized tick crossed");
        assertGt(gasEstimate, 0, "gas estimate");
        uint256 outBefore = _balanceOf(tokenOut, trader);
        vm.prank(trader);
        uint256 amountOut = router.exactInputSingle(_params(tokenIn, amountIn, quoted, limit));
        assertEq(amountOut, quoted, "executed == quoted");
        assertEq(_balanceOf(tokenOut, trader) - outBefore, quoted, "recipient received the quote");
        assertEq(uint256(_price(pool)), uint256(priceAfter), "price after == quoted price after");
        assertEq(_balanceOf(tokenIn, address(router)), 0, "router keeps nothing");
    }

    function test_pullsExactlyAmountInWithTransferFrom() public {
        vm.prank(trader);
        weth.approve(address(router), 5e18);
        uint256 before = weth.balanceOf(trader);
        vm.prank(trader);
        router.exactInputSingle(_params(address(weth), 1e18, 0, 0));
        assertEq(before - weth.balanceOf(trader), 1e18, "exactly amountIn pulled");
        assertEq(weth.allowance(trader, address(router)), 4e18, "through the allowance");
    }

    function test_withoutApprovalReverts() public {
        vm.prank(trader);
        weth.approve(address(router), 0);
        vm.prank(trader);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(router), 0, 1e18)
        );
        router.exactInputSingle(_params(address(weth), 1e18, 0, 0));
    }

    function test_tooLittleReceived() public {
        (uint256 quoted,,,) = _quote(address(weth), 10e18, 0);
        vm.prank(trader);
        vm.expectRevert(bytes("Too little received"));
        router.exactInputSingle(_params(address(weth), 10e18, quoted + 1, 0));
        vm.prank(trader);
        assertEq(router.exactInputSingle(_params(address(weth), 10e18, quoted, 0)), quoted, "minimum met exactly");
    }

    function test_multicallDeadline() public {
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(SwapRouter02.exactInputSingle, (_params(address(weth), 1e18, 0, 0)));
        uint256 deadline = block.timestamp + 60;
        vm.warp(deadline + 1);
        vm.prank(trader);
        vm.expectRevert(bytes("Transaction too old"));
        router.multicall(deadline, calls);
        vm.warp(deadline);
        vm.prank(trader);
        bytes[] memory results = router.multicall(deadline, calls);
        assertGt(abi.decode(results[0], (uint256)), 2900e6, "swap ran at the deadline");
    }

    function test_multicallRevertsWholeBatchWithTheSubcallReason() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(SwapRouter02.exactInputSingle, (_params(address(weth), 1e18, 0, 0)));
        calls[1] = abi.encodeCall(SwapRouter02.exactInputSingle, (_params(address(weth), 1e18, type(uint256).max, 0)));
        uint256 before = weth.balanceOf(trader);
        vm.prank(trader);
        vm.expectRevert(bytes("Too little received"));
        router.multicall(block.timestamp, calls);
        assertEq(weth.balanceOf(trader), before, "first swap undone too");
    }

    function test_multicallPreviousBlockhash() public {
        vm.roll(100);
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(SwapRouter02.exactInputSingle, (_params(address(weth), 1e18, 0, 0)));
        vm.prank(trader);
        vm.expectRevert(bytes("Blockhash"));
        router.multicall(bytes32(uint256(blockhash(99)) ^ 1), calls);
        vm.prank(trader);
        router.multicall(blockhash(99), calls);
    }

    function test_sellEtherSentAlongAndRefundTheRest() public {
        (uint256 quoted,,,) = _quote(address(weth), 1e18, 0);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(SwapRouter02.exactInputSingle, (_params(address(weth), 1e18, quoted, 0)));
        calls[1] = abi.encodeWithSignature("refundETH()");
        uint256 etherBefore = trader.balance;
        uint256 wethBefore = weth.balanceOf(trader);
        uint256 usdBefore = usdc.balanceOf(trader);
        vm.prank(trader);
        router.multicall{value: 3e18}(block.timestamp, calls);
        assertEq(etherBefore - trader.balance, 1e18, "1 ETH spent, 2 refunded");
        assertEq(weth.balanceOf(trader), wethBefore, "WETH untouched: paid by wrapping ether");
        assertEq(usdc.balanceOf(trader) - usdBefore, quoted, "USDC received");
        assertEq(address(router).balance, 0, "no ether left in the router");
    }

    function test_buyEtherViaRouterAndUnwrap() public {
        (uint256 quoted,,,) = _quote(address(usdc), 3_000e6, 0);
        SwapRouter02.ExactInputSingleParams memory params = _params(address(usdc), 3_000e6, quoted, 0);
        params.recipient = address(2); // ADDRESS_THIS: the router keeps the WETH for the next call
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(SwapRouter02.exactInputSingle, (params));
        calls[1] = abi.encodeWithSignature("unwrapWETH9(uint256,address)", quoted, trader);
        uint256 etherBefore = trader.balance;
        vm.prank(trader);
        router.multicall(block.timestamp, calls);
        assertEq(trader.balance - etherBefore, quoted, "ether received");
        assertEq(weth.balanceOf(address(router)), 0, "router keeps no WETH");
    }

    function test_routerRefusesStrayEther() public {
        vm.prank(trader);
        (bool ok,) = address(router).call{value: 1}("");
        assertTrue(!ok, "plain ether transfer refused");
    }

    function test_swapCallbackOnlyFromTheFactoryPool() public {
        address victim = trader; // has approved the router for everything
        address attacker = address(0xBAD);
        bytes memory data = abi.encode(address(usdc), address(weth), uint24(3000), victim);
        (int256 amount0, int256 amount1) = pool.token0() == address(usdc)
            ? (int256(300_000e6), int256(0))
            : (int256(0), int256(300_000e6));
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(SwapRouter02.NotAPool.selector, attacker));
        router.uniswapV3SwapCallback(amount0, amount1, data);

        // A genuine pool, but from another factory, is not this router's pool either.
        address impostor = new UniswapV3Factory().createPool(address(weth), address(usdc), 3000);
        vm.prank(impostor);
        vm.expectRevert(abi.encodeWithSelector(SwapRouter02.NotAPool.selector, impostor));
        router.uniswapV3SwapCallback(amount0, amount1, data);

        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(QuoterV2.NotAPool.selector, attacker));
        quoter.uniswapV3SwapCallback(amount0, amount1, abi.encode(address(usdc), address(weth), uint24(3000)));
        assertEq(usdc.balanceOf(victim), 300_000e6, "victim's USDC untouched");
    }

    function test_quoteOfMissingPoolAndBadLimitRevert() public {
        vm.expectRevert(bytes("No pool"));
        quoter.quoteExactInputSingle(
            QuoterV2.QuoteExactInputSingleParams(address(weth), address(usdc), 1e18, 500, 0)
        );
        bool zeroForOne = address(weth) == pool.token0();
        uint160 wrongSide = zeroForOne ? TickMath.MAX_SQRT_RATIO - 1 : TickMath.MIN_SQRT_RATIO + 1;
        vm.expectRevert(bytes("SPL"));
        _quote(address(weth), 1e18, wrongSide);
    }
}

contract RouterWethToken0Test is RouterTests {
    function _usdIsToken0() internal pure override returns (bool) {
        return false;
    }
}

contract RouterUsdToken0Test is RouterTests {
    function _usdIsToken0() internal pure override returns (bool) {
        return true;
    }
}
