// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Storage and reserve bookkeeping of the local world's Aave v3 Pool (see Pool.sol for the
// external interface it serves). No external functions of its own: it declares the real events
//   ReserveDataUpdated(address,uint256,uint256,uint256,uint256,uint256),
//   ReserveUsedAsCollateralEnabled(address,address), ReserveUsedAsCollateralDisabled(address,address)
// of aave/aave-v3-core, contracts/interfaces/IPool.sol
// and implements, from the formulas of aave/aave-v3-core:
//   contracts/protocol/libraries/logic/ReserveLogic.sol   getNormalizedIncome, getNormalizedDebt,
//                                                         updateState, updateInterestRates
//   contracts/protocol/libraries/logic/GenericLogic.sol   calculateUserAccountData
//   contracts/protocol/libraries/logic/ValidationLogic.sol validateHFAndLtv

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DataTypes} from "./DataTypes.sol";
import {Errors} from "./Errors.sol";
import {WadRayMath, PercentageMath, MathUtils} from "./Math.sol";
import {ReserveConfiguration, UserConfiguration} from "./ReserveConfiguration.sol";
import {
    IPoolAddressesProvider,
    IPriceOracleGetter,
    IReserveInterestRateStrategy,
    IScaledBalanceToken
} from "./Interfaces.sol";

