// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Interest of the local Aave v3 market: the kinked rate model, index accrual against
// independent formulas, borrower debt growth, supplier earnings and the treasury's share.

import {AaveFixture} from "./AaveFixture.sol";
import {Pool} from "../../src/aave/Pool.sol";
import {DataTypes} from "../../src/aave/DataTypes.sol";

contract AaveInterestTest is AaveFixture {
    uint256 internal constant YEAR = 365 days;

    function setUp() public override {
        super.setUp();
        _supply(bob, address(usdc), 1_000_000e6);
        _supply(alice, address(weth), 1000e18); // $2M of collateral, $1.6M borrowable
    }

    function _rates(address asset) internal view returns (uint256 liquidityRate, uint256 variableRate) {
        DataTypes.ReserveDataLegacy memory reserve = pool.getReserveData(asset);
        return (reserve.currentLiquidityRate, reserve.currentVariableBorrowRate);
    }

    /// e^x for x in ray, by its Taylor series (independent of the pool's 3-term approximation).
    function _expRay(uint256 x) internal pure returns (uint256 sum) {
        uint256 term = RAY;
        sum = RAY;
        for (uint256 k = 1; k < 20; k++) {
            term = term * x / RAY / k;
            sum += term;
        }
    }

    function test_ratesFollowTheKinkedUtilizationModel() public {
        (uint256 liquidityRate, uint256 variableRate) = _rates(address(usdc));
        assertEq(variableRate, 0, "no debt: base rate 0");
        assertEq(liquidityRate, 0, "no debt: suppliers earn nothing");

        _borrow(alice, address(usdc), 450_000e6); // U = 45%
        (liquidityRate, variableRate) = _rates(address(usdc));
        assertEq(variableRate, 0.03e27, "6% x 0.45 / 0.9");
        assertEq(liquidityRate, 0.03e27 * 45 / 100 * 90 / 100, "rate x U x (1 - 10% reserve factor)");

        _borrow(alice, address(usdc), 450_000e6); // U = 90%, at the kink
        (, variableRate) = _rates(address(usdc));
        assertEq(variableRate, 0.06e27, "slope1 in full at the optimal ratio");

        _borrow(alice, address(usdc), 50_000e6); // U = 95%
        (liquidityRate, variableRate) = _rates(address(usdc));
        assertEq(variableRate, 0.36e27, "6% + 60% x (0.95 - 0.9) / (1 - 0.9)");
        assertEq(liquidityRate, 0.36e27 * 95 / 100 * 90 / 100, "supply rate above the kink");

        // Below the kink 45 points of utilisation added 3%; above it 5 points add 30%.
        _fund(alice, address(usdc), 950_000e6);
        vm.prank(alice);
        pool.repay(address(usdc), 500_000e6, VARIABLE, alice); // back to U = 45%
        (, variableRate) = _rates(address(usdc));
        assertEq(variableRate, 0.03e27, "repaying lowers the rate");

        _supply(bob, address(usdc), 1_000_000e6); // U = 450k / 2M = 22.5%
        (, variableRate) = _rates(address(usdc));
        assertEq(variableRate, 0.015e27, "new supply lowers the rate");
    }

    function test_borrowIndexCompoundsLikeAaveOverAYear() public {
        _borrow(alice, address(usdc), 500_000e6); // U = 50%
        (, uint256 rate) = _rates(address(usdc));
        assertApproxEqAbs(rate, uint256(0.06e27) * 10 / 18, 1, "6% x 0.5 / 0.9");
        uint256 start = block.timestamp;
        vm.warp(start + YEAR);

        uint256 index = pool.getReserveNormalizedVariableDebt(address(usdc));
        // MathUtils.calculateCompoundedInterest written out term by term.
        uint256 n = YEAR;
        uint256 perSecondSquared = (rate * rate + RAY / 2) / RAY / (YEAR * YEAR);
        uint256 perSecondCubed = (perSecondSquared * rate + RAY / 2) / RAY / YEAR;
        uint256 expected =
            RAY + rate * n / YEAR + n * (n - 1) * perSecondSquared / 2 + n * (n - 1) * (n - 2) * perSecondCubed / 6;
        assertApproxEqAbs(index, expected, 1e3, "three-term binomial approximation");
        // Against true continuous compounding: within 2e-6 and below it (the dropped fourth
        // term, and Aave's integer per-second cube, ~1.18 wei truncated to 1 at this rate),
        // yet far above simple interest (which would be 5.6e-4 lower).
        uint256 exact = _expRay(rate);
        assertApproxEqRel(index, exact, 2e12, "close to e^r");
        assertLt(index, exact, "the approximation undershoots");
        assertGt(index, RAY + rate + rate * rate / RAY / 2 - rate * rate / RAY / 1000, "compounded, not linear");

        uint256 debt = debtTokenOf[address(usdc)].balanceOf(alice);
        assertApproxEqAbs(debt, 500_000e6 * index / RAY, 1, "debt = scaled debt x index");
        assertGt(debt, 500_000e6 + 500_000e6 * rate / RAY, "more than simple interest");
        (, uint256 totalDebtBase,,,,) = pool.getUserAccountData(alice);
        assertEq(totalDebtBase, debt * 1e8 / 1e6, "account data sees the accrued debt");
    }

    function test_liquidityIndexGrowsLinearlyAndSuppliersEarn() public {
        _borrow(alice, address(usdc), 500_000e6);
        (uint256 liquidityRate,) = _rates(address(usdc));
        assertApproxEqAbs(liquidityRate, 0.015e27, 1e3, "3.33% x 50% x 90%");

        vm.warp(block.timestamp + YEAR / 2);
        uint256 income = pool.getReserveNormalizedIncome(address(usdc));
        assertEq(income, RAY + liquidityRate / 2, "half a year of simple interest");
        assertApproxEqAbs(aTokenOf[address(usdc)].balanceOf(bob), 1_000_000e6 * income / RAY, 1, "supplier balance");

        // Touching the reserve stores the accrued index; nothing jumps.
        _supply(liquidator, address(usdc), 1e6);
        DataTypes.ReserveDataLegacy memory reserve = pool.getReserveData(address(usdc));
        assertEq(reserve.liquidityIndex, income, "stored index equals the normalized income");
        assertEq(reserve.lastUpdateTimestamp, block.timestamp, "timestamp stored");
        assertEq(pool.getReserveNormalizedIncome(address(usdc)), income, "same block: no further growth");

        vm.warp(block.timestamp + YEAR / 2);
        (uint256 newLiquidityRate,) = _rates(address(usdc));
        uint256 secondHalf = RAY + newLiquidityRate / 2;
        assertApproxEqAbs(
            pool.getReserveNormalizedIncome(address(usdc)),
            income * secondHalf / RAY,
            1,
            "compounds per touch, linear between touches"
        );

        uint256 supplierGain = aTokenOf[address(usdc)].balanceOf(bob) - 1_000_000e6;
        uint256 borrowerCost = debtTokenOf[address(usdc)].balanceOf(alice) - 500_000e6;
        assertGt(supplierGain, 0, "suppliers earn");
        assertLt(supplierGain, borrowerCost, "suppliers earn less than borrowers pay");
        assertApproxEqRel(supplierGain, borrowerCost * 90 / 100, 0.01e18, "about (1 - reserve factor) of it");
    }

    function test_noDebtNoIndexGrowth() public {
        vm.warp(block.timestamp + YEAR);
        assertEq(pool.getReserveNormalizedIncome(address(usdc)), RAY, "no income without borrowers");
        assertEq(pool.getReserveNormalizedVariableDebt(address(usdc)), RAY, "no debt index growth");
        _supply(bob, address(usdc), 1e6);
        DataTypes.ReserveDataLegacy memory reserve = pool.getReserveData(address(usdc));
        assertEq(reserve.liquidityIndex, RAY, "stored liquidity index");
        assertEq(reserve.variableBorrowIndex, RAY, "stored borrow index");
    }

    function test_reserveFactorAccruesToTheTreasury() public {
        _borrow(alice, address(usdc), 500_000e6);
        vm.warp(block.timestamp + YEAR);
        uint256 index = pool.getReserveNormalizedVariableDebt(address(usdc));
        uint256 interest = 500_000e6 * index / RAY - 500_000e6;

        _supply(liquidator, address(usdc), 1e6); // any action stores the accrual
        DataTypes.ReserveDataLegacy memory reserve = pool.getReserveData(address(usdc));
        uint256 owed = uint256(reserve.accruedToTreasury) * reserve.liquidityIndex / RAY;
        assertApproxEqAbs(owed, interest / 10, 2, "10% reserve factor of the interest");

        address[] memory assets = new address[](1);
        assets[0] = address(usdc);
        vm.expectEmit(true, true, true, false, address(pool));
        emit Pool.MintedToTreasury(address(usdc), owed);
        pool.mintToTreasury(assets);
        assertApproxEqAbs(aTokenOf[address(usdc)].balanceOf(treasury), owed, 1, "treasury holds aTokens");
        assertEq(pool.getReserveData(address(usdc)).accruedToTreasury, 0, "nothing left to mint");

        // Solvency: all aToken claims are covered by cash plus debt.
        uint256 cash = usdc.balanceOf(address(aTokenOf[address(usdc)]));
        uint256 claims = aTokenOf[address(usdc)].totalSupply();
        uint256 assetsHeld = cash + debtTokenOf[address(usdc)].totalSupply();
        assertLe(claims, assetsHeld, "claims covered");
        assertApproxEqRel(claims, assetsHeld, 0.001e18, "and not by much more (linear vs compound)");
    }

    function test_healthFactorDecaysAsInterestAccrues() public {
        _borrow(alice, address(usdc), 1_500_000e6 / 2);
        uint256 before = _healthFactor(alice);
        vm.warp(block.timestamp + 90 days);
        uint256 later = _healthFactor(alice);
        assertLt(later, before, "debt grows, health falls, with no transaction");
        (, uint256 debtBase,,,,) = pool.getUserAccountData(alice);
        assertGt(debtBase, 750_000e8, "debt above principal");
    }
}
