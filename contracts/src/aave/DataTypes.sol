// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Aave v3 data types of the local world's reference market.
// Mirrors the ABI layout of:
//   aave-dao/aave-v3-origin (v3.1.0), src/core/contracts/protocol/libraries/types/DataTypes.sol
//     struct ReserveDataLegacy (what IPool.getReserveData returns; identical field order and types
//     to aave/aave-v3-core, contracts/protocol/libraries/types/DataTypes.sol `ReserveData`),
//     struct ReserveConfigurationMap, struct UserConfigurationMap, enum InterestRateMode,
//     struct CalculateInterestRatesParams (aave-v3-core layout, v3.0).
// Structs are encoded by position, so a client built on the real ABI decodes these unchanged.

library DataTypes {
    struct ReserveDataLegacy {
        ReserveConfigurationMap configuration;
        uint128 liquidityIndex; // ray
        uint128 currentLiquidityRate; // ray, per year
        uint128 variableBorrowIndex; // ray
        uint128 currentVariableBorrowRate; // ray, per year
        uint128 currentStableBorrowRate; // ray; always 0 here (stable debt as in v3.2: removed)
        uint40 lastUpdateTimestamp;
        uint16 id;
        address aTokenAddress;
        address stableDebtTokenAddress; // always address(0) here (as v3.2 reports it)
        address variableDebtTokenAddress;
        address interestRateStrategyAddress;
        uint128 accruedToTreasury; // scaled aTokens owed to the treasury
        uint128 unbacked; // always 0 here: no portals/bridging
        uint128 isolationModeTotalDebt; // always 0 here: no isolation mode
    }

    /// Bitmap with the real bit positions, see ReserveConfiguration.sol.
    struct ReserveConfigurationMap {
        uint256 data;
    }

    /// Pairs of bits per reserve id: bit 2*id = borrowing, bit 2*id+1 = using as collateral.
    struct UserConfigurationMap {
        uint256 data;
    }

    enum InterestRateMode {
        NONE,
        STABLE,
        VARIABLE
    }

    struct CalculateInterestRatesParams {
        uint256 unbacked;
        uint256 liquidityAdded;
        uint256 liquidityTaken;
        uint256 totalStableDebt;
        uint256 totalVariableDebt;
        uint256 averageStableBorrowRate;
        uint256 reserveFactor;
        address reserve;
        address aToken;
    }
}
