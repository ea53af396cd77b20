// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// The slices of the real Aave v3 interfaces through which this market's contracts call each
// other. Every signature is the real one:
//   aave/aave-v3-core, contracts/interfaces/IPoolAddressesProvider.sol (getPool, getPriceOracle)
//   aave/aave-v3-core, contracts/interfaces/IPriceOracleGetter.sol (getAssetPrice, BASE_CURRENCY, BASE_CURRENCY_UNIT)
//   aave/aave-v3-core, contracts/interfaces/IReserveInterestRateStrategy.sol (calculateInterestRates)
//   aave/aave-v3-core, contracts/interfaces/IScaledBalanceToken.sol (scaledBalanceOf, scaledTotalSupply)
//   aave/aave-v3-core, contracts/interfaces/IAToken.sol (mint, burn, mintToTreasury,
//     transferOnLiquidation, transferUnderlyingTo, handleRepayment)
//   aave/aave-v3-core, contracts/interfaces/IVariableDebtToken.sol (mint, burn)
//   aave-dao/aave-v3-origin (v3.1.0), src/core/contracts/interfaces/IPool.sol (the views the
//     tokens and the data provider read, getReserveData returning ReserveDataLegacy)

import {DataTypes} from "./DataTypes.sol";

interface IPoolAddressesProvider {
    function getPool() external view returns (address);
    function getPriceOracle() external view returns (address);
}

interface IPriceOracleGetter {
    function BASE_CURRENCY() external view returns (address);
    function BASE_CURRENCY_UNIT() external view returns (uint256);
    function getAssetPrice(address asset) external view returns (uint256);
}

interface IReserveInterestRateStrategy {
    function calculateInterestRates(DataTypes.CalculateInterestRatesParams memory params)
        external
        view
        returns (uint256 liquidityRate, uint256 stableBorrowRate, uint256 variableBorrowRate);
}

interface IScaledBalanceToken {
    function scaledBalanceOf(address user) external view returns (uint256);
    function scaledTotalSupply() external view returns (uint256);
}

interface IAToken is IScaledBalanceToken {
    function mint(address caller, address onBehalfOf, uint256 amount, uint256 index) external returns (bool);
    function burn(address from, address receiverOfUnderlying, uint256 amount, uint256 index) external;
    function mintToTreasury(uint256 amount, uint256 index) external;
    function transferOnLiquidation(address from, address to, uint256 value) external;
    function transferUnderlyingTo(address target, uint256 amount) external;
    function handleRepayment(address user, address onBehalfOf, uint256 amount) external;
}

interface IVariableDebtToken is IScaledBalanceToken {
    function mint(address user, address onBehalfOf, uint256 amount, uint256 index) external returns (bool, uint256);
    function burn(address from, uint256 amount, uint256 index) external returns (uint256);
}

interface IPool {
    function getReserveNormalizedIncome(address asset) external view returns (uint256);
    function getReserveNormalizedVariableDebt(address asset) external view returns (uint256);
    function finalizeTransfer(
        address asset,
        address from,
        address to,
        uint256 amount,
        uint256 balanceFromBefore,
        uint256 balanceToBefore
    ) external;
    function getReserveData(address asset) external view returns (DataTypes.ReserveDataLegacy memory);
    function getConfiguration(address asset) external view returns (DataTypes.ReserveConfigurationMap memory);
    function getUserConfiguration(address user) external view returns (DataTypes.UserConfigurationMap memory);
    function getReservesList() external view returns (address[] memory);
}
