// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {UD60x18, SD59x18} from "../../src/premia/libraries/FixedPoint.sol";
import {Position} from "../../src/premia/libraries/PremiaPosition.sol";
import {OptionMath} from "../../src/premia/libraries/OptionMath.sol";
import {IPoolErrors} from "../../src/premia/interfaces/IPremiaPool.sol";
import {PremiaPool} from "../../src/premia/PremiaPool.sol";
import {PremiaFixture} from "./PremiaFixture.sol";

contract PremiaTradeTest is PremiaFixture {
    uint256 internal constant SHORT = 0;
    uint256 internal constant LONG = 1;

    function _quote(PremiaPool pool, uint256 size, bool isBuy) internal view returns (uint256 premiumNet, uint256 fee) {
        return pool.getQuoteAMM(TAKER, _ud(size), isBuy);
    }

    function _trade(address who, PremiaPool pool, uint256 size, bool isBuy, uint256 limit)
        internal
        returns (uint256 totalPremium, Position.Delta memory delta)
    {
        vm.prank(who);
        return pool.trade(_ud(size), isBuy, limit, address(0));
    }

    // ------------------------------------------------------------------ prices

    /// mpmath: S=3000, T=28/365, sigma=0.7, r=0, normalized by spot (calls) or strike (puts).
    function test_marketPriceIsBlackScholesReference() public view {
        assertApproxEqRel(UD60x18.unwrap(call3200.marketPrice()), 50831689833133108, 1e9, "call 3200");
        assertApproxEqRel(UD60x18.unwrap(put3200.marketPrice()), 110154709218562289, 1e9, "put 3200");
        assertApproxEqRel(UD60x18.unwrap(put2800.marketPrice()), 49262662951650661, 1e9, "put 2800");
    }

    function test_quoteAppliesSpreadAndRealTakerFee() public view {
        uint256 mid = UD60x18.unwrap(call3200.marketPrice());
        (uint256 ask, uint256 askFee) = _quote(call3200, 10e18, true);
        (uint256 bid, uint256 bidFee) = _quote(call3200, 10e18, false);
        // premium 0.0534 WETH/contract: 3% of it (0.0016) < 0.3% of notional (0.003) < 12.5% of it
        assertEq(askFee, 0.03e18, "call fee is 0.3% of notional");
        assertEq(bidFee, 0.03e18, "same on the bid");
        // the pool's own rounding order: price per contract first, then times size
        // forge-lint: disable-next-line(divide-before-multiply)
        assertEq(ask - askFee, (mid * 1.05e18 / 1e18) * 10e18 / 1e18, "ask = mid * 1.05");
        // forge-lint: disable-next-line(divide-before-multiply)
        assertEq(bid + bidFee, (mid * 0.95e18 / 1e18) * 10e18 / 1e18, "bid = mid * 0.95");
        // hand check: 10 * (0.0508317 * 1.05 + 0.003) = 0.5637 WETH
        assertApproxEqAbs(ask, 0.5637e18, 0.0001e18, "ask by hand");

        uint256 putMid = UD60x18.unwrap(put3200.marketPrice());
        (uint256 putAsk, uint256 putFee) = _quote(put3200, 1e18, true);
        // premium 0.1157 of strike/contract: 3% of it (0.00347) > 0.3% of notional, < 12.5% of it
        uint256 premiumNormalized = putMid * 1.05e18 / 1e18;
        assertApproxEqAbs(putFee, premiumNormalized * 0.03e18 / 1e18 * 3200 / 1e12, 1, "put fee is 3% of premium");
        // hand check: 0.1101547 * 1.05 * 3200 = 370.12 USDC premium + 11.10 USDC fee
        assertApproxEqAbs(putAsk, 381.22e6, 0.01e6, "put ask by hand (USDC, 6 decimals)");
    }

    function test_quotesWithoutSpreadSatisfyPutCallParity() public {
        factory.setAmmSpread(_ud(0));
        for (uint256 side = 0; side < 2; side++) {
            bool isBuy = side == 0;
            (uint256 callNet, uint256 callFee) = _quote(call3200, 1e18, isBuy);
            (uint256 putNet, uint256 putFee) = _quote(put3200, 1e18, isBuy);
            uint256 callPremiumWeth = isBuy ? callNet - callFee : callNet + callFee;
            uint256 putPremiumUsdc = isBuy ? putNet - putFee : putNet + putFee;
            // C - P = S - K with C = callPremium * S (quote, 18 decimals), P = putPremium (USDC -> 18)
            assertApproxEqAbs(
                callPremiumWeth * 3000 + 200e18, putPremiumUsdc * 1e12, 2e12, isBuy ? "parity (ask)" : "parity (bid)"
            );
        }
    }

    function test_ivOracleDrivesThePremium() public {
        uint256 before = UD60x18.unwrap(call3200.marketPrice());
        volatilityOracle.setVolatility(address(weth), _ud(1.4e18));
        assertGt(UD60x18.unwrap(call3200.marketPrice()), before * 19 / 10, "doubling vol nearly doubles an OTM call");
        volatilityOracle.setVolatility(address(weth), _ud(0));
        vm.expectRevert(OptionMath.OptionMath__NonPositiveVol.selector);
        _trade(TAKER, call3200, 1e18, true, type(uint256).max);
    }

    /// mpmath: S=2700, K=2800, T=28/365, sigma=0.7 put = 266.0834 USDC = 0.0950298 of strike.
    function test_spotFromTheFeedMovesThePremium() public {
        _setEthPrice(2700e8);
        assertApproxEqRel(UD60x18.unwrap(put2800.marketPrice()), 95029770524384930, 1e9, "put 2800 at spot 2700");
    }

    // ------------------------------------------------------------------ quote == trade

    function test_buyCallPaysQuotedPremiumAndMintsLong() public {
        (uint256 quoted,) = _quote(call3200, 2.5e18, true);
        uint256 wethBefore = weth.balanceOf(TAKER);
        (uint256 paid, Position.Delta memory delta) = _trade(TAKER, call3200, 2.5e18, true, quoted);

        assertEq(paid, quoted, "trade premium == getQuoteAMM");
        assertEq(wethBefore - weth.balanceOf(TAKER), quoted, "taker paid the quote");
        assertEq(SD59x18.unwrap(delta.collateral), -int256(quoted), "delta.collateral");
        assertEq(SD59x18.unwrap(delta.longs), 2.5e18, "delta.longs");
        assertEq(SD59x18.unwrap(delta.shorts), 0, "delta.shorts");
        assertEq(call3200.balanceOf(TAKER, LONG), 2.5e18, "taker LONG");
        assertEq(call3200.balanceOf(TAKER, SHORT), 0, "taker SHORT");
        assertEq(call3200.balanceOf(address(call3200), SHORT), 2.5e18, "pool wrote the SHORT");
        assertEq(call3200.totalSupply(LONG), call3200.totalSupply(SHORT), "longs == shorts");
    }

    function test_buyPutPaysQuotedPremiumInUsdc() public {
        (uint256 quoted, uint256 fee) = _quote(put2800, 1.5e18, true);
        uint256 usdcBefore = usdc.balanceOf(TAKER);
        uint256 feesBefore = usdc.balanceOf(FEE_RECEIVER);
        (uint256 paid, Position.Delta memory delta) = _trade(TAKER, put2800, 1.5e18, true, quoted);

        assertEq(paid, quoted, "trade premium == getQuoteAMM");
        assertEq(usdcBefore - usdc.balanceOf(TAKER), quoted, "taker paid the quote (6 decimals)");
        assertEq(SD59x18.unwrap(delta.collateral), -int256(quoted * 1e12), "delta.collateral is 18 decimals");
        assertEq(put2800.balanceOf(TAKER, LONG), 1.5e18, "taker LONG");
        assertEq(usdc.balanceOf(FEE_RECEIVER) - feesBefore, fee / 2, "protocol gets 50% of the taker fee");
    }

    function test_sellCallLocksOneWethPerContract() public {
        (uint256 quoted,) = _quote(call3200, 2e18, false);
        uint256 wethBefore = weth.balanceOf(WRITER);
        (uint256 received, Position.Delta memory delta) = _trade(WRITER, call3200, 2e18, false, quoted);

        assertEq(received, quoted, "trade premium == getQuoteAMM");
        assertEq(wethBefore - weth.balanceOf(WRITER), 2e18 - quoted, "posted 2 WETH, received the premium");
        assertEq(SD59x18.unwrap(delta.collateral), int256(quoted) - 2e18, "delta.collateral");
        assertEq(SD59x18.unwrap(delta.shorts), 2e18, "delta.shorts");
        assertEq(SD59x18.unwrap(delta.longs), 0, "delta.longs");
        assertEq(call3200.balanceOf(WRITER, SHORT), 2e18, "writer SHORT");
        assertEq(call3200.balanceOf(address(call3200), LONG), 2e18, "pool holds the LONG");
    }

    function test_sellPutLocksStrikeInUsdc() public {
        (uint256 quoted,) = _quote(put2800, 1.5e18, false);
        uint256 usdcBefore = usdc.balanceOf(WRITER);
        (uint256 received, Position.Delta memory delta) = _trade(WRITER, put2800, 1.5e18, false, quoted);

        assertEq(received, quoted, "trade premium == getQuoteAMM");
        // 1.5 contracts * 2800 USDC = 4200 USDC locked
        assertEq(usdcBefore - usdc.balanceOf(WRITER), 4200e6 - quoted, "posted 4200 USDC, received the premium");
        assertEq(SD59x18.unwrap(delta.collateral), (int256(quoted) - 4200e6) * 1e12, "delta.collateral");
        assertEq(put2800.balanceOf(WRITER, SHORT), 1.5e18, "writer SHORT");
    }

    function test_buyingBackClosesTheShortAndReleasesCollateral() public {
        (uint256 bid,) = _quote(call3200, 2e18, false);
        _trade(WRITER, call3200, 2e18, false, bid);
        (uint256 ask,) = _quote(call3200, 2e18, true);
        uint256 wethBefore = weth.balanceOf(WRITER);
        (, Position.Delta memory delta) = _trade(WRITER, call3200, 2e18, true, ask);

        assertEq(SD59x18.unwrap(delta.shorts), -2e18, "shorts closed");
        assertEq(SD59x18.unwrap(delta.longs), 0, "no longs opened");
        assertEq(SD59x18.unwrap(delta.collateral), 2e18 - int256(ask), "collateral released net of premium");
        assertEq(weth.balanceOf(WRITER) - wethBefore, 2e18 - ask, "writer got 2 WETH back minus the ask");
        assertEq(call3200.balanceOf(WRITER, SHORT), 0, "no SHORT left");
        assertEq(call3200.totalSupply(LONG), 0, "pool's LONG inventory given up");
        assertEq(call3200.totalSupply(SHORT), 0, "no SHORT outstanding");
    }

    // ------------------------------------------------------------------ guards

    function test_premiumLimitRevertsWithRealError() public {
        (uint256 ask,) = _quote(call3200, 1e18, true);
        vm.expectRevert(abi.encodeWithSelector(IPoolErrors.Pool__AboveMaxSlippage.selector, ask, 0, ask - 1));
        _trade(TAKER, call3200, 1e18, true, ask - 1);

        (uint256 bid,) = _quote(call3200, 1e18, false);
        vm.expectRevert(
            abi.encodeWithSelector(IPoolErrors.Pool__AboveMaxSlippage.selector, bid, bid + 1, type(uint256).max)
        );
        _trade(WRITER, call3200, 1e18, false, bid + 1);
    }

    function test_tradingAfterMaturityReverts() public {
        vm.warp(MATURITY);
        vm.expectRevert(IPoolErrors.Pool__OptionExpired.selector);
        _trade(TAKER, call3200, 1e18, true, type(uint256).max);
        vm.expectRevert(IPoolErrors.Pool__OptionExpired.selector);
        this.quoteAfterMaturity();
    }

    function quoteAfterMaturity() external view {
        call3200.getQuoteAMM(TAKER, _ud(1e18), true);
    }

    function test_zeroSizeReverts() public {
        vm.expectRevert(IPoolErrors.Pool__ZeroSize.selector);
        _trade(TAKER, call3200, 0, true, type(uint256).max);
    }

    function test_poolWithoutCapitalCannotTakeEitherSide() public {
        PremiaPool empty = _deployPool(3000e18, MATURITY, true);
        vm.expectRevert(IPoolErrors.Pool__InsufficientAskLiquidity.selector);
        _trade(TAKER, empty, 1e18, true, type(uint256).max);
        vm.expectRevert(IPoolErrors.Pool__InsufficientBidLiquidity.selector);
        _trade(WRITER, empty, 1e18, false, 0);
    }

    function test_poolCapitalBoundsTheShortsItWrites() public {
        // 100 WETH of capital backs about 100 calls written, plus the premiums received
        vm.expectRevert(IPoolErrors.Pool__InsufficientAskLiquidity.selector);
        _trade(TAKER, call3200, 120e18, true, type(uint256).max);
        _trade(TAKER, call3200, 90e18, true, type(uint256).max);
        // 100 + 90 * 0.0534 premium + 90 * 0.0015 fee share - 90 locked = 14.94 WETH
        assertApproxEqAbs(call3200.availableLiquidity(), 14.94e18, 0.01e18, "capital left");
    }

    // ------------------------------------------------------------------ ERC1155

    function test_erc1155EnumerableViews() public {
        _trade(TAKER, call3200, 1e18, true, type(uint256).max);
        _trade(WRITER, call3200, 3e18, false, 0);

        address[] memory longHolders = call3200.accountsByToken(LONG);
        assertEq(longHolders.length, 2, "LONG holders: taker and the pool");
        assertEq(call3200.totalHolders(SHORT), 1, "SHORT holders: the writer (pool closed its own)");
        assertEq(call3200.accountsByToken(SHORT)[0], WRITER, "writer holds SHORT");
        uint256[] memory ids = call3200.tokensByAccount(TAKER);
        assertEq(ids.length, 1, "taker holds one id");
        assertEq(ids[0], LONG, "taker holds LONG");
        assertEq(call3200.getTokenIds().length, 2, "both ids outstanding");
        assertEq(call3200.totalSupply(LONG), 3e18, "LONG supply");
        assertEq(call3200.totalSupply(SHORT), 3e18, "SHORT supply");
    }

    function test_longsAreTransferable() public {
        _trade(TAKER, call3200, 1e18, true, type(uint256).max);
        vm.prank(TAKER);
        call3200.safeTransferFrom(TAKER, KEEPER, LONG, 0.4e18, "");
        assertEq(call3200.balanceOf(KEEPER, LONG), 0.4e18, "received");
        assertEq(call3200.balanceOf(TAKER, LONG), 0.6e18, "kept");
    }

    function test_multicallRunsCallsInOrder() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(PremiaPool.trade, (_ud(1e18), true, type(uint256).max, address(0)));
        calls[1] = abi.encodeWithSignature("balanceOf(address,uint256)", TAKER, LONG);
        vm.prank(TAKER);
        bytes[] memory results = call3200.multicall(calls);
        assertEq(abi.decode(results[1], (uint256)), 1e18, "second call sees the first");
    }

    function test_nameAndSettings() public view {
        assertEq(keccak256(bytes(call3200.name())), keccak256("WETH-USDC-12FEB2027-3200-C"), "name");
        (address base, address quote, address oracle, UD60x18 strike, uint256 maturity, bool isCall) =
            put2800.getPoolSettings();
        assertEq(base, address(weth), "base");
        assertEq(quote, address(usdc), "quote");
        assertEq(oracle, address(adapter), "oracleAdapter");
        assertEq(UD60x18.unwrap(strike), 2800e18, "strike");
        assertEq(maturity, MATURITY, "maturity");
        assertEq(isCall, false, "put");
    }
}
