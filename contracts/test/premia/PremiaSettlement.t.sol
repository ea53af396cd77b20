// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {UD60x18} from "../../src/premia/libraries/FixedPoint.sol";
import {IPoolErrors, IPoolEvents} from "../../src/premia/interfaces/IPremiaPool.sol";
import {IChainlinkAdapter} from "../../src/premia/interfaces/IOracleAdapter.sol";
import {PremiaPool} from "../../src/premia/PremiaPool.sol";
import {PoolSettlement} from "../../src/premia/PoolSettlement.sol";
import {PremiaFixture} from "./PremiaFixture.sol";

/// Payouts below are computed by hand from Premia v3's formulas:
///   call long:  size * (S - K) / S base, minus min(0.3% * size, 12.5% * value)
///   put long:   size * (K - S) quote,   minus min(0.3% * size * K, 12.5% * value)
///   short:      size (calls) or size * K (puts) minus the long's gross value
contract PremiaSettlementTest is PremiaFixture {
    uint256 internal constant SHORT = 0;
    uint256 internal constant LONG = 1;

    /// TAKER buys `longs`, WRITER sells `shorts`.
    function _openBook(PremiaPool pool, uint256 longs, uint256 shorts) internal {
        vm.prank(TAKER);
        pool.trade(_ud(longs), true, type(uint256).max, address(0));
        vm.prank(WRITER);
        pool.trade(_ud(shorts), false, 0, address(0));
    }

    /// The price in force at maturity is `atMaturity8`; a later round must not be used.
    function _expireAt(int256 atMaturity8) internal {
        vm.warp(MATURITY - 10 minutes);
        _publish(atMaturity8);
        vm.warp(MATURITY + 1 hours);
        _publish(atMaturity8 + 500e8);
    }

    /// The world's market driver publishes both legs (USDC / USD too: a feed silent for more than
    /// 25 hours is stale to the adapter).
    function _publish(int256 eth8) internal {
        ethUsd.transmit(eth8);
        usdcUsd.transmit(1e8);
    }

    function _exercise(PremiaPool pool, address holder) internal returns (uint256 value, uint256 fee) {
        vm.prank(holder);
        return pool.exercise();
    }

    function _settle(PremiaPool pool, address holder) internal returns (uint256) {
        vm.prank(holder);
        return pool.settle();
    }

    // ------------------------------------------------------------------ calls

    function test_callInTheMoney() public {
        _openBook(call3200, 2e18, 3e18);
        _expireAt(4000e8);
        uint256 takerBefore = weth.balanceOf(TAKER);
        uint256 feesBefore = weth.balanceOf(FEE_RECEIVER);

        // (4000 - 3200) / 4000 = 0.2 WETH per contract; 2 contracts = 0.4; fee min(0.006, 0.05) = 0.006
        (uint256 value, uint256 fee) = _exercise(call3200, TAKER);
        assertEq(value, 0.394e18, "exercise value net of fee");
        assertEq(fee, 0.006e18, "exercise fee");
        assertEq(weth.balanceOf(TAKER) - takerBefore, 0.394e18, "paid to the long");
        assertEq(weth.balanceOf(FEE_RECEIVER) - feesBefore, 0.006e18, "fee to the protocol");
        assertEq(call3200.balanceOf(TAKER, LONG), 0, "LONG burned");

        // 3 WETH locked - 3 * 0.2 owed to longs = 2.4 WETH
        uint256 writerBefore = weth.balanceOf(WRITER);
        assertEq(_settle(call3200, WRITER), 2.4e18, "collateral left to the short");
        assertEq(weth.balanceOf(WRITER) - writerBefore, 2.4e18, "paid to the short");
        assertEq(call3200.balanceOf(WRITER, SHORT), 0, "SHORT burned");
        assertEq(UD60x18.unwrap(call3200.getSettlementPrice()), 4000e18, "price in force at maturity");
    }

    function test_callOutOfTheMoney() public {
        _openBook(call3200, 2e18, 3e18);
        _expireAt(3000e8);
        (uint256 value, uint256 fee) = _exercise(call3200, TAKER);
        assertEq(value, 0, "worthless");
        assertEq(fee, 0, "no fee on zero value");
        assertEq(call3200.balanceOf(TAKER, LONG), 0, "LONG burned");
        assertEq(_settle(call3200, WRITER), 3e18, "short gets all 3 WETH back");
    }

    // ------------------------------------------------------------------ puts (USDC, 6 decimals)

    function test_putInTheMoney() public {
        _openBook(put2800, 2e18, 1.5e18);
        _expireAt(2500e8);
        uint256 takerBefore = usdc.balanceOf(TAKER);

        // (2800 - 2500) * 2 = 600 USDC; fee min(0.3% * 2 * 2800 = 16.8, 12.5% * 600 = 75) = 16.8
        (uint256 value, uint256 fee) = _exercise(put2800, TAKER);
        assertEq(value, 583.2e6, "exercise value net of fee");
        assertEq(fee, 16.8e6, "exercise fee");
        assertEq(usdc.balanceOf(TAKER) - takerBefore, 583.2e6, "paid to the long");

        // 1.5 * 2800 = 4200 USDC locked - 1.5 * 300 = 3750 USDC
        uint256 writerBefore = usdc.balanceOf(WRITER);
        assertEq(_settle(put2800, WRITER), 3750e6, "collateral left to the short");
        assertEq(usdc.balanceOf(WRITER) - writerBefore, 3750e6, "paid to the short");
    }

    function test_putOutOfTheMoney() public {
        _openBook(put2800, 2e18, 1.5e18);
        _expireAt(3000e8);
        (uint256 value, uint256 fee) = _exercise(put2800, TAKER);
        assertEq(value + fee, 0, "worthless");
        assertEq(_settle(put2800, WRITER), 4200e6, "short gets all 4200 USDC back");
    }

    function test_deepInTheMoneyFeeIsCappedAtNotional() public {
        _openBook(put3200, 1e18, 1e18);
        _expireAt(1600e8);
        // 1600 USDC intrinsic; fee min(0.3% * 3200 = 9.6, 200) = 9.6
        (uint256 value, uint256 fee) = _exercise(put3200, TAKER);
        assertEq(fee, 9.6e6, "notional fee");
        assertEq(value, 1590.4e6, "net value");
        assertEq(_settle(put3200, WRITER), 1600e6, "3200 locked - 1600 owed");
    }

    // ------------------------------------------------------------------ settlement price

    function test_settlementPriceIsCachedOnceWithEvent() public {
        _openBook(call3200, 1e18, 1e18);
        _expireAt(3500e8);
        vm.expectEmit(false, false, false, true, address(call3200));
        emit IPoolEvents.SettlementPriceCached(_ud(3500e18));
        call3200.tryCacheSettlementPrice();
        vm.expectRevert(IPoolErrors.Pool__SettlementPriceAlreadyCached.selector);
        call3200.tryCacheSettlementPrice();
        ethUsd.transmit(9000e8);
        assertEq(UD60x18.unwrap(call3200.getSettlementPrice()), 3500e18, "fixed at maturity");
    }

    /// No round in the 25 hours before maturity: the first round after maturity settles (see ChainlinkAdapter).
    function test_settlementWithoutRoundAtMaturityUsesFirstRoundAfter() public {
        _openBook(call3200, 1e18, 1e18);
        vm.warp(MATURITY + 5 minutes);
        vm.expectRevert(
            abi.encodeWithSelector(IChainlinkAdapter.ChainlinkAdapter__PriceLeftOfTargetStale.selector, NOW, MATURITY)
        );
        _exercise(call3200, TAKER);

        _publish(4100e8);
        vm.warp(MATURITY + 10 minutes);
        _publish(4200e8);
        _exercise(call3200, TAKER);
        assertEq(UD60x18.unwrap(call3200.getSettlementPrice()), 4100e18, "first round after maturity");
    }

    function test_exerciseAndSettleBeforeMaturityRevert() public {
        _openBook(call3200, 1e18, 1e18);
        vm.warp(MATURITY - 1);
        vm.expectRevert(IPoolErrors.Pool__OptionNotExpired.selector);
        _exercise(call3200, TAKER);
        vm.expectRevert(IPoolErrors.Pool__OptionNotExpired.selector);
        _settle(call3200, WRITER);
        vm.expectRevert(IPoolErrors.Pool__OptionNotExpired.selector);
        call3200.tryCacheSettlementPrice();
    }

    // ------------------------------------------------------------------ keeper

    function test_keeperExercisesAndSettlesForHolders() public {
        _openBook(call3200, 2e18, 3e18);
        _expireAt(4000e8);
        address[] memory longs = call3200.accountsByToken(LONG);
        address[] memory holders = new address[](1);

        holders[0] = TAKER;
        uint256 takerBefore = weth.balanceOf(TAKER);
        vm.prank(KEEPER);
        (uint256[] memory values, uint256[] memory fees) = call3200.exerciseFor(holders, 0);
        assertEq(values[0], 0.394e18, "exercised for the taker");
        assertEq(fees[0], 0.006e18, "fee");
        assertEq(weth.balanceOf(TAKER) - takerBefore, 0.394e18, "paid to the holder, not the keeper");

        holders[0] = WRITER;
        vm.prank(KEEPER);
        uint256[] memory collateral = call3200.settleFor(holders, 0);
        assertEq(collateral[0], 2.4e18, "settled for the writer");
        assertEq(weth.balanceOf(KEEPER), 0, "keeper paid nothing and got nothing");
        assertEq(longs.length, 2, "LONG holders were the taker and the pool itself");
    }

    function test_keeperCannotChargeOthersOrSettleEmptyHolders() public {
        _openBook(call3200, 1e18, 1e18);
        _expireAt(4000e8);
        address[] memory holders = new address[](1);
        holders[0] = TAKER;
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IPoolErrors.Pool__CostNotAuthorized.selector, 1e15, 0));
        call3200.exerciseFor(holders, 1e15);

        holders[0] = KEEPER;
        vm.prank(KEEPER);
        vm.expectRevert(IPoolErrors.Pool__SettlementFailed.selector);
        call3200.settleFor(holders, 0);
    }

    // ------------------------------------------------------------------ collateral and capital

    function test_annihilateReleasesCollateral() public {
        _openBook(call3200, 1e18, 2e18);
        vm.prank(TAKER);
        call3200.safeTransferFrom(TAKER, WRITER, LONG, 1e18, "");
        uint256 before = weth.balanceOf(WRITER);
        vm.prank(WRITER);
        call3200.annihilate(_ud(1e18));
        assertEq(weth.balanceOf(WRITER) - before, 1e18, "1 WETH per pair");
        assertEq(call3200.balanceOf(WRITER, SHORT), 1e18, "one SHORT left");
        assertEq(call3200.balanceOf(WRITER, LONG), 0, "LONG gone");
    }

    function test_liquidityOwnerRecoversCapitalAfterSettlement() public {
        _openBook(put2800, 2e18, 1.5e18);
        vm.expectRevert(abi.encodeWithSelector(PoolSettlement.Pool__NotLiquidityOwner.selector, TAKER));
        vm.prank(TAKER);
        put2800.withdrawLiquidity(1, TAKER);

        uint256 free = put2800.availableLiquidity();
        vm.expectRevert(abi.encodeWithSelector(PoolSettlement.Pool__InsufficientFreeCapital.selector, free + 1, free));
        put2800.withdrawLiquidity(free + 1, address(this));

        _expireAt(2500e8);
        _exercise(put2800, TAKER);
        _settle(put2800, WRITER);
        uint256 balance = usdc.balanceOf(address(put2800));
        uint256 available = put2800.availableLiquidity();
        // only the pool's own SHORT inventory is left: one holder, one unit kept for rounding
        assertEq(available, balance - 1, "everything but the rounding unit is free");
        put2800.withdrawLiquidity(available, address(this));
        assertEq(usdc.balanceOf(address(put2800)), 1, "pool emptied");
    }
}
