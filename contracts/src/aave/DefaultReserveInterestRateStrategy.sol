// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Kinked utilization rate model of the local world's Aave v3 market, one instance per reserve.
// Mirrors, with identical selectors:
//   aave/aave-v3-core, contracts/interfaces/IReserveInterestRateStrategy.sol
//     calculateInterestRates((uint256,uint256,uint256,uint256,uint256,uint256,uint256,address,address))
//       returns (uint256 liquidityRate, uint256 stableBorrowRate, uint256 variableBorrowRate)
//   aave/aave-v3-core, contracts/interfaces/IDefaultInterestRateStrategy.sol
//     OPTIMAL_USAGE_RATIO(), MAX_EXCESS_USAGE_RATIO(), ADDRESSES_PROVIDER(),
//     getVariableRateSlope1(), getVariableRateSlope2(), getBaseVariableBorrowRate(),
//     getMaxVariableBorrowRate()
// Model (aave-v3-core, contracts/protocol/pool/DefaultReserveInterestRateStrategy.sol), all in ray:
//   U = debt / (available liquidity + debt)
//   U <= U*: variable = base + slope1 * U / U*
//   U >  U*: variable = base + slope1 + slope2 * (U - U*) / (1 - U*)
//   liquidity rate = variable * U * (1 - reserveFactor)
// Deviation: no stable rate. The constructor drops the stable-rate parameters of the real one
// and the stable borrow rate is always 0, as Aave v3.2 reports it after removing stable debt.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {DataTypes} from "./DataTypes.sol";
import {WadRayMath, PercentageMath} from "./Math.sol";
import {Errors} from "./Errors.sol";

contract DefaultReserveInterestRateStrategy {
    using WadRayMath for uint256;
    using PercentageMath for uint256;

    address public immutable ADDRESSES_PROVIDER;
    uint256 public immutable OPTIMAL_USAGE_RATIO;
    uint256 public immutable MAX_EXCESS_USAGE_RATIO;
    uint256 private immutable _baseVariableBorrowRate;
    uint256 private immutable _variableRateSlope1;
    uint256 private immutable _variableRateSlope2;

    /// All arguments in ray (1e27 = 100%), e.g. USDC on mainnet: 0.9e27, 0, 0.04e27, 0.6e27.
    constructor(
        address provider,
        uint256 optimalUsageRatio,
        uint256 baseVariableBorrowRate,
        uint256 variableRateSlope1,
        uint256 variableRateSlope2
    ) {
        require(optimalUsageRatio != 0 && optimalUsageRatio < WadRayMath.RAY, Errors.INVALID_OPTIMAL_USAGE_RATIO);
        ADDRESSES_PROVIDER = provider;
        OPTIMAL_USAGE_RATIO = optimalUsageRatio;
        MAX_EXCESS_USAGE_RATIO = WadRayMath.RAY - optimalUsageRatio;
        _baseVariableBorrowRate = baseVariableBorrowRate;
        _variableRateSlope1 = variableRateSlope1;
        _variableRateSlope2 = variableRateSlope2;
    }

    function getVariableRateSlope1() external view returns (uint256) {
        return _variableRateSlope1;
    }

    function getVariableRateSlope2() external view returns (uint256) {
        return _variableRateSlope2;
    }

    function getBaseVariableBorrowRate() external view returns (uint256) {
        return _baseVariableBorrowRate;
    }

    function getMaxVariableBorrowRate() external view returns (uint256) {
        return _baseVariableBorrowRate + _variableRateSlope1 + _variableRateSlope2;
    }

    function calculateInterestRates(DataTypes.CalculateInterestRatesParams memory params)
        external
        view
        returns (uint256 liquidityRate, uint256 stableBorrowRate, uint256 variableBorrowRate)
    {
        uint256 totalDebt = params.totalStableDebt + params.totalVariableDebt;
        uint256 borrowUsageRatio;
        uint256 supplyUsageRatio;
        if (totalDebt != 0) {
            uint256 availableLiquidity =
                IERC20(params.reserve).balanceOf(params.aToken) + params.liquidityAdded - params.liquidityTaken;
            borrowUsageRatio = totalDebt.rayDiv(availableLiquidity + totalDebt);
            supplyUsageRatio = totalDebt.rayDiv(availableLiquidity + totalDebt + params.unbacked);
        }
        variableBorrowRate = _baseVariableBorrowRate;
        if (borrowUsageRatio > OPTIMAL_USAGE_RATIO) {
            uint256 excess = (borrowUsageRatio - OPTIMAL_USAGE_RATIO).rayDiv(MAX_EXCESS_USAGE_RATIO);
            variableBorrowRate += _variableRateSlope1 + _variableRateSlope2.rayMul(excess);
        } else {
            variableBorrowRate += _variableRateSlope1.rayMul(borrowUsageRatio).rayDiv(OPTIMAL_USAGE_RATIO);
        }
        // With variable debt only, the overall borrow rate is the variable rate itself.
        liquidityRate = variableBorrowRate.rayMul(supplyUsageRatio)
            .percentMul(PercentageMath.PERCENTAGE_FACTOR - params.reserveFactor);
        stableBorrowRate = 0;
    }
}
