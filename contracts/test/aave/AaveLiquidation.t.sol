// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// liquidationCall of the local Aave v3 market: the HF = 1 boundary, the 50%/100% close factor
// around HF = 0.95, the exact bonus, the collateral cap and both payout forms.
// Alice: 10 WETH of collateral (LT 82.5%, bonus 5%) and 16,000 USDC of debt.
// HF = 10 x P x 0.825 / 16000, so HF = 1 at P = $1939.39... and HF = 0.95 at P = $1842.42...

import {AaveFixture} from "./AaveFixture.sol";
import {PoolLiquidation} from "../../src/aave/PoolLiquidation.sol";
import {PoolState} from "../../src/aave/PoolState.sol";

contract AaveLiquidationTest is AaveFixture {
    uint256 internal constant DEBT = 16_000e6;
    int256 internal constant PRICE_HF_JUST_ABOVE_1 = 1939_39393940; // HF = 1.000000000003125
    int256 internal constant PRICE_HF_JUST_BELOW_1 = 1939_39393939; // HF = 0.999999999998125
    int256 internal constant PRICE_HF_JUST_ABOVE_095 = 1842_42424243; // HF = 0.950000000003125
    int256 internal constant PRICE_HF_JUST_BELOW_095 = 1842_42424242; // HF = 0.949999999998125

    function setUp() public override {
        super.setUp();
        _supply(bob, address(usdc), 1_000_000e6);
        _supply(alice, address(weth), 10e18);
        _borrow(alice, address(usdc), DEBT);
        _fund(liquidator, address(usdc), 100_000e6);
        vm.prank(liquidator);
        usdc.approve(address(pool), type(uint256).max);
    }

    function _liquidate(uint256 debtToCover, bool receiveAToken) internal {
        vm.prank(liquidator);
        pool.liquidationCall(address(weth), address(usdc), alice, debtToCover, receiveAToken);
    }

    /// LiquidationLogic's formula for WETH collateral against USDC debt at ETH price `price`.
    function _collateralFor(uint256 debtCovered, int256 price) internal pure returns (uint256) {
        // forge-lint: disable-next-line(unsafe-typecast) -- test prices are positive
        uint256 base = (1e8 * debtCovered * 1e18) / (uint256(price) * 1e6);
        return (base * 10500 + 5000) / 10_000;
    }

    function test_healthFactorBoundaryDecidesLiquidation() public {
        ethFeed.transmit(PRICE_HF_JUST_ABOVE_1);
        uint256 hf = _healthFactor(alice);
        assertGt(hf, 1e18, "just above 1");
        assertLt(hf, 1e18 + 1e10, "but only just");
        vm.prank(liquidator);
        vm.expectRevert(_code("45")); // HEALTH_FACTOR_NOT_BELOW_THRESHOLD
        pool.liquidationCall(address(weth), address(usdc), alice, type(uint256).max, false);

        ethFeed.transmit(PRICE_HF_JUST_BELOW_1);
        hf = _healthFactor(alice);
        assertLt(hf, 1e18, "just below 1");
        assertGt(hf, 1e18 - 1e10, "but only just");
        _liquidate(type(uint256).max, false);
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), DEBT / 2, "half the debt repaid");
        assertGt(_healthFactor(alice), 1e18, "the liquidation restored health");
    }

    function test_closeFactorIsHalfAboveHf095AndAllBelow() public {
        uint256 snapshot = vm.snapshotState();
        ethFeed.transmit(PRICE_HF_JUST_ABOVE_095);
        assertGt(_healthFactor(alice), 0.95e18, "above the close factor threshold");
        _liquidate(type(uint256).max, false);
        assertEq(DEBT - debtTokenOf[address(usdc)].balanceOf(alice), DEBT / 2, "50% close factor");

        vm.revertToState(snapshot);
        ethFeed.transmit(PRICE_HF_JUST_BELOW_095);
        assertLt(_healthFactor(alice), 0.95e18, "below the close factor threshold");
        _liquidate(type(uint256).max, false);
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), 0, "100% close factor");
        assertTrue(!_isBorrowing(alice, address(usdc)), "borrowing flag cleared");
        assertEq(weth.balanceOf(liquidator), _collateralFor(DEBT, PRICE_HF_JUST_BELOW_095), "seized for the whole debt");
    }

    function test_debtToCoverIsCappedAtTheCloseFactor() public {
        ethFeed.transmit(PRICE_HF_JUST_BELOW_1);
        _liquidate(DEBT * 3 / 4, false);
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), DEBT / 2, "75% asked, 50% taken");
    }

    function test_explicitDebtToCoverBelowTheMaximumIsTakenExactly() public {
        ethFeed.transmit(PRICE_HF_JUST_BELOW_1);
        _liquidate(1000e6, false);
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), DEBT - 1000e6, "exactly what was asked");
        assertEq(weth.balanceOf(liquidator), _collateralFor(1000e6, PRICE_HF_JUST_BELOW_1), "collateral for it");
    }

    function test_bonusIsExact() public {
        ethFeed.transmit(PRICE_HF_JUST_BELOW_1);
        uint256 covered = DEBT / 2;
        uint256 seized = _collateralFor(covered, PRICE_HF_JUST_BELOW_1);
        uint256 usdcBefore = usdc.balanceOf(liquidator);

        vm.expectEmit(true, true, true, true, address(pool));
        emit PoolLiquidation.LiquidationCall(address(weth), address(usdc), alice, covered, seized, liquidator, false);
        _liquidate(type(uint256).max, false);

        assertEq(weth.balanceOf(liquidator), seized, "liquidator receives the underlying");
        assertEq(usdcBefore - usdc.balanceOf(liquidator), covered, "liquidator pays the debt covered");
        assertEq(aTokenOf[address(weth)].balanceOf(alice), 10e18 - seized, "taken from the borrower");
        // Value seized / value repaid = 105%, up to the price's 8-decimal rounding.
        // forge-lint: disable-next-line(unsafe-typecast) -- a positive constant
        uint256 seizedUsd = seized * uint256(PRICE_HF_JUST_BELOW_1) / 1e18; // 8 decimals
        uint256 coveredUsd = covered * 1e8 / 1e6;
        assertApproxEqRel(seizedUsd * 10_000, coveredUsd * 10_500, 1e9, "5% bonus");
        assertApproxEqRel(seized, 4.33125e18, 1e9, "8000 x 1.05 / 1939.39 ETH");
    }

    function test_collateralCapSeizesEverythingAndRecomputesTheDebt() public {
        ethFeed.transmit(1000e8); // HF = 0.515625; the whole debt would need 16.8 ETH
        assertEq(_healthFactor(alice), 0.515625e18, "10000 x 0.825 / 16000");
        // debt covered = 10 ETH x $1000 / 1.05, rounded half up by percentDiv.
        uint256 collateralUsdc = 10_000e6;
        uint256 expectedCovered = (collateralUsdc * 10_000 + 10_500 / 2) / 10_500;
        assertEq(expectedCovered, 9523_809524, "9523.809524 USDC");

        vm.expectEmit(true, true, true, true, address(pool));
        emit PoolState.ReserveUsedAsCollateralDisabled(address(weth), alice);
        vm.expectEmit(true, true, true, true, address(pool));
        emit PoolLiquidation.LiquidationCall(
            address(weth), address(usdc), alice, expectedCovered, 10e18, liquidator, false
        );
        _liquidate(type(uint256).max, false);

        assertEq(weth.balanceOf(liquidator), 10e18, "all the collateral");
        assertEq(aTokenOf[address(weth)].balanceOf(alice), 0, "nothing left");
        assertTrue(!_isCollateral(alice, address(weth)), "collateral flag cleared");
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), DEBT - expectedCovered, "bad debt remains");
        assertTrue(_isBorrowing(alice, address(usdc)), "still borrowing");
        (uint256 collateral, uint256 debt,,,, uint256 hf) = pool.getUserAccountData(alice);
        assertEq(collateral, 0, "no collateral value");
        assertEq(debt, (DEBT - expectedCovered) * 100, "remaining debt in USD");
        assertEq(hf, 0, "no collateral against debt");
    }

    function test_receiveATokenHandsOverCollateralAsATokens() public {
        ethFeed.transmit(PRICE_HF_JUST_BELOW_1);
        uint256 seized = _collateralFor(DEBT / 2, PRICE_HF_JUST_BELOW_1);
        uint256 cashBefore = weth.balanceOf(address(aTokenOf[address(weth)]));

        vm.expectEmit(true, true, true, true, address(pool));
        emit PoolState.ReserveUsedAsCollateralEnabled(address(weth), liquidator);
        _liquidate(type(uint256).max, true);

        assertEq(aTokenOf[address(weth)].balanceOf(liquidator), seized, "liquidator holds aWETH");
        assertEq(weth.balanceOf(liquidator), 0, "no underlying paid out");
        assertEq(weth.balanceOf(address(aTokenOf[address(weth)])), cashBefore, "liquidity stays in the pool");
        assertEq(aTokenOf[address(weth)].balanceOf(alice), 10e18 - seized, "taken from the borrower");
        assertTrue(_isCollateral(liquidator, address(weth)), "enabled as the liquidator's collateral");

        vm.prank(liquidator);
        pool.withdraw(address(weth), type(uint256).max, liquidator);
        assertEq(weth.balanceOf(liquidator), seized, "and withdrawable");
    }

    function test_wrongCollateralOrDebtAssetReverts() public {
        ethFeed.transmit(PRICE_HF_JUST_BELOW_1);
        vm.prank(liquidator);
        vm.expectRevert(_code("46")); // COLLATERAL_CANNOT_BE_LIQUIDATED: alice has no WBTC
        pool.liquidationCall(address(wbtc), address(usdc), alice, type(uint256).max, false);
        vm.prank(liquidator);
        vm.expectRevert(_code("47")); // SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER
        pool.liquidationCall(address(weth), address(wbtc), alice, type(uint256).max, false);
    }

    function test_interestAloneCanMakeAPositionLiquidatable() public {
        // Another borrower pushes USDC utilisation above the kink: rates near 16%.
        _supply(bob, address(wbtc), 100e8);
        _borrow(bob, address(usdc), 900_000e6);
        assertGt(_healthFactor(alice), 1e18, "healthy today");
        vm.warp(block.timestamp + 90 days);
        uint256 hf = _healthFactor(alice);
        assertLt(hf, 1e18, "unhealthy 90 days later at the same prices");
        assertGt(hf, 0.95e18, "in the 50% band");

        uint256 owed = debtTokenOf[address(usdc)].balanceOf(alice);
        assertGt(owed, DEBT * 103 / 100, "debt grew by ~15.6% a year for 90 days");
        _liquidate(type(uint256).max, false);
        uint256 covered = owed - debtTokenOf[address(usdc)].balanceOf(alice);
        assertEq(covered, (owed * 5000 + 5000) / 10_000, "half of the accrued debt");
        assertEq(weth.balanceOf(liquidator), _collateralFor(covered, 2000e8), "bonus on the accrued debt");
    }
}
