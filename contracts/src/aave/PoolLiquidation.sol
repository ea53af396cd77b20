// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Liquidations of the local world's Aave v3 Pool (inherited by Pool.sol).
// Mirrors, with identical selector and event:
//   aave/aave-v3-core, contracts/interfaces/IPool.sol
//     liquidationCall(address collateralAsset, address debtAsset, address user,
//                     uint256 debtToCover, bool receiveAToken)
//     event LiquidationCall(address indexed collateralAsset, address indexed debtAsset,
//       address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount,
//       address liquidator, bool receiveAToken)
// Rules of aave/aave-v3-core, contracts/protocol/libraries/logic/LiquidationLogic.sol:
//   - only while the user's health factor < 1e18 ('45' otherwise);
//   - close factor 50% (DEFAULT_LIQUIDATION_CLOSE_FACTOR) while HF > 0.95e18
//     (CLOSE_FACTOR_HF_THRESHOLD), 100% at or below it; debtToCover above the allowed maximum
//     (e.g. type(uint256).max) is cut to that maximum;
//   - collateral seized = debt covered x debt price x liquidation bonus / collateral price, in
//     each asset's decimals; if that exceeds the user's collateral, all of it is seized and the
//     debt covered is recomputed from it;
//   - receiveAToken: the liquidator gets the aTokens (enabled as its collateral if they are its
//     first), otherwise the underlying.
// Deviation: no liquidation protocol fee (the whole bonus goes to the liquidator), no price
// oracle sentinel, no eMode bonus.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {DataTypes} from "./DataTypes.sol";
import {Errors} from "./Errors.sol";
import {PercentageMath} from "./Math.sol";
import {ReserveConfiguration, UserConfiguration} from "./ReserveConfiguration.sol";
import {PoolState} from "./PoolState.sol";
import {IPriceOracleGetter, IAToken, IVariableDebtToken} from "./Interfaces.sol";

