// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {UD60x18} from "../../src/premia/libraries/FixedPoint.sol";
import {VolatilityOracle} from "../../src/premia/VolatilityOracle.sol";
import {IVolatilityOracle} from "../../src/premia/interfaces/IVolatilityOracle.sol";

contract VolatilityOracleTest is Test {
    address internal constant TOKEN = address(0x7E7);
    VolatilityOracle internal oracle;

    function setUp() public {
        oracle = new VolatilityOracle();
    }

    function _get(uint256 spot, uint256 strike, uint256 time) internal view returns (uint256) {
        return UD60x18.unwrap(oracle.getVolatility(TOKEN, UD60x18.wrap(spot), UD60x18.wrap(strike), UD60x18.wrap(time)));
    }

    function test_worldSetsAFlatVolatilityPerToken() public {
        vm.expectEmit(true, false, false, true, address(oracle));
        emit VolatilityOracle.UpdateVolatility(TOKEN, UD60x18.wrap(0.85e18));
        oracle.setVolatility(TOKEN, UD60x18.wrap(0.85e18));
        assertEq(_get(3000e18, 2000e18, 0.01e18), 0.85e18, "any strike");
        assertEq(_get(3000e18, 5000e18, 0.9e18), 0.85e18, "any maturity");
        oracle.setRiskFreeRate(UD60x18.wrap(0.04e18));
        assertEq(UD60x18.unwrap(oracle.getRiskFreeRate()), 0.04e18, "rate");
    }

    function test_inputsAreValidatedWithRealErrors() public {
        vm.expectRevert(IVolatilityOracle.VolatilityOracle__SpotIsZero.selector);
        _get(0, 1e18, 1e18);
        vm.expectRevert(IVolatilityOracle.VolatilityOracle__StrikeIsZero.selector);
        _get(1e18, 0, 1e18);
        vm.expectRevert(IVolatilityOracle.VolatilityOracle__TimeToMaturityIsZero.selector);
        _get(1e18, 1e18, 0);
        UD60x18[] memory strikes = new UD60x18[](2);
        UD60x18[] memory times = new UD60x18[](1);
        vm.expectRevert(IVolatilityOracle.VolatilityOracle__ArrayLengthMismatch.selector);
        oracle.getVolatility(TOKEN, UD60x18.wrap(1e18), strikes, times);
    }

    function test_onlyTheOwnerSetsBoundedValues() public {
        vm.expectRevert(abi.encodeWithSelector(IVolatilityOracle.VolatilityOracle__OutOfBounds.selector, int256(11e18)));
        oracle.setVolatility(TOKEN, UD60x18.wrap(11e18));
        vm.prank(address(0xBAD));
        vm.expectRevert();
        oracle.setVolatility(TOKEN, UD60x18.wrap(0.5e18));
    }
}
