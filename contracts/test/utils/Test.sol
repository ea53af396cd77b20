// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";

/// Minimal test base: the cheatcode handle and assertions that say what differed.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function _fail(string memory what, string memory a, string memory b) private pure {
        revert(string.concat(what, ": left=", a, " right=", b));
    }

    function assertTrue(bool value, string memory what) internal pure {
        if (!value) revert(string.concat(what, ": expected true"));
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) _fail(what, _str(a), _str(b));
    }

    function assertEq(int256 a, int256 b, string memory what) internal pure {
        if (a != b) _fail(what, _str(a), _str(b));
    }

    function assertEq(address a, address b, string memory what) internal pure {
        if (a != b) _fail(what, _str(uint256(uint160(a))), _str(uint256(uint160(b))));
    }

    function assertEq(bool a, bool b, string memory what) internal pure {
        if (a != b) _fail(what, a ? "true" : "false", b ? "true" : "false");
    }

    function assertEq(bytes32 a, bytes32 b, string memory what) internal pure {
        if (a != b) _fail(what, _str(uint256(a)), _str(uint256(b)));
    }

    function assertLt(uint256 a, uint256 b, string memory what) internal pure {
        if (!(a < b)) _fail(string.concat(what, " (expected left < right)"), _str(a), _str(b));
    }

    function assertGt(uint256 a, uint256 b, string memory what) internal pure {
        if (!(a > b)) _fail(string.concat(what, " (expected left > right)"), _str(a), _str(b));
    }

    function assertLe(uint256 a, uint256 b, string memory what) internal pure {
        if (!(a <= b)) _fail(string.concat(what, " (expected left <= right)"), _str(a), _str(b));
    }

    function assertGe(uint256 a, uint256 b, string memory what) internal pure {
        if (!(a >= b)) _fail(string.concat(what, " (expected left >= right)"), _str(a), _str(b));
    }

    /// |a - b| <= maxDelta
    function assertApproxEqAbs(uint256 a, uint256 b, uint256 maxDelta, string memory what) internal pure {
        uint256 delta = a > b ? a - b : b - a;
        if (delta > maxDelta) _fail(string.concat(what, " (beyond tolerance)"), _str(a), _str(b));
    }

    /// |a - b| <= b * maxRelWad / 1e18
    function assertApproxEqRel(uint256 a, uint256 b, uint256 maxRelWad, string memory what) internal pure {
        uint256 delta = a > b ? a - b : b - a;
        if (delta * 1e18 > b * maxRelWad) _fail(string.concat(what, " (beyond relative tolerance)"), _str(a), _str(b));
    }

    function _str(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) digits++;
        bytes memory buffer = new bytes(digits);
        for (; value != 0; value /= 10) buffer[--digits] = bytes1(uint8(48 + value % 10));
        return string(buffer);
    }

    function _str(int256 value) internal pure returns (string memory) {
        if (value >= 0) return _str(uint256(value));
        return string.concat("-", _str(uint256(-value)));
    }
}
