// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Implied-volatility oracle of the local world. Mirrors the read side of
// Premian-Labs/v3-contracts (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d),
// contracts/oracle/IVolatilityOracle.sol: getVolatility (both overloads), getRiskFreeRate and the
// input-validation errors, with identical selectors.
// Deviation: the real oracle evaluates an eSSVI surface whose parameters relayers push through
// updateParams(...). The local world's market driver sets one flat volatility per base token
// instead (setVolatility, setRiskFreeRate: non-real, owner only), so every strike and maturity of a
// token is priced at the same vol and an off-chain Black-Scholes with that vol reproduces the marks.

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {UD60x18} from "./libraries/FixedPoint.sol";
import {IVolatilityOracle} from "./interfaces/IVolatilityOracle.sol";

contract VolatilityOracle is IVolatilityOracle, Ownable {
    /// Non-real: emitted when the world changes a token's volatility (18 decimals, 1e18 = 100%).
    event UpdateVolatility(address indexed token, UD60x18 volatility);
    /// Non-real: emitted when the world changes the risk-free rate (18 decimals).
    event UpdateRiskFreeRate(UD60x18 riskFreeRate);

    mapping(address token => UD60x18) private _volatility;
    UD60x18 private _riskFreeRate;

    constructor() Ownable(msg.sender) {}

    /// Non-real: set the flat annualized implied volatility of `token` (1e18 = 100%; 0 disables pricing).
    function setVolatility(address token, UD60x18 volatility) external onlyOwner {
        if (UD60x18.unwrap(volatility) > 10e18) revert VolatilityOracle__OutOfBounds(int256(UD60x18.unwrap(volatility)));
        _volatility[token] = volatility;
        emit UpdateVolatility(token, volatility);
    }

    /// Non-real: set the annual risk-free rate used by the pools' Black-Scholes (18 decimals).
    function setRiskFreeRate(UD60x18 riskFreeRate) external onlyOwner {
        if (UD60x18.unwrap(riskFreeRate) > 1e18) revert VolatilityOracle__OutOfBounds(int256(UD60x18.unwrap(riskFreeRate)));
        _riskFreeRate = riskFreeRate;
        emit UpdateRiskFreeRate(riskFreeRate);
    }

    function getVolatility(address token, UD60x18 spot, UD60x18 strike, UD60x18 timeToMaturity)
        public
        view
        returns (UD60x18)
    {
        if (UD60x18.unwrap(spot) == 0) revert VolatilityOracle__SpotIsZero();
        if (UD60x18.unwrap(strike) == 0) revert VolatilityOracle__StrikeIsZero();
        if (UD60x18.unwrap(timeToMaturity) == 0) revert VolatilityOracle__TimeToMaturityIsZero();
        return _volatility[token];
    }

    function getVolatility(address token, UD60x18 spot, UD60x18[] memory strike, UD60x18[] memory timeToMaturity)
        external
        view
        returns (UD60x18[] memory volatilities)
    {
        if (strike.length != timeToMaturity.length) revert VolatilityOracle__ArrayLengthMismatch();
        volatilities = new UD60x18[](strike.length);
        for (uint256 i = 0; i < strike.length; i++) {
            volatilities[i] = getVolatility(token, spot, strike[i], timeToMaturity[i]);
        }
    }

    function getRiskFreeRate() external view returns (UD60x18) {
        return _riskFreeRate;
    }
}
