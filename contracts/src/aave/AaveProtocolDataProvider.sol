// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Read helper of the local world's Aave v3 market (the "PoolDataProvider").
// Mirrors, with identical selectors and return tuples:
//   aave/aave-v3-core, contracts/interfaces/IPoolDataProvider.sol
//     ADDRESSES_PROVIDER()
//     getAllReservesTokens() returns ((string symbol, address tokenAddress)[])
//     getAllATokens() returns ((string,address)[])
//     getReserveConfigurationData(address) returns (uint256 decimals, uint256 ltv,
//       uint256 liquidationThreshold, uint256 liquidationBonus, uint256 reserveFactor,
//       bool usageAsCollateralEnabled, bool borrowingEnabled, bool stableBorrowRateEnabled,
//       bool isActive, bool isFrozen)
//     getReserveEModeCategory(address), getReserveCaps(address), getPaused(address),
//     getSiloedBorrowing(address), getLiquidationProtocolFee(address), getUnbackedMintCap(address),
//     getDebtCeiling(address), getDebtCeilingDecimals(), getFlashLoanEnabled(address)
//     getReserveData(address) returns (uint256 unbacked, uint256 accruedToTreasuryScaled,
//       uint256 totalAToken, uint256 totalStableDebt, uint256 totalVariableDebt,
//       uint256 liquidityRate, uint256 variableBorrowRate, uint256 stableBorrowRate,
//       uint256 averageStableBorrowRate, uint256 liquidityIndex, uint256 variableBorrowIndex,
//       uint40 lastUpdateTimestamp)
//     getATokenTotalSupply(address), getTotalDebt(address)
//     getUserReserveData(address asset, address user) returns (uint256 currentATokenBalance,
//       uint256 currentStableDebt, uint256 currentVariableDebt, uint256 principalStableDebt,
//       uint256 scaledVariableDebt, uint256 stableBorrowRate, uint256 liquidityRate,
//       uint40 stableRateLastUpdated, bool usageAsCollateralEnabled)
//     getReserveTokensAddresses(address) returns (address aTokenAddress,
//       address stableDebtTokenAddress, address variableDebtTokenAddress)
//     getInterestRateStrategyAddress(address)
// Values follow aave-v3-core contracts/misc/AaveProtocolDataProvider.sol. Every stable-debt
// field is 0 (and its token address(0)), as aave-dao/aave-v3-origin v3.2's data provider
// reports them; features this market lacks (eMode, caps, siloed borrowing, protocol fee,
// debt ceiling, flash loans) read as 0/false. As in the real one, the stored liquidityIndex
// and variableBorrowIndex are returned (not accrued to now); balances are accrued to now.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {DataTypes} from "./DataTypes.sol";
import {ReserveConfiguration, UserConfiguration} from "./ReserveConfiguration.sol";
import {IPool, IPoolAddressesProvider, IScaledBalanceToken} from "./Interfaces.sol";

