// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {OptionMath} from "../../src/premia/libraries/OptionMath.sol";
import {Dates} from "../../src/premia/libraries/Dates.sol";
import {PoolName} from "../../src/premia/libraries/PoolName.sol";

/// Reference values are from an independent implementation: mpmath 1.3 at 50 significant digits
/// (mp.ncdf, mp.log, mp.exp and the textbook Black-Scholes formula), rounded to the last unit shown.
contract OptionMathTest is Test {
    int256 internal constant RAY = 1e27;
    uint256 internal constant REL_1E9 = 1e9; // 1e-9 relative, in assertApproxEqRel's 1e18 scale

    function _years(uint256 daysOut) internal pure returns (uint256) {
        return daysOut * 1 days * 1e18 / 365 days;
    }

    function _assertRay(int256 actual, int256 expected, int256 tolerance, string memory what) internal pure {
        int256 diff = actual > expected ? actual - expected : expected - actual;
        if (diff > tolerance) assertEq(actual, expected, what);
    }

    function test_blackScholesMatchesReferencePrices() public pure {
        // S=3000, K=3200, T=30d, sigma=0.7, r=0
        assertApproxEqRel(
            OptionMath.blackScholesPrice(3000e18, 3200e18, _years(30), 0.7e18, 0, true),
            160429284401946994085,
            REL_1E9,
            "call 3000/3200 30d 70%"
        );
        assertApproxEqRel(
            OptionMath.blackScholesPrice(3000e18, 3200e18, _years(30), 0.7e18, 0, false),
            360429284401946994085,
            REL_1E9,
            "put 3000/3200 30d 70%"
        );
        assertApproxEqRel(
            OptionMath.blackScholesPrice(3000e18, 2800e18, _years(7), 0.55e18, 0, false),
            21925382753550781936,
            REL_1E9,
            "put 3000/2800 7d 55%"
        );
        assertApproxEqRel(
            OptionMath.blackScholesPrice(3000e18, 3000e18, _years(1), 0.8e18, 0, true),
            50112162801428427418,
            REL_1E9,
            "call ATM 1d 80%"
        );
        assertApproxEqRel(
            OptionMath.blackScholesPrice(65000e18, 80000e18, _years(90), 0.6e18, 0.05e18, true),
            3267087628186579315089,
            REL_1E9,
            "call 65000/80000 90d 60% r=5%"
        );
        assertApproxEqRel(
            OptionMath.blackScholesPrice(65000e18, 80000e18, _years(90), 0.6e18, 0.05e18, false),
            17286841289042491430870,
            REL_1E9,
            "put 65000/80000 90d 60% r=5%"
        );
        assertApproxEqRel(
            OptionMath.blackScholesPrice(3000e18, 1500e18, _years(2), 0.5e18, 0, true),
            1500e18,
            REL_1E9,
            "deep ITM call"
        );
        assertApproxEqRel(
            OptionMath.blackScholesPrice(3000e18, 6000e18, _years(14), 0.7e18, 0, true),
            22941382051966,
            1e12,
            "deep OTM call (2.29e-5, 1e-6 relative)"
        );
    }

    function test_blackScholesAtExpiryIsIntrinsic() public pure {
        assertEq(OptionMath.blackScholesPrice(3000e18, 2800e18, 0, 0.7e18, 0, true), 200e18, "call intrinsic");
        assertEq(OptionMath.blackScholesPrice(3000e18, 2800e18, 0, 0.7e18, 0, false), 0, "put intrinsic");
    }

    function test_zeroVolReverts() public {
        vm.expectRevert(OptionMath.OptionMath__NonPositiveVol.selector);
        this.price(3000e18, 3200e18, _years(30), 0, true);
    }

    function price(uint256 s, uint256 k, uint256 t, uint256 v, bool isCall) external pure returns (uint256) {
        return OptionMath.blackScholesPrice(s, k, t, v, 0, isCall);
    }

    function test_normalCdfMatchesReference() public pure {
        int256 tolerance = 1e9; // 1e-18 absolute
        _assertRay(OptionMath.normalCdfRay(0), 500000000000000000000000000, tolerance, "N(0)");
        _assertRay(OptionMath.normalCdfRay(0.5e27), 691462461274013103637704611, tolerance, "N(0.5)");
        _assertRay(OptionMath.normalCdfRay(-1.25e27), 105649773666855257688772764, tolerance, "N(-1.25)");
        _assertRay(OptionMath.normalCdfRay(2e27), 977249868051820792799717363, tolerance, "N(2)");
        _assertRay(OptionMath.normalCdfRay(-3.7e27), 107799733477388336937469, tolerance, "N(-3.7)");
        _assertRay(OptionMath.normalCdfRay(6e27), 999999999013412354962301859, tolerance, "N(6)");
        _assertRay(OptionMath.normalCdfRay(-8.5e27), 9479534822, tolerance, "N(-8.5)");
        assertEq(OptionMath.normalCdfRay(-10e27), 0, "N(-10) clamps");
        assertEq(OptionMath.normalCdfRay(10e27), RAY, "N(10) clamps");
    }

    function test_lnAndExpMatchReference() public pure {
        int256 tolerance = 1e3; // 1e-24 absolute
        _assertRay(OptionMath.lnRay(RAY), 0, tolerance, "ln 1");
        _assertRay(OptionMath.lnRay(2e27), 693147180559945309417232121, tolerance, "ln 2");
        _assertRay(OptionMath.lnRay(1.5e27), 405465108108164381978013115, tolerance, "ln 1.5");
        _assertRay(OptionMath.lnRay(0.001e27), -6907755278982137052053974364, tolerance, "ln 0.001");
        _assertRay(OptionMath.lnRay(123.456e27), 4815884817283263883109232105, tolerance, "ln 123.456");
        _assertRay(OptionMath.lnRay(1e18), -20723265836946411156161923092, tolerance, "ln 1e-9");
        _assertRay(OptionMath.expRay(RAY), 2718281828459045235360287471, tolerance, "e^1");
        _assertRay(OptionMath.expRay(-RAY), 367879441171442321595523770, tolerance, "e^-1");
        _assertRay(OptionMath.expRay(0.5e27), 1648721270700128146848650788, tolerance, "e^0.5");
        _assertRay(OptionMath.expRay(-20.5e27), 1250152866386742629, tolerance, "e^-20.5");
        _assertRay(OptionMath.expRay(-40.5e27), 2576757109, tolerance, "e^-40.5");
        _assertRay(OptionMath.expRay(10e27), 22026465794806716516957900645284, 1e8, "e^10 (1e-23 relative)");
    }

    /// C - P = S - K e^(-rT): the CDF is exactly symmetric, so parity holds to rounding.
    function testFuzz_putCallParity(uint256 spot, uint256 strike, uint256 daysOut, uint256 vol) public pure {
        spot = 100e18 + spot % 100_000e18;
        strike = spot / 2 + strike % (spot * 3 / 2);
        daysOut = 1 + daysOut % 365;
        vol = 0.05e18 + vol % 3e18;
        uint256 callPrice = OptionMath.blackScholesPrice(spot, strike, _years(daysOut), vol, 0, true);
        uint256 putPrice = OptionMath.blackScholesPrice(spot, strike, _years(daysOut), vol, 0, false);
        assertApproxEqAbs(callPrice + strike, putPrice + spot, 2, "parity");
        assertLe(callPrice, spot, "call <= spot");
        assertLe(putPrice, strike, "put <= strike");
        if (spot > strike) assertGe(callPrice + 1, spot - strike, "call >= intrinsic");
    }

    function test_strikeIntervalIsPremiasGrid() public pure {
        assertEq(OptionMath.calculateStrikeInterval(3200e18), 100e18, "3200 -> 100");
        assertEq(OptionMath.calculateStrikeInterval(999e18), 10e18, "999 -> 10");
        assertEq(OptionMath.calculateStrikeInterval(65000e18), 1000e18, "65000 -> 1000");
        assertEq(OptionMath.calculateStrikeInterval(0.5e18), 0.01e18, "0.5 -> 0.01");
    }

    function test_scaleDecimals() public pure {
        assertEq(OptionMath.scaleDecimals(1234.5678909e18, 18, 6), 1234.567890e6, "18 -> 6 truncates");
        assertEq(OptionMath.scaleDecimals(1e6, 6, 18), 1e18, "6 -> 18");
    }

    function test_datesAndMaturityRules() public pure {
        (uint256 year, uint256 month, uint256 day) = Dates.toDate(1_800_000_000);
        assertEq(year * 10_000 + month * 100 + day, 20270115, "2027-01-15");
        (year, month, day) = Dates.toDate(951_782_400); // 2000-02-29 00:00 UTC
        assertEq(year * 10_000 + month * 100 + day, 20000229, "leap day 2000");
        assertTrue(Dates.is8AMUTC(1_800_000_000), "08:00 UTC");
        assertTrue(Dates.isFriday(1_800_000_000), "2027-01-15 is a Friday");
        assertTrue(!Dates.isFriday(1_800_000_000 + 1 days), "Saturday");
        assertTrue(Dates.isLastFriday(1_800_000_000 + 14 days), "2027-01-29 is the last Friday of January");
        assertTrue(!Dates.isLastFriday(1_800_000_000 + 7 days), "2027-01-22 is not");
    }

    function test_poolNameFormat() public pure {
        assertEq(keccak256(bytes(PoolName.maturityToString(1_800_000_000))), keccak256("15JAN2027"), "maturity");
        assertEq(keccak256(bytes(PoolName.strikeToString(3200e18))), keccak256("3200"), "strike");
        assertEq(keccak256(bytes(PoolName.strikeToString(1500.5e18))), keccak256("1500.5"), "strike .5");
        assertEq(keccak256(bytes(PoolName.strikeToString(0.05e18))), keccak256("0.05"), "strike < 1");
    }
}
