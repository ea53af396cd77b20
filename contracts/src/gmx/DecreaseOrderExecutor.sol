// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Position decreases and liquidations of the local GMX v2 world.
// Plays the part of gmx-io/gmx-synthetics v2.2 contracts/order/DecreaseOrderExecutor.sol with
// contracts/position/DecreasePositionUtils.sol and DecreasePositionCollateralUtils.sol:
//   - sizeDeltaUsd above the position size: capped for LimitDecrease/StopLossDecrease/Liquidation,
//     InvalidDecreaseOrderSize otherwise; the collateral withdrawal capped at the collateral;
//   - a partial decrease that would leave too little collateral keeps the collateral in (or closes
//     the position when even that is not enough, or when the rest is under MIN_POSITION_SIZE_USD);
//   - Liquidation orders only when PositionUtils.isPositionLiquidatable (forLiquidation) holds,
//     otherwise PositionShouldNotBeLiquidated;
//   - realized PnL: profit is paid from the pool in the PnL token (long token for longs, short token
//     for shorts), or in the collateral token with DecreasePositionSwapType.SwapPnlTokenToCollateralToken;
//     losses and the position and borrowing fees go to the pool; funding stays in the market for
//     the receiving side to claim. Costs are paid from the profit first, then from collateral; a
//     shortfall reverts InsufficientFundsToPayForCosts except for liquidations (the pool absorbs it).
// Deviations: processOrder(key, order) is this world's internal controller interface; no price
// impact, no swaps through markets, no liquidation fee. Written for Ballast; no code copied.

import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DataStore} from "./DataStore.sol";
import {EventEmitter} from "./EventEmitter.sol";
import {MarketToken} from "./Bank.sol";
import {Errors, Market, MarketUtils, Order, Position, PositionPricingUtils, PositionUtils} from "./Types.sol";
import {Keys, Precision} from "./Keys.sol";
import {MarketMath} from "./MarketMath.sol";
import {PositionMath} from "./PositionMath.sol";
import {BaseOrderExecutor} from "./IncreaseOrderExecutor.sol";
import {RoleStore} from "./RoleStore.sol";