contract AaveProtocolDataProvider {
    using ReserveConfiguration for DataTypes.ReserveConfigurationMap;
    using UserConfiguration for DataTypes.UserConfigurationMap;

    struct TokenData {
        string symbol;
        address tokenAddress;
    }

    address public immutable ADDRESSES_PROVIDER;

    constructor(address addressesProvider) {
        ADDRESSES_PROVIDER = addressesProvider;
    }

    function _pool() private view returns (IPool) {
        return IPool(IPoolAddressesProvider(ADDRESSES_PROVIDER).getPool());
    }

    function getAllReservesTokens() external view returns (TokenData[] memory tokens) {
        address[] memory reserves = _pool().getReservesList();
        tokens = new TokenData[](reserves.length);
        for (uint256 i = 0; i < reserves.length; i++) {
            tokens[i] = TokenData(IERC20Metadata(reserves[i]).symbol(), reserves[i]);
        }
    }

    function getAllATokens() external view returns (TokenData[] memory tokens) {
        IPool pool = _pool();
        address[] memory reserves = pool.getReservesList();
        tokens = new TokenData[](reserves.length);
        for (uint256 i = 0; i < reserves.length; i++) {
            address aToken = pool.getReserveData(reserves[i]).aTokenAddress;
            tokens[i] = TokenData(IERC20Metadata(aToken).symbol(), aToken);
        }
    }

    function getReserveConfigurationData(address asset)
        external
        view
        returns (
            uint256 decimals,
            uint256 ltv,
            uint256 liquidationThreshold,
            uint256 liquidationBonus,
            uint256 reserveFactor,
            bool usageAsCollateralEnabled,
            bool borrowingEnabled,
            bool stableBorrowRateEnabled,
            bool isActive,
            bool isFrozen
        )
    {
        DataTypes.ReserveConfigurationMap memory configuration = _pool().getConfiguration(asset);
        decimals = configuration.getDecimals();
        ltv = configuration.getLtv();
        liquidationThreshold = configuration.getLiquidationThreshold();
        liquidationBonus = configuration.getLiquidationBonus();
        reserveFactor = configuration.getReserveFactor();
        usageAsCollateralEnabled = liquidationThreshold != 0;
        borrowingEnabled = configuration.getBorrowingEnabled();
        stableBorrowRateEnabled = configuration.getStableRateBorrowingEnabled();
        isActive = configuration.getActive();
        isFrozen = configuration.getFrozen();
    }

    function getReserveEModeCategory(address) external pure returns (uint256) {
        return 0;
    }

    function getReserveCaps(address) external pure returns (uint256 borrowCap, uint256 supplyCap) {
        return (0, 0);
    }

    function getPaused(address asset) external view returns (bool isPaused) {
        return _pool().getConfiguration(asset).getPaused();
    }

    function getSiloedBorrowing(address) external pure returns (bool) {
        return false;
    }

    function getLiquidationProtocolFee(address) external pure returns (uint256) {
        return 0;
    }

    function getUnbackedMintCap(address) external pure returns (uint256) {
        return 0;
    }

    function getDebtCeiling(address) external pure returns (uint256) {
        return 0;
    }

    function getDebtCeilingDecimals() external pure returns (uint256) {
        return 2;
    }

    function getFlashLoanEnabled(address) external pure returns (bool) {
        return false;
    }

    function getReserveData(address asset)
        external
        view
        returns (
            uint256 unbacked,
            uint256 accruedToTreasuryScaled,
            uint256 totalAToken,
            uint256 totalStableDebt,
            uint256 totalVariableDebt,
            uint256 liquidityRate,
            uint256 variableBorrowRate,
            uint256 stableBorrowRate,
            uint256 averageStableBorrowRate,
            uint256 liquidityIndex,
            uint256 variableBorrowIndex,
            uint40 lastUpdateTimestamp
        )
    {
        DataTypes.ReserveDataLegacy memory reserve = _pool().getReserveData(asset);
        return (
            reserve.unbacked,
            reserve.accruedToTreasury,
            IERC20(reserve.aTokenAddress).totalSupply(),
            0,
            IERC20(reserve.variableDebtTokenAddress).totalSupply(),
            reserve.currentLiquidityRate,
            reserve.currentVariableBorrowRate,
            reserve.currentStableBorrowRate,
            0,
            reserve.liquidityIndex,
            reserve.variableBorrowIndex,
            reserve.lastUpdateTimestamp
        );
    }

    function getATokenTotalSupply(address asset) external view returns (uint256) {
        return IERC20(_pool().getReserveData(asset).aTokenAddress).totalSupply();
    }

    function getTotalDebt(address asset) external view returns (uint256) {
        return IERC20(_pool().getReserveData(asset).variableDebtTokenAddress).totalSupply();
    }

    function getUserReserveData(address asset, address user)
        external
        view
        returns (
            uint256 currentATokenBalance,
            uint256 currentStableDebt,
            uint256 currentVariableDebt,
            uint256 principalStableDebt,
            uint256 scaledVariableDebt,
            uint256 stableBorrowRate,
            uint256 liquidityRate,
            uint40 stableRateLastUpdated,
            bool usageAsCollateralEnabled
        )
    {
        IPool pool = _pool();
        DataTypes.ReserveDataLegacy memory reserve = pool.getReserveData(asset);
        currentATokenBalance = IERC20(reserve.aTokenAddress).balanceOf(user);
        currentVariableDebt = IERC20(reserve.variableDebtTokenAddress).balanceOf(user);
        scaledVariableDebt = IScaledBalanceToken(reserve.variableDebtTokenAddress).scaledBalanceOf(user);
        liquidityRate = reserve.currentLiquidityRate;
        usageAsCollateralEnabled = pool.getUserConfiguration(user).isUsingAsCollateral(reserve.id);
        // Stable debt does not exist here (as in v3.2).
        currentStableDebt = principalStableDebt = stableBorrowRate = 0;
        stableRateLastUpdated = 0;
    }

    function getReserveTokensAddresses(address asset)
        external
        view
        returns (address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress)
    {
        DataTypes.ReserveDataLegacy memory reserve = _pool().getReserveData(asset);
        return (reserve.aTokenAddress, reserve.stableDebtTokenAddress, reserve.variableDebtTokenAddress);
    }

    function getInterestRateStrategyAddress(address asset) external view returns (address irStrategyAddress) {
        return _pool().getReserveData(asset).interestRateStrategyAddress;
    }
}