abstract contract PoolState {
    using WadRayMath for uint256;
    using PercentageMath for uint256;
    using SafeCast for uint256;
    using ReserveConfiguration for DataTypes.ReserveConfigurationMap;
    using UserConfiguration for DataTypes.UserConfigurationMap;

    event ReserveUsedAsCollateralEnabled(address indexed reserve, address indexed user);
    event ReserveUsedAsCollateralDisabled(address indexed reserve, address indexed user);
    event ReserveDataUpdated(
        address indexed reserve,
        uint256 liquidityRate,
        uint256 stableBorrowRate,
        uint256 variableBorrowRate,
        uint256 liquidityIndex,
        uint256 variableBorrowIndex
    );

    /// ValidationLogic.HEALTH_FACTOR_LIQUIDATION_THRESHOLD (WAD) and ReserveConfiguration.MAX_RESERVES_COUNT.
    uint256 internal constant HEALTH_FACTOR_LIQUIDATION_THRESHOLD = 1e18;
    uint256 internal constant MAX_RESERVES_COUNT = 128;

    address public immutable ADDRESSES_PROVIDER;

    mapping(address => DataTypes.ReserveDataLegacy) internal _reserves;
    mapping(address => DataTypes.UserConfigurationMap) internal _usersConfig;
    mapping(uint256 => address) internal _reservesList;
    uint16 internal _reservesCount;

    /// The user's position valued in the base currency (USD, 8 decimals), as GenericLogic computes it.
    struct AccountData {
        uint256 totalCollateralBase;
        uint256 totalDebtBase;
        uint256 ltv; // basis points, collateral-weighted
        uint256 liquidationThreshold; // basis points, collateral-weighted
        uint256 healthFactor; // WAD
        bool hasZeroLtvCollateral;
    }

    constructor(address provider) {
        ADDRESSES_PROVIDER = provider;
    }

    /// ValidationLogic.validateHFAndLtv: after the action the user must stay at HF >= 1, and
    /// while holding zero-LTV collateral may only move that collateral.
    function _validateHealthFactorAndLtv(address asset, address user) internal view {
        AccountData memory account = _accountData(user);
        require(
            account.healthFactor >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD,
            Errors.HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD
        );
        require(
            !account.hasZeroLtvCollateral || _reserves[asset].configuration.getLtv() == 0, Errors.LTV_VALIDATION_FAILED
        );
    }

    function _oracle() internal view returns (IPriceOracleGetter) {
        return IPriceOracleGetter(IPoolAddressesProvider(ADDRESSES_PROVIDER).getPriceOracle());
    }

    function _requireUsable(DataTypes.ReserveConfigurationMap memory configuration) internal pure {
        require(configuration.getActive(), Errors.RESERVE_INACTIVE);
        require(!configuration.getPaused(), Errors.RESERVE_PAUSED);
    }

    /// The reserve of `asset`, which must be active and not paused (an unlisted asset is inactive).
    function _usableReserve(address asset) internal view returns (DataTypes.ReserveDataLegacy storage reserve) {
        reserve = _reserves[asset];
        _requireUsable(reserve.configuration);
    }

    function _listedReserve(address asset) internal view returns (DataTypes.ReserveDataLegacy storage reserve) {
        reserve = _reserves[asset];
        require(reserve.aTokenAddress != address(0), Errors.ASSET_NOT_LISTED);
    }

    function _normalizedIncome(DataTypes.ReserveDataLegacy storage reserve) internal view returns (uint256) {
        uint40 last = reserve.lastUpdateTimestamp;
        // forge-lint: disable-next-line(block-timestamp) -- accrual is by time, as in Aave.
        if (last == block.timestamp) return reserve.liquidityIndex;
        return MathUtils.calculateLinearInterest(reserve.currentLiquidityRate, last).rayMul(reserve.liquidityIndex);
    }

    function _normalizedDebt(DataTypes.ReserveDataLegacy storage reserve) internal view returns (uint256) {
        uint40 last = reserve.lastUpdateTimestamp;
        // forge-lint: disable-next-line(block-timestamp) -- accrual is by time, as in Aave.
        if (last == block.timestamp) return reserve.variableBorrowIndex;
        return MathUtils.calculateCompoundedInterest(reserve.currentVariableBorrowRate, last)
            .rayMul(reserve.variableBorrowIndex);
    }

    /// ReserveLogic.updateState: accrue both indexes to now and the treasury's share of the
    /// interest borrowers accrued since the last update.
    function _updateState(DataTypes.ReserveDataLegacy storage reserve) internal {
        uint40 last = reserve.lastUpdateTimestamp;
        // forge-lint: disable-next-line(block-timestamp) -- accrual is by time, as in Aave.
        if (last == block.timestamp) return;
        uint256 liquidityIndex = reserve.liquidityIndex;
        // The supply index only moves while there is income (rate 0 => unchanged, as real Aave).
        if (reserve.currentLiquidityRate != 0) {
            liquidityIndex =
                MathUtils.calculateLinearInterest(reserve.currentLiquidityRate, last).rayMul(liquidityIndex);
            reserve.liquidityIndex = liquidityIndex.toUint128();
        }
        // The borrow index only moves while there is debt, even if the base rate is positive.
        uint256 scaledDebt = IScaledBalanceToken(reserve.variableDebtTokenAddress).scaledTotalSupply();
        if (scaledDebt != 0) {
            uint256 previousIndex = reserve.variableBorrowIndex;
            uint256 nextIndex =
                MathUtils.calculateCompoundedInterest(reserve.currentVariableBorrowRate, last).rayMul(previousIndex);
            reserve.variableBorrowIndex = nextIndex.toUint128();
            uint256 reserveFactor = reserve.configuration.getReserveFactor();
            if (reserveFactor != 0) {
                uint256 interest = scaledDebt.rayMul(nextIndex) - scaledDebt.rayMul(previousIndex);
                uint256 toTreasury = interest.percentMul(reserveFactor);
                if (toTreasury != 0) {
                    reserve.accruedToTreasury += toTreasury.rayDiv(liquidityIndex).toUint128();
                }
            }
        }
        reserve.lastUpdateTimestamp = uint40(block.timestamp);
    }

    /// ReserveLogic.updateInterestRates, called once balances have moved (so the strategy reads
    /// the aToken's actual liquidity and liquidityAdded/liquidityTaken are 0).
    function _updateInterestRates(address asset, DataTypes.ReserveDataLegacy storage reserve) internal {
        if (reserve.interestRateStrategyAddress == address(0)) return;
        uint256 totalVariableDebt = IScaledBalanceToken(reserve.variableDebtTokenAddress).scaledTotalSupply()
            .rayMul(reserve.variableBorrowIndex);
        (uint256 liquidityRate, uint256 stableRate, uint256 variableRate) = IReserveInterestRateStrategy(
                reserve.interestRateStrategyAddress
            )
            .calculateInterestRates(
                DataTypes.CalculateInterestRatesParams({
                unbacked: reserve.unbacked,
                liquidityAdded: 0,
                liquidityTaken: 0,
                totalStableDebt: 0,
                totalVariableDebt: totalVariableDebt,
                averageStableBorrowRate: 0,
                reserveFactor: reserve.configuration.getReserveFactor(),
                reserve: asset,
                aToken: reserve.aTokenAddress
            })
            );
        reserve.currentLiquidityRate = liquidityRate.toUint128();
        reserve.currentStableBorrowRate = stableRate.toUint128();
        reserve.currentVariableBorrowRate = variableRate.toUint128();
        emit ReserveDataUpdated(
            asset, liquidityRate, stableRate, variableRate, reserve.liquidityIndex, reserve.variableBorrowIndex
        );
    }

    /// GenericLogic.calculateUserAccountData: collateral and debt in the base currency,
    /// collateral-weighted LTV and liquidation threshold, health factor in WAD.
    function _accountData(address user) internal view returns (AccountData memory account) {
        DataTypes.UserConfigurationMap memory userConfig = _usersConfig[user];
        if (userConfig.data == 0) {
            account.healthFactor = type(uint256).max;
            return account;
        }
        IPriceOracleGetter oracle = _oracle();
        // account.ltv and account.liquidationThreshold first sum value x percentage.
        for (uint256 i = 0; i < _reservesCount; i++) {
            if (userConfig.isUsingAsCollateralOrBorrowing(i)) _addPosition(account, i, user, userConfig, oracle);
        }
        if (account.totalCollateralBase != 0) {
            account.ltv /= account.totalCollateralBase;
            account.liquidationThreshold /= account.totalCollateralBase;
        }
        account.healthFactor = account.totalDebtBase == 0
            ? type(uint256).max
            : account.totalCollateralBase.percentMul(account.liquidationThreshold).wadDiv(account.totalDebtBase);
    }

    /// Add the user's supply and debt in reserve `id`, accrued to now and valued in the base
    /// currency (rounded down, as GenericLogic does), to the running totals.
    function _addPosition(
        AccountData memory account,
        uint256 id,
        address user,
        DataTypes.UserConfigurationMap memory userConfig,
        IPriceOracleGetter oracle
    ) internal view {
        address asset = _reservesList[id];
        DataTypes.ReserveDataLegacy storage reserve = _reserves[asset];
        DataTypes.ReserveConfigurationMap memory configuration = reserve.configuration;
        uint256 price = oracle.getAssetPrice(asset);
        uint256 assetUnit = 10 ** configuration.getDecimals();
        uint256 threshold = configuration.getLiquidationThreshold();
        if (threshold != 0 && userConfig.isUsingAsCollateral(id)) {
            uint256 supplied =
                IScaledBalanceToken(reserve.aTokenAddress).scaledBalanceOf(user).rayMul(_normalizedIncome(reserve));
            uint256 value = (supplied * price) / assetUnit;
            account.totalCollateralBase += value;
            uint256 ltv = configuration.getLtv();
            if (ltv != 0) account.ltv += value * ltv;
            else account.hasZeroLtvCollateral = true;
            account.liquidationThreshold += value * threshold;
        }
        if (userConfig.isBorrowing(id)) {
            uint256 debt = IScaledBalanceToken(reserve.variableDebtTokenAddress).scaledBalanceOf(user)
                .rayMul(_normalizedDebt(reserve));
            account.totalDebtBase += (debt * price) / assetUnit;
        }
    }
}
