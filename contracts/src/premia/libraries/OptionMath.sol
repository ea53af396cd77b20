// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Option math of the local world's Premia v3 pools. Function names and units follow
// Premian-Labs/v3-contracts (rev fe3b821), contracts/libraries/OptionMath.sol
// (blackScholesPrice(spot, strike, timeToMaturity, volAnnualized, riskFreeRate, isCall) -> 18 decimals,
// calculateStrikeInterval, scaleDecimals, OptionMath__NonPositiveVol / __OutOfBoundsPrice), but the
// numerics are our own and more precise than the real library (which uses Shore's approximation of
// the normal CDF, ~1e-4 absolute):
//
// * Everything is computed in 27-decimal fixed point ("ray") and rounded to 18 decimals at the end.
// * exp: x = k ln2 + r with |r| <= ln2/2; e^r by its Taylor series (about 25 terms to 1e-27);
//   the 2^k factor is kept apart as a shift so that tiny results keep their relative precision.
// * ln: x = m 2^k with m in [1, 2); ln m = 2 atanh(z), z = (m - c)/(m + c), c = 1 or 2 so that
//   |z| <= 0.172; odd-power series to 1e-27.
// * Normal CDF (Marsaglia 2004, "Evaluating the Normal Distribution"):
//   Phi(x) = 1/2 + phi(x) (x + x^3/3 + x^5/(3*5) + ...). Every term is positive, so there is no
//   cancellation; phi's 2^k factor is applied after the product. Phi(-x) = 1 - Phi(x) exactly, so
//   put-call parity holds to the last unit. |x| >= 9 is clamped (Phi(-9) ~ 1.1e-19 < 1e-18).
// * sqrt: integer square root (OpenZeppelin Math.sqrt) of x * 1e27.
// The result is accurate to ~1e-20 absolute in normalized terms, far inside the 1e-9 relative
// target; the forge tests check it against mpmath values.

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

