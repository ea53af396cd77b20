// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Position PnL, fees and the liquidation test of the local GMX v2 world, following
// gmx-io/gmx-synthetics v2.2:
//   contracts/position/PositionUtils.sol           getPositionPnlUsd, isPositionLiquidatable,
//                                                  validatePosition
//   contracts/pricing/PositionPricingUtils.sol     getPositionFees (position fee on the size delta,
//                                                  pending borrowing fee, pending funding fee and
//                                                  claimable funding, all in the collateral token)
// Deviations: no price impact (executions at the oracle price), no referral/ui/pro discounts, no
// liquidation fee, no PnL cap (MAX_PNL_FACTOR_FOR_TRADERS); fees use the pending (next) borrowing and
// funding values, which equal the stored ones during an execution since state is updated first.
// Written for Ballast; no code copied.

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DataStore} from "./DataStore.sol";
import {Errors, Market, MarketUtils, Position, PositionPricingUtils, PositionUtils, Price} from "./Types.sol";
import {Keys, Precision} from "./Keys.sol";
import {MarketMath} from "./MarketMath.sol";

library PositionMath {
    /// PnL in USD (30 decimals) of closing `sizeDeltaUsd` of the position at `indexPrice`, and the
    /// tokens closed (rounded up for longs, down for shorts, as the real code does).
    function getPositionPnlUsd(Position.Props memory position, uint256 indexPrice, uint256 sizeDeltaUsd)
        internal
        pure
        returns (int256 pnlUsd, uint256 sizeDeltaInTokens)
    {
        uint256 sizeInUsd = position.numbers.sizeInUsd;
        uint256 sizeInTokens = position.numbers.sizeInTokens;
        if (sizeInTokens == 0) return (0, 0);
        int256 value = SafeCast.toInt256(sizeInTokens * indexPrice);
        int256 totalPnl = position.flags.isLong ? value - SafeCast.toInt256(sizeInUsd) : SafeCast.toInt256(sizeInUsd) - value;

        if (sizeDeltaUsd == sizeInUsd) {
            sizeDeltaInTokens = sizeInTokens;
        } else if (position.flags.isLong) {
            sizeDeltaInTokens = Precision.mulDivUp(sizeInTokens, sizeDeltaUsd, sizeInUsd);
        } else {
            sizeDeltaInTokens = Precision.mulDiv(sizeInTokens, sizeDeltaUsd, sizeInUsd);
        }
        pnlUsd = Precision.mulDiv(totalPnl, sizeDeltaInTokens, sizeInTokens);
    }

    /// Index price used to value a position: the real code picks max for long increases and short
    /// decreases, min otherwise; min == max here.
    function indexPriceFor(MarketUtils.MarketPrices memory prices, bool isLong, bool isIncrease)
        internal
        pure
        returns (uint256)
    {
        bool useMax = isLong == isIncrease;
        return useMax ? prices.indexTokenPrice.max : prices.indexTokenPrice.min;
    }

    /// Fees owed by the position when `sizeDeltaUsd` of it changes now: PositionPricingUtils.PositionFees.
    function getPositionFees(
        DataStore dataStore,
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        uint256 sizeDeltaUsd,
        bool balanceWasImproved
    ) internal view returns (PositionPricingUtils.PositionFees memory fees) {
        Price.Props memory collateralPrice =
            MarketMath.getCollateralTokenPrice(market, prices, position.addresses.collateralToken);
        fees.collateralTokenPrice = collateralPrice;
        fees.referral.trader = position.addresses.account;

        fees.positionFeeFactor = dataStore.getUint(Keys.positionFeeFactorKey(market.marketToken, balanceWasImproved));
        fees.positionFeeAmount = Precision.applyFactor(sizeDeltaUsd, fees.positionFeeFactor) / collateralPrice.min;
        fees.positionFeeAmountForPool = fees.positionFeeAmount;

        (uint256 cumulativeBorrowingFactor,) =
            MarketMath.getNextCumulativeBorrowingFactor(dataStore, market, prices, position.flags.isLong);
        fees.borrowing.borrowingFeeUsd =
            Precision.applyFactor(position.numbers.sizeInUsd, cumulativeBorrowingFactor - position.numbers.borrowingFactor);
        fees.borrowing.borrowingFeeAmount = fees.borrowing.borrowingFeeUsd / collateralPrice.min;

        fees.funding = getFundingFees(dataStore, position, market, prices);

        fees.feeAmountForPool = fees.positionFeeAmount + fees.borrowing.borrowingFeeAmount;
        fees.totalCostAmountExcludingFunding = fees.positionFeeAmount + fees.borrowing.borrowingFeeAmount;
        fees.totalCostAmount = fees.totalCostAmountExcludingFunding + fees.funding.fundingFeeAmount;
    }

    function getFundingFees(
        DataStore dataStore,
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices
    ) internal view returns (PositionPricingUtils.PositionFundingFees memory funding) {
        MarketUtils.GetNextFundingAmountPerSizeResult memory pending = MarketMath.getNextFundingAmountPerSize(dataStore, market, prices);
        bool isLong = position.flags.isLong;
        uint256 size = position.numbers.sizeInUsd;

        funding.latestFundingFeeAmountPerSize = MarketMath.getNextFundingFeeAmountPerSize(
            dataStore, market, pending, position.addresses.collateralToken, isLong
        );
        funding.latestLongTokenClaimableFundingAmountPerSize =
            MarketMath.getNextClaimableFundingAmountPerSize(dataStore, market, pending, market.longToken, isLong);
        funding.latestShortTokenClaimableFundingAmountPerSize =
            MarketMath.getNextClaimableFundingAmountPerSize(dataStore, market, pending, market.shortToken, isLong);

        funding.fundingFeeAmount = MarketMath.getFundingAmount(
            funding.latestFundingFeeAmountPerSize, position.numbers.fundingFeeAmountPerSize, size, true
        );
        funding.claimableLongTokenAmount = MarketMath.getFundingAmount(
            funding.latestLongTokenClaimableFundingAmountPerSize,
            position.numbers.longTokenClaimableFundingAmountPerSize,
            size,
            false
        );
        funding.claimableShortTokenAmount = MarketMath.getFundingAmount(
            funding.latestShortTokenClaimableFundingAmountPerSize,
            position.numbers.shortTokenClaimableFundingAmountPerSize,
            size,
            false
        );
    }

    /// PositionUtils.isPositionLiquidatable: remaining collateral = collateral + PnL - closing costs
    /// (position fee on the whole size, pending borrowing and funding), compared with
    /// MIN_COLLATERAL_USD (if asked), zero, and size * min collateral factor.
    function isPositionLiquidatable(
        DataStore dataStore,
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool shouldValidateMinCollateralUsd,
        bool forLiquidation
    ) internal view returns (bool, string memory, PositionUtils.IsPositionLiquidatableInfo memory info) {
        info.remainingCollateralUsd = getRemainingCollateralUsd(dataStore, position, market, prices);

        uint256 minCollateralFactor = dataStore.getUint(
            forLiquidation
                ? Keys.minCollateralFactorForLiquidationKey(market.marketToken)
                : Keys.minCollateralFactorKey(market.marketToken)
        );
        info.minCollateralUsdForLeverage = SafeCast.toInt256(Precision.applyFactor(position.numbers.sizeInUsd, minCollateralFactor));

        if (shouldValidateMinCollateralUsd) {
            info.minCollateralUsd = SafeCast.toInt256(dataStore.getUint(Keys.MIN_COLLATERAL_USD));
            if (info.remainingCollateralUsd < info.minCollateralUsd) return (true, "min collateral", info);
        }
        if (info.remainingCollateralUsd <= 0) return (true, "< 0", info);
        if (info.remainingCollateralUsd < info.minCollateralUsdForLeverage) {
            return (true, "min collateral for leverage", info);
        }
        return (false, "", info);
    }

    function getRemainingCollateralUsd(
        DataStore dataStore,
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices
    ) internal view returns (int256) {
        (int256 pnlUsd,) = getPositionPnlUsd(
            position, indexPriceFor(prices, position.flags.isLong, false), position.numbers.sizeInUsd
        );
        bool improved = MarketMath.balanceWasImproved(
            dataStore, market, position.flags.isLong, -SafeCast.toInt256(position.numbers.sizeInUsd)
        );
        PositionPricingUtils.PositionFees memory fees =
            getPositionFees(dataStore, position, market, prices, position.numbers.sizeInUsd, improved);
        uint256 collateralPrice = fees.collateralTokenPrice.min;
        return SafeCast.toInt256(position.numbers.collateralAmount * collateralPrice) + pnlUsd
            - SafeCast.toInt256(fees.totalCostAmount * collateralPrice);
    }

    /// PositionUtils.validatePosition for a position that stays open after an order.
    function validatePosition(
        DataStore dataStore,
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool shouldValidateMinPositionSize,
        bool shouldValidateMinCollateralUsd
    ) internal view {
        if (position.numbers.sizeInUsd == 0 || position.numbers.sizeInTokens == 0) {
            revert Errors.InvalidPositionSizeValues(position.numbers.sizeInUsd, position.numbers.sizeInTokens);
        }
        if (shouldValidateMinPositionSize) {
            uint256 minSize = dataStore.getUint(Keys.MIN_POSITION_SIZE_USD);
            if (position.numbers.sizeInUsd < minSize) revert Errors.MinPositionSize(position.numbers.sizeInUsd, minSize);
        }
        (bool liquidatable, string memory reason, PositionUtils.IsPositionLiquidatableInfo memory info) =
            isPositionLiquidatable(dataStore, position, market, prices, shouldValidateMinCollateralUsd, false);
        if (liquidatable) {
            revert Errors.LiquidatablePosition(
                reason, info.remainingCollateralUsd, info.minCollateralUsd, info.minCollateralUsdForLeverage
            );
        }
    }

    /// Ballast-only: the index price (GMX units) at which the position becomes liquidatable under
    /// MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION and MIN_COLLATERAL_USD, holding fees and the collateral
    /// token's price fixed unless the collateral is the index token. 0 when no such positive price.
    function getLiquidationPrice(
        DataStore dataStore,
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices
    ) internal view returns (uint256) {
        if (position.numbers.sizeInUsd == 0) return 0;
        (int256 slope, int256 intercept) = _remainingCollateralLine(dataStore, position, market, prices);
        int256 threshold = SafeCast.toInt256(
            Precision.applyFactor(
                position.numbers.sizeInUsd,
                dataStore.getUint(Keys.minCollateralFactorForLiquidationKey(market.marketToken))
            )
        );
        int256 minCollateralUsd = SafeCast.toInt256(dataStore.getUint(Keys.MIN_COLLATERAL_USD));
        if (minCollateralUsd > threshold) threshold = minCollateralUsd;
        if (slope == 0) return 0;
        int256 price = (threshold - intercept) / slope;
        return price > 0 ? SafeCast.toUint256(price) : 0;
    }

    /// remainingCollateralUsd(P) = slope * P + intercept for index price P, fees as of now.
    function _remainingCollateralLine(
        DataStore dataStore,
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices
    ) private view returns (int256 slope, int256 intercept) {
        bool improved = MarketMath.balanceWasImproved(
            dataStore, market, position.flags.isLong, -SafeCast.toInt256(position.numbers.sizeInUsd)
        );
        PositionPricingUtils.PositionFees memory fees =
            getPositionFees(dataStore, position, market, prices, position.numbers.sizeInUsd, improved);
        uint256 collateralPrice = fees.collateralTokenPrice.min;
        int256 netCollateral = SafeCast.toInt256(position.numbers.collateralAmount) - SafeCast.toInt256(fees.funding.fundingFeeAmount);
        int256 usdFees = SafeCast.toInt256(fees.totalCostAmountExcludingFunding * collateralPrice);
        int256 tokens = SafeCast.toInt256(position.numbers.sizeInTokens);
        int256 size = SafeCast.toInt256(position.numbers.sizeInUsd);

        slope = position.flags.isLong ? tokens : -tokens;
        intercept = (position.flags.isLong ? -size : size) - usdFees;
        if (position.addresses.collateralToken == market.indexToken) slope += netCollateral;
        else intercept += netCollateral * SafeCast.toInt256(collateralPrice);
    }
}
