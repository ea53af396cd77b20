// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Fixed-point math of the local world's Aave v3 market, with the same rounding as
// aave/aave-v3-core (v3.0): contracts/protocol/libraries/math/WadRayMath.sol (half-up rounding),
// PercentageMath.sol (basis points, half-up) and MathUtils.sol (linear interest for the
// liquidity index; the three-term binomial approximation of compounding for the borrow index).
// Written here from the formulas; no code copied.

/// WAD = 1e18 and RAY = 1e27 fixed point; every product and quotient rounds half up.
library WadRayMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant WAD_RAY_RATIO = 1e9;

    function wadMul(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * b + WAD / 2) / WAD;
    }

    function wadDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * WAD + b / 2) / b;
    }

    function rayMul(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * b + RAY / 2) / RAY;
    }

    function rayDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * RAY + b / 2) / b;
    }

    function wadToRay(uint256 a) internal pure returns (uint256) {
        return a * WAD_RAY_RATIO;
    }
}

/// Percentages in basis points (1e4 = 100%), rounding half up.
library PercentageMath {
    uint256 internal constant PERCENTAGE_FACTOR = 1e4;

    function percentMul(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return (value * percentage + PERCENTAGE_FACTOR / 2) / PERCENTAGE_FACTOR;
    }

    function percentDiv(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return (value * PERCENTAGE_FACTOR + percentage / 2) / percentage;
    }
}

/// Interest accumulation factors in ray for a yearly rate in ray.
library MathUtils {
    using WadRayMath for uint256;

    /// A year of 365 days, leap years ignored, as Aave does.
    uint256 internal constant SECONDS_PER_YEAR = 365 days;

    /// 1 + rate * dt / year: simple interest, used for the supply (liquidity) index.
    function calculateLinearInterest(uint256 rate, uint40 lastUpdateTimestamp) internal view returns (uint256) {
        uint256 elapsed = block.timestamp - uint256(lastUpdateTimestamp);
        return WadRayMath.RAY + (rate * elapsed) / SECONDS_PER_YEAR;
    }

    /// (1 + rate/year)^n approximated by its binomial expansion to the cubic term:
    /// 1 + n x + n(n-1)/2 x^2 + n(n-1)(n-2)/6 x^3 with x = rate per second and n seconds.
    /// Slightly undershoots exact compounding, exactly like Aave's borrow index.
    function calculateCompoundedInterest(uint256 rate, uint40 lastUpdateTimestamp, uint256 currentTimestamp)
        internal
        pure
        returns (uint256)
    {
        uint256 n = currentTimestamp - uint256(lastUpdateTimestamp);
        if (n == 0) return WadRayMath.RAY;
        uint256 nMinusOne = n - 1;
        uint256 nMinusTwo = n > 2 ? n - 2 : 0;
        uint256 ratePerSecondSquared = rate.rayMul(rate) / (SECONDS_PER_YEAR * SECONDS_PER_YEAR);
        uint256 ratePerSecondCubed = ratePerSecondSquared.rayMul(rate) / SECONDS_PER_YEAR;
        uint256 second = (n * nMinusOne * ratePerSecondSquared) / 2;
        uint256 third = (n * nMinusOne * nMinusTwo * ratePerSecondCubed) / 6;
        return WadRayMath.RAY + (rate * n) / SECONDS_PER_YEAR + second + third;
    }

    function calculateCompoundedInterest(uint256 rate, uint40 lastUpdateTimestamp) internal view returns (uint256) {
        return calculateCompoundedInterest(rate, lastUpdateTimestamp, block.timestamp);
    }
}