library OptionMath {
    int256 internal constant WAD = 1e18;
    int256 internal constant RAY = 1e27;
    int256 internal constant WAD_TO_RAY = 1e9;
    int256 internal constant LN2_RAY = 693147180559945309417232121;
    int256 internal constant SQRT2_RAY = 1414213562373095048801688724;
    int256 internal constant SQRT_2PI_RAY = 2506628274631000502415765285;
    int256 internal constant CDF_CLAMP_RAY = 9e27;
    uint256 internal constant ONE_YEAR = 365 days;

    uint256 internal constant MIN_INPUT_PRICE = 1e1;
    uint256 internal constant MAX_INPUT_PRICE = 1e34;

    error OptionMath__NonPositiveVol();
    error OptionMath__OutOfBoundsPrice(uint256 min, uint256 max, uint256 price);
    error OptionMath__ExpOverflow(int256 x);
    error OptionMath__LnOfNonPositive(int256 x);

    // ------------------------------------------------------------------ Black-Scholes

    /// Black-Scholes price in quote per unit of base (18 decimals). Inputs are 18 decimals:
    /// spot and strike in quote, time to maturity in years, volatility and rate annualized (1e18 = 100%).
    function blackScholesPrice(
        uint256 spot,
        uint256 strike,
        uint256 timeToMaturity,
        uint256 volAnnualized,
        uint256 riskFreeRate,
        bool isCall
    ) internal pure returns (uint256) {
        if (volAnnualized == 0) revert OptionMath__NonPositiveVol();
        int256 s = _toRay(spot);
        int256 k = _toRay(strike);
        if (timeToMaturity == 0) return _toWad(isCall ? _relu(s - k) : _relu(k - s));

        int256 t = _toRay(timeToMaturity);
        int256 sigmaSqrtT = _toRay(volAnnualized) * sqrtRay(t) / RAY;
        int256 rate = _toRay(riskFreeRate);
        int256 drift = (rate + _toRay(volAnnualized) * _toRay(volAnnualized) / (2 * RAY)) * t / RAY;
        int256 d1 = (lnRay(s * RAY / k) + drift) * RAY / sigmaSqrtT;
        int256 d2 = d1 - sigmaSqrtT;
        int256 discountedStrike = k * expRay(-rate * t / RAY) / RAY;

        int256 price = isCall
            ? (s * normalCdfRay(d1) - discountedStrike * normalCdfRay(d2)) / RAY
            : (discountedStrike * normalCdfRay(-d2) - s * normalCdfRay(-d1)) / RAY;
        return _toWad(_relu(price));
    }

    /// Black-Scholes price normalized per contract of collateral (18 decimals): a call's price in base
    /// (price / spot), a put's price in units of strike (price / strike). This is Premia's
    /// "normalized premium": a call contract is collateralized by 1 base, a put by `strike` quote.
    function normalizedPrice(
        uint256 spot,
        uint256 strike,
        uint256 timeToMaturity,
        uint256 volAnnualized,
        uint256 riskFreeRate,
        bool isCall
    ) internal pure returns (uint256) {
        uint256 price = blackScholesPrice(spot, strike, timeToMaturity, volAnnualized, riskFreeRate, isCall);
        return Math.mulDiv(price, 1e18, isCall ? spot : strike);
    }

    /// Years (18 decimals) from `nowTimestamp` to `maturity`, with Premia's ONE_YEAR = 365 days.
    function yearsUntil(uint256 maturity, uint256 nowTimestamp) internal pure returns (uint256) {
        if (maturity <= nowTimestamp) return 0;
        return (maturity - nowTimestamp) * 1e18 / ONE_YEAR;
    }

    // ------------------------------------------------------------------ Premia helpers

    /// Strike grid of Premia v3: 10^(floor(log10(strike)) - 1), in 18 decimals.
    function calculateStrikeInterval(uint256 strike) internal pure returns (uint256) {
        if (strike < MIN_INPUT_PRICE || strike > MAX_INPUT_PRICE) {
            revert OptionMath__OutOfBoundsPrice(MIN_INPUT_PRICE, MAX_INPUT_PRICE, strike);
        }
        return 10 ** (Math.log10(strike) - 1);
    }

    /// Convert `value` from `inputDecimals` to `targetDecimals`, truncating.
    function scaleDecimals(uint256 value, uint8 inputDecimals, uint8 targetDecimals) internal pure returns (uint256) {
        if (targetDecimals == inputDecimals) return value;
        if (targetDecimals > inputDecimals) return value * 10 ** (targetDecimals - inputDecimals);
        return value / 10 ** (inputDecimals - targetDecimals);
    }

    // ------------------------------------------------------------------ ray math

    /// Standard normal CDF of `x` (27 decimals in and out).
    function normalCdfRay(int256 x) internal pure returns (int256) {
        if (x >= CDF_CLAMP_RAY) return RAY;
        if (x <= -CDF_CLAMP_RAY) return 0;
        int256 absX = x < 0 ? -x : x;
        int256 xSquared = absX * absX / RAY;

        // Marsaglia's series: absX + absX^3/3 + absX^5/(3*5) + ...
        int256 term = absX;
        int256 series = absX;
        for (int256 odd = 3; term != 0; odd += 2) {
            term = term * xSquared / RAY / odd;
            series += term;
        }

        // phi(absX) = e^(-absX^2/2) / sqrt(2 pi), with e^(..) = mantissa * 2^shift (shift <= 0)
        (int256 mantissa, int256 shift) = _expParts(-xSquared / 2);
        int256 halfWidth = (series * mantissa / SQRT_2PI_RAY) >> uint256(-shift);
        return x >= 0 ? RAY / 2 + halfWidth : RAY / 2 - halfWidth;
    }

    /// e^x (27 decimals in and out); x <= 100.
    function expRay(int256 x) internal pure returns (int256) {
        (int256 mantissa, int256 shift) = _expParts(x);
        return shift >= 0 ? mantissa << uint256(shift) : mantissa >> uint256(-shift);
    }

    /// Natural logarithm of `x` > 0 (27 decimals in and out).
    function lnRay(int256 x) internal pure returns (int256) {
        if (x <= 0) revert OptionMath__LnOfNonPositive(x);
        uint256 ux = uint256(x);
        // m = x / 2^k within [RAY, 2 RAY)
        int256 k = int256(Math.log2(ux)) - int256(Math.log2(uint256(RAY)));
        uint256 m = k >= 0 ? ux >> uint256(k) : ux << uint256(-k);
        while (m >= 2 * uint256(RAY)) {
            m >>= 1;
            k += 1;
        }
        while (m < uint256(RAY)) {
            m <<= 1;
            k -= 1;
        }
        // ln m = ln c + 2 atanh((m - c)/(m + c)) with c = 2 when m > sqrt 2, keeping |z| <= 0.172
        int256 c = int256(m) > SQRT2_RAY ? 2 * RAY : RAY;
        if (c == 2 * RAY) k += 1;
        int256 z = (int256(m) - c) * RAY / (int256(m) + c);
        int256 zSquared = z * z / RAY;
        int256 power = z;
        int256 series = 0;
        for (int256 odd = 1; power != 0; odd += 2) {
            series += power / odd;
            power = power * zSquared / RAY;
        }
        return k * LN2_RAY + 2 * series;
    }

    /// Square root of `x` >= 0 (27 decimals in and out).
    function sqrtRay(int256 x) internal pure returns (int256) {
        return int256(Math.sqrt(uint256(x) * uint256(RAY)));
    }

    /// e^x = mantissa * 2^shift with mantissa in ray around [0.7, 1.42].
    function _expParts(int256 x) private pure returns (int256 mantissa, int256 shift) {
        if (x > 100 * RAY) revert OptionMath__ExpOverflow(x);
        shift = (x >= 0 ? x + LN2_RAY / 2 : x - LN2_RAY / 2) / LN2_RAY;
        int256 r = x - shift * LN2_RAY;
        int256 term = RAY;
        mantissa = RAY;
        for (int256 n = 1; term != 0; ++n) {
            term = term * r / RAY / n;
            mantissa += term;
        }
    }

    function _toRay(uint256 wad) private pure returns (int256) {
        return int256(wad) * WAD_TO_RAY;
    }

    /// Round a non-negative ray to the nearest wad.
    function _toWad(int256 ray) private pure returns (uint256) {
        return uint256((ray + WAD_TO_RAY / 2) / WAD_TO_RAY);
    }

    function _relu(int256 x) private pure returns (int256) {
        return x > 0 ? x : int256(0);
    }
}
