// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Supply / borrow / repay / withdraw round trips, account data, collateral flags and the
// validation errors of the local Aave v3 Pool.

import {AaveFixture} from "./AaveFixture.sol";
import {Pool} from "../../src/aave/Pool.sol";
import {PoolState} from "../../src/aave/PoolState.sol";
import {DataTypes} from "../../src/aave/DataTypes.sol";

contract AavePositionsTest is AaveFixture {
    function setUp() public override {
        super.setUp();
        _supply(bob, address(usdc), 1_000_000e6); // liquidity to borrow from
    }

    function test_supplyMintsATokensHoldsUnderlyingAndEnablesCollateral() public {
        _fund(alice, address(weth), 10e18);
        vm.expectEmit(true, true, true, true, address(pool));
        emit Pool.Supply(address(weth), alice, alice, 10e18, 7);
        vm.prank(alice);
        pool.supply(address(weth), 10e18, alice, 7);

        assertEq(aTokenOf[address(weth)].balanceOf(alice), 10e18, "aWETH balance");
        assertEq(aTokenOf[address(weth)].scaledBalanceOf(alice), 10e18, "scaled balance at index 1");
        assertEq(weth.balanceOf(address(aTokenOf[address(weth)])), 10e18, "underlying held by the aToken");
        assertEq(weth.balanceOf(alice), 0, "wallet emptied");
        assertTrue(_isCollateral(alice, address(weth)), "first supply enables collateral");
        assertTrue(!_isBorrowing(alice, address(weth)), "not borrowing");
    }

    function test_supplyOnBehalfOfCreditsTheBeneficiary() public {
        _fund(bob, address(weth), 1e18);
        vm.prank(bob);
        pool.supply(address(weth), 1e18, alice, 0);
        assertEq(aTokenOf[address(weth)].balanceOf(alice), 1e18, "alice credited");
        assertEq(aTokenOf[address(weth)].balanceOf(bob), 0, "bob not credited");
        assertTrue(_isCollateral(alice, address(weth)), "beneficiary's collateral");
    }

    function test_accountDataMatchesHandComputedValues() public {
        _supply(alice, address(weth), 10e18); // $20,000
        _borrow(alice, address(usdc), 5000e6); // $5,000

        (uint256 collateral, uint256 debt, uint256 available, uint256 threshold, uint256 ltv, uint256 hf) =
            pool.getUserAccountData(alice);
        assertEq(collateral, 20_000e8, "collateral in USD 8 decimals");
        assertEq(debt, 5000e8, "debt in USD 8 decimals");
        assertEq(available, 11_000e8, "20000 x 80% - 5000");
        assertEq(threshold, 8250, "liquidation threshold bps");
        assertEq(ltv, 8000, "ltv bps");
        assertEq(hf, 3.3e18, "20000 x 0.825 / 5000");
        assertEq(usdc.balanceOf(alice), 5000e6, "borrowed funds received");
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), 5000e6, "debt token balance");
        assertTrue(_isBorrowing(alice, address(usdc)), "borrowing flag");
    }

    function test_accountDataWeighsSeveralCollaterals() public {
        _supply(alice, address(weth), 10e18); // $20,000 at 80% / 82.5%
        _supply(alice, address(wbtc), 1e8); // $60,000 at 73% / 78%
        _borrow(alice, address(usdc), 40_000e6);

        (uint256 collateral, uint256 debt, uint256 available, uint256 threshold, uint256 ltv, uint256 hf) =
            pool.getUserAccountData(alice);
        assertEq(collateral, 80_000e8, "collateral");
        assertEq(debt, 40_000e8, "debt");
        assertEq(ltv, 7475, "(20000 x 8000 + 60000 x 7300) / 80000");
        assertEq(threshold, 7912, "(20000 x 8250 + 60000 x 7800) / 80000, floored");
        assertEq(available, 80_000e8 * 7475 / 10_000 - 40_000e8, "available borrows");
        assertEq(hf, 1.5824e18, "80000 x 0.7912 / 40000");
    }

    function test_noDebtMeansInfiniteHealthFactor() public {
        (,,,,, uint256 hfEmpty) = pool.getUserAccountData(alice);
        assertEq(hfEmpty, type(uint256).max, "empty account");
        _supply(alice, address(weth), 1e18);
        assertEq(_healthFactor(alice), type(uint256).max, "collateral only");
    }

    function test_borrowUpToLtvSucceedsOneUnitMoreReverts() public {
        _supply(alice, address(weth), 10e18); // $20,000 x 80% = $16,000
        vm.prank(alice);
        vm.expectRevert(_code("36")); // COLLATERAL_CANNOT_COVER_NEW_BORROW
        pool.borrow(address(usdc), 16_000e6 + 1, VARIABLE, 0, alice);

        _borrow(alice, address(usdc), 16_000e6);
        (,, uint256 available,,,) = pool.getUserAccountData(alice);
        assertEq(available, 0, "nothing left to borrow");
        vm.prank(alice);
        vm.expectRevert(_code("36"));
        pool.borrow(address(usdc), 1, VARIABLE, 0, alice);
    }

    function test_borrowWithoutCollateralReverts() public {
        vm.prank(alice);
        vm.expectRevert(_code("34")); // COLLATERAL_BALANCE_IS_ZERO
        pool.borrow(address(usdc), 1e6, VARIABLE, 0, alice);
    }

    function test_borrowMoreThanTheLiquidityReverts() public {
        _supply(alice, address(wbtc), 100e8); // $6M of collateral, only $1M of USDC to borrow
        vm.prank(alice);
        vm.expectRevert(_code("26")); // INVALID_AMOUNT, as v3.1 for borrow above the reserve's cash
        pool.borrow(address(usdc), 1_000_000e6 + 1, VARIABLE, 0, alice);
    }

    function test_stableRateModeIsRejected() public {
        _supply(alice, address(weth), 10e18);
        vm.prank(alice);
        vm.expectRevert(_code("31")); // STABLE_BORROWING_NOT_ENABLED
        pool.borrow(address(usdc), 100e6, 1, 0, alice);

        vm.prank(alice);
        vm.expectRevert(_code("33")); // INVALID_INTEREST_RATE_MODE_SELECTED
        pool.borrow(address(usdc), 100e6, 0, 0, alice);
        vm.prank(alice);
        vm.expectRevert(_code("33"));
        pool.borrow(address(usdc), 100e6, 3, 0, alice);

        _borrow(alice, address(usdc), 100e6);
        vm.prank(alice);
        vm.expectRevert(_code("39")); // NO_DEBT_OF_SELECTED_TYPE: there is no stable debt
        pool.repay(address(usdc), 100e6, 1, alice);
    }

    function test_borrowEmitsTheRealEventWithTheNewRate() public {
        _supply(alice, address(weth), 10e18);
        // U = 5000 / 1,000,000; rate = slope1 x U / optimal
        uint256 utilization = uint256(5000e6) * RAY / 1_000_000e6;
        // slope1.rayMul(U).rayDiv(optimal): the intermediate rounding is the pool's.
        // forge-lint: disable-next-line(divide-before-multiply)
        uint256 expectedRate = (0.06e27 * utilization / RAY) * RAY / 0.9e27;
        vm.expectEmit(true, true, true, true, address(pool));
        emit Pool.Borrow(address(usdc), alice, alice, 5000e6, DataTypes.InterestRateMode.VARIABLE, expectedRate, 3);
        vm.prank(alice);
        pool.borrow(address(usdc), 5000e6, VARIABLE, 3, alice);
    }

    function test_repayPartialThenMaxClosesTheDebtExactly() public {
        _supply(alice, address(weth), 10e18);
        _borrow(alice, address(usdc), 5000e6);
        vm.warp(block.timestamp + 30 days);
        _fund(alice, address(usdc), 1000e6); // for the interest

        vm.prank(alice);
        uint256 repaid = pool.repay(address(usdc), 2000e6, VARIABLE, alice);
        assertEq(repaid, 2000e6, "partial repay");
        uint256 owed = debtTokenOf[address(usdc)].balanceOf(alice);
        assertGt(owed, 3000e6, "interest accrued on the rest");

        uint256 walletBefore = usdc.balanceOf(alice);
        vm.expectEmit(true, true, true, true, address(pool));
        emit Pool.Repay(address(usdc), alice, alice, owed, false);
        vm.prank(alice);
        repaid = pool.repay(address(usdc), type(uint256).max, VARIABLE, alice);
        assertEq(repaid, owed, "max repays the whole debt");
        assertEq(walletBefore - usdc.balanceOf(alice), owed, "exactly the debt was pulled");
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), 0, "no debt left");
        assertEq(debtTokenOf[address(usdc)].scaledBalanceOf(alice), 0, "no scaled debt left");
        assertTrue(!_isBorrowing(alice, address(usdc)), "borrowing flag cleared");
        assertEq(_healthFactor(alice), type(uint256).max, "healthy forever");
    }

    function test_repayMoreThanOwedTakesOnlyTheDebt() public {
        _supply(alice, address(weth), 10e18);
        _borrow(alice, address(usdc), 100e6);
        _fund(bob, address(usdc), 500e6);
        vm.prank(bob);
        uint256 repaid = pool.repay(address(usdc), 500e6, VARIABLE, alice); // on behalf, explicit amount
        assertEq(repaid, 100e6, "capped at the debt");
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), 0, "debt cleared by a third party");
    }

    function test_repayMaxOnBehalfOfSomeoneElseReverts() public {
        _supply(alice, address(weth), 10e18);
        _borrow(alice, address(usdc), 100e6);
        _fund(bob, address(usdc), 500e6);
        vm.prank(bob);
        vm.expectRevert(_code("40")); // NO_EXPLICIT_AMOUNT_TO_REPAY_ON_BEHALF
        pool.repay(address(usdc), type(uint256).max, VARIABLE, alice);
    }

    function test_repayWithoutDebtReverts() public {
        _fund(alice, address(usdc), 100e6);
        vm.prank(alice);
        vm.expectRevert(_code("39"));
        pool.repay(address(usdc), 100e6, VARIABLE, alice);
    }

    function test_withdrawMaxReturnsEverythingAndClearsCollateral() public {
        _supply(alice, address(weth), 10e18);
        vm.expectEmit(true, true, true, true, address(pool));
        emit Pool.Withdraw(address(weth), alice, bob, 10e18);
        vm.prank(alice);
        uint256 withdrawn = pool.withdraw(address(weth), type(uint256).max, bob);
        assertEq(withdrawn, 10e18, "everything");
        assertEq(weth.balanceOf(bob), 10e18, "sent to `to`");
        assertEq(aTokenOf[address(weth)].balanceOf(alice), 0, "aTokens burnt");
        assertTrue(!_isCollateral(alice, address(weth)), "collateral flag cleared");
    }

    function test_withdrawIncludesEarnedInterest() public {
        _supply(alice, address(weth), 10e18);
        _borrow(alice, address(usdc), 10_000e6); // 1% utilisation of USDC
        uint256 before = aTokenOf[address(usdc)].balanceOf(bob);
        vm.warp(block.timestamp + 365 days);
        _fund(alice, address(usdc), 1000e6);
        vm.prank(alice);
        pool.repay(address(usdc), type(uint256).max, VARIABLE, alice); // frees the cash bob lent

        uint256 grown = aTokenOf[address(usdc)].balanceOf(bob);
        assertGt(grown, before, "supplier balance grew");
        vm.prank(bob);
        uint256 withdrawn = pool.withdraw(address(usdc), type(uint256).max, bob);
        assertEq(withdrawn, grown, "max withdraws the grown balance");
        assertEq(usdc.balanceOf(bob), grown, "paid out in underlying");
        assertEq(aTokenOf[address(usdc)].scaledBalanceOf(bob), 0, "nothing left");
    }

    function test_withdrawAboveBalanceOrBreakingHealthReverts() public {
        _supply(alice, address(weth), 10e18);
        vm.prank(alice);
        vm.expectRevert(_code("32")); // NOT_ENOUGH_AVAILABLE_USER_BALANCE
        pool.withdraw(address(weth), 10e18 + 1, alice);
        vm.prank(alice);
        vm.expectRevert(_code("26")); // INVALID_AMOUNT
        pool.withdraw(address(weth), 0, alice);

        _borrow(alice, address(usdc), 15_000e6); // HF = 16500 / 15000 = 1.1
        // Withdrawing 1 ETH leaves 18000 x 0.825 = 14850 < 15000.
        vm.prank(alice);
        vm.expectRevert(_code("35")); // HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD
        pool.withdraw(address(weth), 1e18, alice);
        // 0.9 ETH leaves 18200 x 0.825 = 15015 >= 15000.
        vm.prank(alice);
        pool.withdraw(address(weth), 0.9e18, alice);
        assertGe(_healthFactor(alice), 1e18, "still healthy");
    }

    function test_repayWithATokensMaxRepaysTheDebtFromTheDeposit() public {
        _supply(alice, address(weth), 10e18);
        _supply(alice, address(usdc), 10_000e6);
        _borrow(alice, address(usdc), 5000e6);
        uint256 cashBefore = usdc.balanceOf(address(aTokenOf[address(usdc)]));

        vm.expectEmit(true, true, true, true, address(pool));
        emit Pool.Repay(address(usdc), alice, alice, 5000e6, true);
        vm.prank(alice);
        uint256 repaid = pool.repayWithATokens(address(usdc), type(uint256).max, VARIABLE);
        assertEq(repaid, 5000e6, "repaid the whole debt, not the whole deposit");
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), 0, "debt gone");
        assertEq(aTokenOf[address(usdc)].balanceOf(alice), 5000e6, "deposit reduced by the debt");
        assertEq(usdc.balanceOf(address(aTokenOf[address(usdc)])), cashBefore, "no underlying moved");
        assertTrue(!_isBorrowing(alice, address(usdc)), "borrowing flag cleared");
        assertTrue(_isCollateral(alice, address(usdc)), "remaining deposit still collateral");
    }

    function test_repayWithATokensSmallerDepositPaysWhatItCanAndClearsCollateral() public {
        _supply(alice, address(weth), 10e18);
        _supply(alice, address(usdc), 1000e6);
        _borrow(alice, address(usdc), 5000e6);
        vm.prank(alice);
        uint256 repaid = pool.repayWithATokens(address(usdc), type(uint256).max, VARIABLE);
        assertEq(repaid, 1000e6, "the whole deposit");
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), 4000e6, "rest of the debt");
        assertEq(aTokenOf[address(usdc)].balanceOf(alice), 0, "deposit used up");
        assertTrue(!_isCollateral(alice, address(usdc)), "empty deposit is no collateral");
        assertTrue(_isBorrowing(alice, address(usdc)), "still borrowing");
    }

    function test_disablingCollateralIsBlockedWhenItWouldBreakHealth() public {
        _supply(alice, address(weth), 10e18); // 16500 of threshold value
        _supply(alice, address(usdc), 10_000e6); // 7800 of threshold value
        _borrow(alice, address(usdc), 15_000e6); // HF = 24300 / 15000

        vm.prank(alice);
        vm.expectRevert(_code("35"));
        pool.setUserUseReserveAsCollateral(address(weth), false);
        assertTrue(_isCollateral(alice, address(weth)), "unchanged after the revert");

        vm.expectEmit(true, true, true, true, address(pool));
        emit PoolState.ReserveUsedAsCollateralDisabled(address(usdc), alice);
        vm.prank(alice);
        pool.setUserUseReserveAsCollateral(address(usdc), false); // leaves 16500 / 15000 = 1.1
        assertTrue(!_isCollateral(alice, address(usdc)), "usdc no longer collateral");
        assertEq(_healthFactor(alice), 1.1e18, "only WETH counts now");

        vm.expectEmit(true, true, true, true, address(pool));
        emit PoolState.ReserveUsedAsCollateralEnabled(address(usdc), alice);
        vm.prank(alice);
        pool.setUserUseReserveAsCollateral(address(usdc), true);
        assertEq(_healthFactor(alice), 1.62e18, "(16500 + 7800) / 15000");
    }

    function test_collateralToggleNeedsABalance() public {
        vm.prank(alice);
        vm.expectRevert(_code("43")); // UNDERLYING_BALANCE_ZERO
        pool.setUserUseReserveAsCollateral(address(weth), true);
    }

    function test_unlistedAssetIsInactive() public {
        vm.prank(alice);
        vm.expectRevert(_code("27")); // RESERVE_INACTIVE
        pool.supply(address(0xDEAD), 1, alice, 0);
    }

    function test_frozenOrBorrowDisabledReserves() public {
        _supply(alice, address(weth), 10e18);
        pool.configureReserve(address(usdc), 7500, 7800, 10450, 1000, false);
        vm.prank(alice);
        vm.expectRevert(_code("30")); // BORROWING_NOT_ENABLED
        pool.borrow(address(usdc), 1e6, VARIABLE, 0, alice);

        DataTypes.ReserveConfigurationMap memory configuration = pool.getConfiguration(address(weth));
        configuration.data |= 1 << 57; // frozen
        pool.setConfiguration(address(weth), configuration);
        _fund(alice, address(weth), 1e18);
        vm.prank(alice);
        vm.expectRevert(_code("28")); // RESERVE_FROZEN
        pool.supply(address(weth), 1e18, alice, 0);
        vm.prank(alice);
        pool.withdraw(address(weth), 1e18, alice); // withdrawals stay open when frozen
    }

    function test_creditDelegationLetsADelegateeBorrow() public {
        _supply(alice, address(weth), 10e18);
        vm.prank(bob);
        vm.expectRevert(); // no delegation: the allowance subtraction underflows
        pool.borrow(address(usdc), 100e6, VARIABLE, 0, alice);

        vm.prank(alice);
        debtTokenOf[address(usdc)].approveDelegation(bob, 150e6);
        vm.prank(bob);
        pool.borrow(address(usdc), 100e6, VARIABLE, 0, alice);
        assertEq(usdc.balanceOf(bob), 100e6, "delegatee receives the funds");
        assertEq(debtTokenOf[address(usdc)].balanceOf(alice), 100e6, "delegator owes");
        assertEq(debtTokenOf[address(usdc)].borrowAllowance(alice, bob), 50e6, "allowance spent");
    }

    function test_debtTokensAreNotTransferable() public {
        _supply(alice, address(weth), 10e18);
        _borrow(alice, address(usdc), 100e6);
        vm.prank(alice);
        vm.expectRevert(_code("80")); // OPERATION_NOT_SUPPORTED
        debtTokenOf[address(usdc)].transfer(bob, 1e6);
        vm.expectRevert(_code("80"));
        debtTokenOf[address(usdc)].approve(bob, 1e6);
    }

    function test_aTokenTransferChecksHealthAndMovesCollateralFlags() public {
        _supply(alice, address(weth), 10e18);
        _borrow(alice, address(usdc), 15_000e6);
        AToken_ aWeth = AToken_(address(aTokenOf[address(weth)]));
        vm.prank(alice);
        vm.expectRevert(_code("35"));
        // forge-lint: disable-next-line(erc20-unchecked-transfer) -- expected to revert
        aWeth.transfer(bob, 1e18);

        vm.prank(alice);
        assertTrue(aWeth.transfer(bob, 0.5e18), "transfer returns true");
        assertEq(aWeth.balanceOf(bob), 0.5e18, "recipient balance");
        assertEq(aWeth.balanceOf(alice), 9.5e18, "sender balance");
        assertTrue(_isCollateral(bob, address(weth)), "first aTokens received become collateral");

        vm.prank(bob);
        assertTrue(aWeth.transfer(alice, 0.5e18), "transfer back");
        assertTrue(!_isCollateral(bob, address(weth)), "sending everything clears the flag");
    }

    function test_onlyThePoolMovesTokensAndOnlyTheAdminConfigures() public {
        vm.expectRevert(_code("23")); // CALLER_MUST_BE_POOL
        aTokenOf[address(weth)].mint(alice, alice, 1e18, RAY);
        vm.expectRevert(_code("23"));
        debtTokenOf[address(weth)].burn(alice, 1e18, RAY);
        vm.expectRevert(_code("23"));
        aTokenOf[address(weth)].transferUnderlyingTo(alice, 1);

        vm.prank(alice);
        vm.expectRevert(_code("1")); // CALLER_NOT_POOL_ADMIN
        pool.configureReserve(address(weth), 0, 0, 0, 0, false);
        vm.expectRevert(_code("61")); // RESERVE_ALREADY_INITIALIZED
        pool.initReserve(address(weth), address(1), address(0), address(2), address(3));
    }
}

interface AToken_ {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address user) external view returns (uint256);
}