contract DecreaseOrderExecutor is BaseOrderExecutor {
    struct Cache {
        Market.Props market;
        MarketUtils.MarketPrices prices;
        bytes32 positionKey;
        bool isLiquidation;
        uint256 price;
        uint256 sizeDeltaUsd;
        uint256 withdrawAmount;
        address pnlToken;
        uint256 pnlTokenPrice;
        uint256 collateralPrice;
        int256 pnlUsd;
        uint256 sizeDeltaInTokens;
        uint256 remainingCollateral;
        uint256 outputAmount;
        uint256 secondaryOutputAmount;
        uint256 poolDeltaCollateral;
        uint256 poolDeltaPnlToken;
    }

    constructor(RoleStore roleStore_, DataStore dataStore_, EventEmitter eventEmitter_)
        BaseOrderExecutor(roleStore_, dataStore_, eventEmitter_)
    {}

    /// Execute a decrease or liquidation order; pays the outputs to order.receiver.
    function processOrder(bytes32 orderKey, Order.Props calldata order) external onlyController {
        Cache memory cache;
        cache.market = _loadMarket(order.addresses.market);
        _validateCollateralToken(cache.market, order.addresses.initialCollateralToken);
        if (order.addresses.swapPath.length != 0) revert Errors.SwapPathNotSupported(order.addresses.swapPath.length);
        cache.isLiquidation = order.numbers.orderType == Order.OrderType.Liquidation;

        cache.prices = MarketMath.getMarketPrices(dataStore, cache.market);
        cache.price = PositionMath.indexPriceFor(cache.prices, order.flags.isLong, false);
        _validateTrigger(order, cache.price);
        if (!cache.isLiquidation) {
            _validateAcceptablePrice(cache.price, order.numbers.acceptablePrice, order.flags.isLong, false);
        }
        MarketMath.updateFundingAndBorrowingState(dataStore, cache.market, cache.prices);

        cache.positionKey = Position.getPositionKey(
            order.addresses.account, cache.market.marketToken, order.addresses.initialCollateralToken, order.flags.isLong
        );
        Position.Props memory position = dataStore.getPosition(cache.positionKey);
        if (position.addresses.account == address(0)) revert Errors.EmptyPosition();

        cache.collateralPrice = MarketMath.getCollateralTokenPrice(
            cache.market, cache.prices, position.addresses.collateralToken
        ).min;
        cache.pnlToken = position.flags.isLong ? cache.market.longToken : cache.market.shortToken;
        cache.pnlTokenPrice = position.flags.isLong ? cache.prices.longTokenPrice.min : cache.prices.shortTokenPrice.min;

        _adjustOrderToPosition(order, position, cache);
        if (cache.isLiquidation) _validateLiquidatable(position, cache);

        PositionPricingUtils.PositionFees memory fees = _processCollateral(order, position, cache);
        EventEmitter.PositionChange memory change = _updatePosition(orderKey, order, position, cache, fees);
        _payOutputs(order, position, cache);

        _emitFees(
            orderKey,
            cache.positionKey,
            cache.market.marketToken,
            position.addresses.collateralToken,
            cache.sizeDeltaUsd,
            false,
            fees
        );
        eventEmitter.emitPositionDecrease(position, change);
    }

    function _adjustOrderToPosition(Order.Props calldata order, Position.Props memory position, Cache memory cache)
        private
        view
    {
        uint256 size = position.numbers.sizeInUsd;
        cache.sizeDeltaUsd = order.numbers.sizeDeltaUsd;
        if (cache.sizeDeltaUsd > size) {
            Order.OrderType orderType = order.numbers.orderType;
            if (Order.isMarketOrder(orderType) && orderType != Order.OrderType.Liquidation) {
                revert Errors.InvalidDecreaseOrderSize(cache.sizeDeltaUsd, size);
            }
            cache.sizeDeltaUsd = size;
        }
        cache.withdrawAmount = order.numbers.initialCollateralDeltaAmount;
        if (cache.withdrawAmount > position.numbers.collateralAmount) {
            cache.withdrawAmount = position.numbers.collateralAmount;
        }
        if (cache.sizeDeltaUsd < size) _checkRemainingCollateral(position, cache);
        if (cache.sizeDeltaUsd == size) cache.withdrawAmount = 0;
    }

    /// DecreasePositionUtils' partial-decrease rules (see header).
    function _checkRemainingCollateral(Position.Props memory position, Cache memory cache) private view {
        uint256 size = position.numbers.sizeInUsd;
        (int256 totalPnl,) = PositionMath.getPositionPnlUsd(position, cache.price, size);
        int256 realizedPnl = Precision.mulDiv(totalPnl, cache.sizeDeltaUsd, size);
        int256 remainingPnl = totalPnl - realizedPnl;

        int256 remainingCollateralUsd =
            SafeCast.toInt256((position.numbers.collateralAmount - cache.withdrawAmount) * cache.collateralPrice);
        if (realizedPnl < 0) remainingCollateralUsd += realizedPnl;
        int256 minForLeverage = SafeCast.toInt256(
            Precision.applyFactor(
                size - cache.sizeDeltaUsd, dataStore.getUint(Keys.minCollateralFactorKey(cache.market.marketToken))
            )
        );
        int256 minCollateralUsd = SafeCast.toInt256(dataStore.getUint(Keys.MIN_COLLATERAL_USD));

        if (remainingCollateralUsd < minForLeverage || remainingCollateralUsd + remainingPnl < minCollateralUsd) {
            if (cache.sizeDeltaUsd == 0) revert Errors.UnableToWithdrawCollateral(remainingCollateralUsd);
            remainingCollateralUsd += SafeCast.toInt256(cache.withdrawAmount * cache.collateralPrice);
            cache.withdrawAmount = 0;
        }
        if (remainingCollateralUsd + remainingPnl < minCollateralUsd) cache.sizeDeltaUsd = size;
        if (size > cache.sizeDeltaUsd && size - cache.sizeDeltaUsd < dataStore.getUint(Keys.MIN_POSITION_SIZE_USD)) {
            cache.sizeDeltaUsd = size;
        }
    }

    function _validateLiquidatable(Position.Props memory position, Cache memory cache) private view {
        (bool liquidatable, string memory reason, PositionUtils.IsPositionLiquidatableInfo memory info) =
            PositionMath.isPositionLiquidatable(dataStore, position, cache.market, cache.prices, true, true);
        if (!liquidatable) {
            revert Errors.PositionShouldNotBeLiquidated(
                reason, info.remainingCollateralUsd, info.minCollateralUsd, info.minCollateralUsdForLeverage
            );
        }
    }

    /// Realize PnL, pay the costs, take out the collateral to withdraw; fills the cache's amounts.
    function _processCollateral(Order.Props calldata order, Position.Props memory position, Cache memory cache)
        private
        returns (PositionPricingUtils.PositionFees memory fees)
    {
        (cache.pnlUsd, cache.sizeDeltaInTokens) = PositionMath.getPositionPnlUsd(position, cache.price, cache.sizeDeltaUsd);
        bool improved = MarketMath.balanceWasImproved(
            dataStore, cache.market, position.flags.isLong, -SafeCast.toInt256(cache.sizeDeltaUsd)
        );
        fees = PositionMath.getPositionFees(dataStore, position, cache.market, cache.prices, cache.sizeDeltaUsd, improved);
        cache.remainingCollateral = position.numbers.collateralAmount;

        if (cache.pnlUsd > 0) _takeProfit(order, position, cache);

        uint256 unpaidUsd = _payCost(cache, fees.funding.fundingFeeAmount);
        // the funding fee paid is not pool money: it stays in the market for the receiving side to claim
        cache.poolDeltaCollateral = 0;
        cache.poolDeltaPnlToken = 0;
        uint256 lossAmount =
            cache.pnlUsd < 0 ? Precision.roundUpDivision(SignedMath.abs(cache.pnlUsd), cache.collateralPrice) : 0;
        unpaidUsd += _payCost(cache, lossAmount + fees.positionFeeAmount + fees.borrowing.borrowingFeeAmount);
        if (unpaidUsd > 0 && !cache.isLiquidation) {
            revert Errors.InsufficientFundsToPayForCosts(unpaidUsd, "collateral");
        }

        if (cache.sizeDeltaUsd == position.numbers.sizeInUsd) {
            cache.outputAmount += cache.remainingCollateral;
            cache.remainingCollateral = 0;
        } else {
            uint256 withdrawn =
                cache.withdrawAmount > cache.remainingCollateral ? cache.remainingCollateral : cache.withdrawAmount;
            cache.outputAmount += withdrawn;
            cache.remainingCollateral -= withdrawn;
        }

        address market = cache.market.marketToken;
        MarketMath.applyDeltaToPoolAmount(
            dataStore, market, position.addresses.collateralToken, SafeCast.toInt256(cache.poolDeltaCollateral)
        );
        MarketMath.applyDeltaToPoolAmount(dataStore, market, cache.pnlToken, SafeCast.toInt256(cache.poolDeltaPnlToken));
    }

    function _takeProfit(Order.Props calldata order, Position.Props memory position, Cache memory cache) private {
        bool inCollateral = cache.pnlToken == position.addresses.collateralToken
            || order.numbers.decreasePositionSwapType == Order.DecreasePositionSwapType.SwapPnlTokenToCollateralToken;
        address market = cache.market.marketToken;
        if (inCollateral) {
            cache.outputAmount = SafeCast.toUint256(cache.pnlUsd) / cache.collateralPrice;
            MarketMath.applyDeltaToPoolAmount(
                dataStore, market, position.addresses.collateralToken, -SafeCast.toInt256(cache.outputAmount)
            );
        } else {
            cache.secondaryOutputAmount = SafeCast.toUint256(cache.pnlUsd) / cache.pnlTokenPrice;
            MarketMath.applyDeltaToPoolAmount(dataStore, market, cache.pnlToken, -SafeCast.toInt256(cache.secondaryOutputAmount));
        }
    }

    /// Pay `amount` of collateral token from the profit output, then the collateral, then the
    /// profit paid in the PnL token; returns the USD left unpaid. Everything paid is counted for the pool.
    function _payCost(Cache memory cache, uint256 amount) private pure returns (uint256 unpaidUsd) {
        uint256 fromOutput = amount < cache.outputAmount ? amount : cache.outputAmount;
        cache.outputAmount -= fromOutput;
        amount -= fromOutput;
        uint256 fromCollateral = amount < cache.remainingCollateral ? amount : cache.remainingCollateral;
        cache.remainingCollateral -= fromCollateral;
        amount -= fromCollateral;
        cache.poolDeltaCollateral += fromOutput + fromCollateral;
        if (amount == 0) return 0;

        uint256 usd = amount * cache.collateralPrice;
        uint256 fromSecondary = Precision.roundUpDivision(usd, cache.pnlTokenPrice);
        if (fromSecondary > cache.secondaryOutputAmount) fromSecondary = cache.secondaryOutputAmount;
        cache.secondaryOutputAmount -= fromSecondary;
        cache.poolDeltaPnlToken += fromSecondary;
        uint256 coveredUsd = fromSecondary * cache.pnlTokenPrice;
        return coveredUsd >= usd ? 0 : usd - coveredUsd;
    }

    function _updatePosition(
        bytes32 orderKey,
        Order.Props calldata order,
        Position.Props memory position,
        Cache memory cache,
        PositionPricingUtils.PositionFees memory fees
    ) private returns (EventEmitter.PositionChange memory change) {
        change.orderKey = orderKey;
        change.positionKey = cache.positionKey;
        change.orderType = uint256(order.numbers.orderType);
        change.executionPrice = cache.price;
        change.indexTokenPrice = cache.price;
        change.collateralTokenPrice = cache.collateralPrice;
        change.sizeDeltaUsd = cache.sizeDeltaUsd;
        change.sizeDeltaInTokens = cache.sizeDeltaInTokens;
        change.collateralDeltaAmount =
            SafeCast.toInt256(cache.remainingCollateral) - SafeCast.toInt256(position.numbers.collateralAmount);
        change.basePnlUsd = cache.pnlUsd;
        change.outputAmount = cache.outputAmount;
        change.secondaryOutputAmount = cache.secondaryOutputAmount;

        position.numbers.sizeInUsd -= cache.sizeDeltaUsd;
        position.numbers.sizeInTokens -= cache.sizeDeltaInTokens;
        position.numbers.collateralAmount = cache.remainingCollateral;
        position.numbers.decreasedAtTime = block.timestamp;
        position.numbers.borrowingFactor =
            MarketMath.getCumulativeBorrowingFactor(dataStore, cache.market.marketToken, position.flags.isLong);
        _snapshotFunding(position, fees.funding);
        _creditClaimableFunding(cache.market, position.addresses.account, fees.funding);

        MarketMath.applyDeltaToOpenInterest(
            dataStore,
            cache.market.marketToken,
            position.addresses.collateralToken,
            position.flags.isLong,
            -SafeCast.toInt256(cache.sizeDeltaUsd),
            -SafeCast.toInt256(cache.sizeDeltaInTokens)
        );

        if (position.numbers.sizeInUsd == 0 || position.numbers.sizeInTokens == 0) {
            // a closed position's leftover collateral and tokens were paid out above
            dataStore.removePosition(cache.positionKey);
        } else {
            PositionMath.validatePosition(dataStore, position, cache.market, cache.prices, false, false);
            dataStore.setPosition(cache.positionKey, position);
        }
    }

    function _payOutputs(Order.Props calldata order, Position.Props memory position, Cache memory cache) private {
        if (!cache.isLiquidation) {
            uint256 outputUsd =
                cache.outputAmount * cache.collateralPrice + cache.secondaryOutputAmount * cache.pnlTokenPrice;
            if (outputUsd < order.numbers.minOutputAmount) {
                revert Errors.InsufficientOutputAmount(outputUsd, order.numbers.minOutputAmount);
            }
        }
        MarketToken market = MarketToken(payable(cache.market.marketToken));
        bool unwrap = order.flags.shouldUnwrapNativeToken;
        market.transferOut(position.addresses.collateralToken, order.addresses.receiver, cache.outputAmount, unwrap);
        market.transferOut(cache.pnlToken, order.addresses.receiver, cache.secondaryOutputAmount, unwrap);
    }
}