abstract contract PoolLiquidation is PoolState {
    using PercentageMath for uint256;
    using SafeERC20 for IERC20;
    using ReserveConfiguration for DataTypes.ReserveConfigurationMap;
    using UserConfiguration for DataTypes.UserConfigurationMap;

    event LiquidationCall(
        address indexed collateralAsset,
        address indexed debtAsset,
        address indexed user,
        uint256 debtToCover,
        uint256 liquidatedCollateralAmount,
        address liquidator,
        bool receiveAToken
    );

    uint256 internal constant CLOSE_FACTOR_HF_THRESHOLD = 0.95e18;
    uint256 internal constant DEFAULT_LIQUIDATION_CLOSE_FACTOR = 0.5e4;
    uint256 internal constant MAX_LIQUIDATION_CLOSE_FACTOR = 1e4;

    /// What one liquidationCall moves, all in the assets' own units.
    struct LiquidationAmounts {
        uint256 userDebt; // the user's whole debt in the debt asset
        uint256 debtToLiquidate; // debt the liquidator repays
        uint256 userCollateral; // the user's whole balance of the collateral aToken
        uint256 collateralToSeize; // collateral the liquidator receives, bonus included
    }

    function liquidationCall(
        address collateralAsset,
        address debtAsset,
        address user,
        uint256 debtToCover,
        bool receiveAToken
    ) external {
        DataTypes.ReserveDataLegacy storage collateralReserve = _reserves[collateralAsset];
        DataTypes.ReserveDataLegacy storage debtReserve = _reserves[debtAsset];
        _requireUsable(collateralReserve.configuration);
        _requireUsable(debtReserve.configuration);
        _updateState(debtReserve);
        LiquidationAmounts memory amounts = _liquidationAmounts(collateralAsset, debtAsset, user, debtToCover);

        DataTypes.UserConfigurationMap storage userConfig = _usersConfig[user];
        if (amounts.userDebt == amounts.debtToLiquidate) userConfig.setBorrowing(debtReserve.id, false);
        if (amounts.collateralToSeize == amounts.userCollateral) {
            userConfig.setUsingAsCollateral(collateralReserve.id, false);
            emit ReserveUsedAsCollateralDisabled(collateralAsset, user);
        }
        IVariableDebtToken(debtReserve.variableDebtTokenAddress)
            .burn(user, amounts.debtToLiquidate, debtReserve.variableBorrowIndex);

        if (receiveAToken) {
            _seizeATokens(collateralAsset, collateralReserve, user, amounts.collateralToSeize);
        } else {
            _updateState(collateralReserve);
            IAToken(collateralReserve.aTokenAddress)
                .burn(user, msg.sender, amounts.collateralToSeize, collateralReserve.liquidityIndex);
        }

        IERC20(debtAsset).safeTransferFrom(msg.sender, debtReserve.aTokenAddress, amounts.debtToLiquidate);
        IAToken(debtReserve.aTokenAddress).handleRepayment(msg.sender, user, amounts.debtToLiquidate);
        _updateInterestRates(debtAsset, debtReserve);
        if (collateralAsset != debtAsset && !receiveAToken) _updateInterestRates(collateralAsset, collateralReserve);

        emit LiquidationCall(
            collateralAsset,
            debtAsset,
            user,
            amounts.debtToLiquidate,
            amounts.collateralToSeize,
            msg.sender,
            receiveAToken
        );
    }

    /// LiquidationLogic._calculateDebt + ValidationLogic.validateLiquidationCall, then the
    /// collateral that covers it. The debt reserve's state must already be updated.
    function _liquidationAmounts(address collateralAsset, address debtAsset, address user, uint256 debtToCover)
        private
        view
        returns (LiquidationAmounts memory amounts)
    {
        DataTypes.ReserveDataLegacy storage collateralReserve = _reserves[collateralAsset];
        DataTypes.ReserveDataLegacy storage debtReserve = _reserves[debtAsset];
        uint256 healthFactor = _accountData(user).healthFactor;
        amounts.userDebt = IERC20(debtReserve.variableDebtTokenAddress).balanceOf(user);
        uint256 closeFactor =
            healthFactor > CLOSE_FACTOR_HF_THRESHOLD ? DEFAULT_LIQUIDATION_CLOSE_FACTOR : MAX_LIQUIDATION_CLOSE_FACTOR;
        uint256 maxLiquidatableDebt = amounts.userDebt.percentMul(closeFactor);
        uint256 debtToLiquidate = debtToCover > maxLiquidatableDebt ? maxLiquidatableDebt : debtToCover;

        require(healthFactor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD, Errors.HEALTH_FACTOR_NOT_BELOW_THRESHOLD);
        require(
            collateralReserve.configuration.getLiquidationThreshold() != 0
                && _usersConfig[user].isUsingAsCollateral(collateralReserve.id),
            Errors.COLLATERAL_CANNOT_BE_LIQUIDATED
        );
        require(amounts.userDebt != 0, Errors.SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER);

        amounts.userCollateral = IERC20(collateralReserve.aTokenAddress).balanceOf(user);
        (amounts.collateralToSeize, amounts.debtToLiquidate) = _collateralForDebt(
            collateralAsset, collateralReserve, debtAsset, debtReserve, debtToLiquidate, amounts.userCollateral
        );
    }

    /// LiquidationLogic._calculateAvailableCollateralToLiquidate (no protocol fee):
    /// collateral = debt x debtPrice x bonus / collateralPrice (in each asset's decimals),
    /// capped at the user's collateral, in which case the debt covered is recomputed from it.
    function _collateralForDebt(
        address collateralAsset,
        DataTypes.ReserveDataLegacy storage collateralReserve,
        address debtAsset,
        DataTypes.ReserveDataLegacy storage debtReserve,
        uint256 debtToCover,
        uint256 userCollateral
    ) private view returns (uint256 collateralAmount, uint256 debtAmountNeeded) {
        IPriceOracleGetter oracle = _oracle();
        uint256 collateralPrice = oracle.getAssetPrice(collateralAsset);
        uint256 debtPrice = oracle.getAssetPrice(debtAsset);
        uint256 collateralUnit = 10 ** collateralReserve.configuration.getDecimals();
        uint256 debtUnit = 10 ** debtReserve.configuration.getDecimals();
        uint256 bonus = collateralReserve.configuration.getLiquidationBonus();

        uint256 baseCollateral = (debtPrice * debtToCover * collateralUnit) / (collateralPrice * debtUnit);
        uint256 maxCollateralToLiquidate = baseCollateral.percentMul(bonus);
        if (maxCollateralToLiquidate > userCollateral) {
            collateralAmount = userCollateral;
            debtAmountNeeded =
                ((collateralPrice * collateralAmount * debtUnit) / (debtPrice * collateralUnit)).percentDiv(bonus);
        } else {
            collateralAmount = maxCollateralToLiquidate;
            debtAmountNeeded = debtToCover;
        }
    }

    /// Hand the seized aTokens to the liquidator, enabling them as its collateral if they are
    /// its first of this reserve (LiquidationLogic._liquidateATokens).
    function _seizeATokens(
        address collateralAsset,
        DataTypes.ReserveDataLegacy storage collateralReserve,
        address user,
        uint256 amount
    ) private {
        IAToken aToken = IAToken(collateralReserve.aTokenAddress);
        bool liquidatorHadNone = aToken.scaledBalanceOf(msg.sender) == 0;
        aToken.transferOnLiquidation(user, msg.sender, amount);
        if (liquidatorHadNone && collateralReserve.configuration.getLtv() != 0) {
            _usersConfig[msg.sender].setUsingAsCollateral(collateralReserve.id, true);
            emit ReserveUsedAsCollateralEnabled(collateralAsset, msg.sender);
        }
    }
}
