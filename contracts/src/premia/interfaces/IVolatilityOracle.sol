// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Mirrors the read side of Premian-Labs/v3-contracts (rev fe3b821), contracts/oracle/IVolatilityOracle.sol:
// both getVolatility overloads, getRiskFreeRate and the input errors. The real oracle is fed eSSVI
// surface parameters by relayers through updateParams; that write side is not mirrored (the local
// world sets a flat volatility per base token instead, see VolatilityOracle.sol).

import {UD60x18} from "../libraries/FixedPoint.sol";

interface IVolatilityOracle {
    error VolatilityOracle__ArrayLengthMismatch();
    error VolatilityOracle__OutOfBounds(int256 value);
    error VolatilityOracle__SpotIsZero();
    error VolatilityOracle__StrikeIsZero();
    error VolatilityOracle__TimeToMaturityIsZero();

    /// Annualized implied volatility (1e18 = 100%) of `token` for a strike and a time to maturity in years.
    function getVolatility(address token, UD60x18 spot, UD60x18 strike, UD60x18 timeToMaturity)
        external
        view
        returns (UD60x18);

    function getVolatility(address token, UD60x18 spot, UD60x18[] memory strike, UD60x18[] memory timeToMaturity)
        external
        view
        returns (UD60x18[] memory);

    /// Annual risk-free rate (18 decimals).
    function getRiskFreeRate() external view returns (UD60x18);
}
