// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Position increases of the local GMX v2 world.
// Plays the part of gmx-io/gmx-synthetics v2.2 contracts/order/IncreaseOrderExecutor.sol with
// contracts/order/IncreaseOrderUtils.sol and contracts/position/IncreasePositionUtils.sol:
// update funding/borrowing state, check the trigger (limit/stop orders) and acceptablePrice, charge
// the pending fees and the position fee from the collateral sent, add size at the oracle price
// (sizeDeltaInTokens rounded down for longs, up for shorts), move open interest, check the pool
// reserve and that the position is not liquidatable.
// Deviations: processOrder(key, order) is this world's internal controller interface (the real one
// takes BaseOrderUtils.ExecuteOrderParams); no swaps, no price impact. Written for Ballast; no code copied.

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {DataStore} from "./DataStore.sol";
import {EventEmitter} from "./EventEmitter.sol";
import {Errors, Market, MarketUtils, Order, Position, PositionPricingUtils} from "./Types.sol";
import {Keys, Precision} from "./Keys.sol";
import {MarketMath} from "./MarketMath.sol";
import {PositionMath} from "./PositionMath.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

/// What the order executors share: loading the market, prices and state update, price checks.
abstract contract BaseOrderExecutor is RoleModule {
    DataStore public immutable dataStore;
    EventEmitter public immutable eventEmitter;

    constructor(RoleStore roleStore_, DataStore dataStore_, EventEmitter eventEmitter_) RoleModule(roleStore_) {
        dataStore = dataStore_;
        eventEmitter = eventEmitter_;
    }

    function _loadMarket(address marketAddress) internal view returns (Market.Props memory market) {
        market = dataStore.getMarket(marketAddress);
        if (market.marketToken == address(0)) revert Errors.InvalidPositionMarket(marketAddress);
        if (dataStore.getBool(Keys.isMarketDisabledKey(marketAddress))) revert Errors.DisabledMarket(marketAddress);
    }

    function _validateCollateralToken(Market.Props memory market, address token) internal pure {
        if (token != market.longToken && token != market.shortToken) {
            revert Errors.InvalidCollateralTokenForMarket(market.marketToken, token);
        }
    }

    /// Limit/stop orders execute only once the oracle price has crossed the trigger price
    /// (BaseOrderUtils.validateOrderTriggerPrice); otherwise the keeper's call reverts and the order waits.
    function _validateTrigger(Order.Props memory order, uint256 price) internal pure {
        Order.OrderType orderType = order.numbers.orderType;
        if (Order.isMarketOrder(orderType)) return;
        uint256 trigger = order.numbers.triggerPrice;
        bool isLong = order.flags.isLong;
        bool ok;
        if (orderType == Order.OrderType.LimitIncrease) ok = isLong ? price <= trigger : price >= trigger;
        else if (orderType == Order.OrderType.StopIncrease) ok = isLong ? price >= trigger : price <= trigger;
        else if (orderType == Order.OrderType.LimitDecrease) ok = isLong ? price >= trigger : price <= trigger;
        else if (orderType == Order.OrderType.StopLossDecrease) ok = isLong ? price <= trigger : price >= trigger;
        if (!ok) revert Errors.InvalidOrderPrices(price, price, trigger, uint256(orderType));
    }

    /// Buying (long increase, short decrease) needs price <= acceptablePrice; selling needs price >= it.
    function _validateAcceptablePrice(uint256 price, uint256 acceptablePrice, bool isLong, bool isIncrease)
        internal
        pure
    {
        bool buying = isLong == isIncrease;
        bool ok = buying ? price <= acceptablePrice : price >= acceptablePrice;
        if (!ok) revert Errors.OrderNotFulfillableAtAcceptablePrice(price, acceptablePrice);
    }

    function _emitFees(
        bytes32 orderKey,
        bytes32 positionKey,
        address market,
        address collateralToken,
        uint256 tradeSizeUsd,
        bool isIncrease,
        PositionPricingUtils.PositionFees memory fees
    ) internal {
        eventEmitter.emitPositionFeesCollected(
            orderKey, positionKey, market, collateralToken, tradeSizeUsd, isIncrease, fees
        );
    }

    /// Funding received by the position becomes claimable by the account (ExchangeRouter.claimFundingFees).
    function _creditClaimableFunding(
        Market.Props memory market,
        address account,
        PositionPricingUtils.PositionFundingFees memory funding
    ) internal {
        _creditClaimable(market.marketToken, market.longToken, account, funding.claimableLongTokenAmount);
        _creditClaimable(market.marketToken, market.shortToken, account, funding.claimableShortTokenAmount);
    }

    function _creditClaimable(address market, address token, address account, uint256 amount) private {
        if (amount == 0) return;
        dataStore.incrementUint(Keys.claimableFundingAmountKey(market, token, account), amount);
        dataStore.incrementUint(Keys.claimableFundingAmountKey(market, token), amount);
    }

    function _snapshotFunding(Position.Props memory position, PositionPricingUtils.PositionFundingFees memory funding)
        internal
        pure
    {
        position.numbers.fundingFeeAmountPerSize = funding.latestFundingFeeAmountPerSize;
        position.numbers.longTokenClaimableFundingAmountPerSize = funding.latestLongTokenClaimableFundingAmountPerSize;
        position.numbers.shortTokenClaimableFundingAmountPerSize =
            funding.latestShortTokenClaimableFundingAmountPerSize;
    }
}

contract IncreaseOrderExecutor is BaseOrderExecutor {
    constructor(RoleStore roleStore_, DataStore dataStore_, EventEmitter eventEmitter_)
        BaseOrderExecutor(roleStore_, dataStore_, eventEmitter_)
    {}

    /// Execute an increase order whose collateral the handler has already moved into the market.
    function processOrder(bytes32 orderKey, Order.Props calldata order) external onlyController {
        Market.Props memory market = _loadMarket(order.addresses.market);
        address collateralToken = order.addresses.initialCollateralToken;
        _validateCollateralToken(market, collateralToken);
        if (order.addresses.swapPath.length != 0) revert Errors.SwapPathNotSupported(order.addresses.swapPath.length);

        MarketUtils.MarketPrices memory prices = MarketMath.getMarketPrices(dataStore, market);
        uint256 price = PositionMath.indexPriceFor(prices, order.flags.isLong, true);
        _validateTrigger(order, price);
        _validateAcceptablePrice(price, order.numbers.acceptablePrice, order.flags.isLong, true);
        MarketMath.updateFundingAndBorrowingState(dataStore, market, prices);

        bytes32 positionKey = Position.getPositionKey(
            order.addresses.account, market.marketToken, collateralToken, order.flags.isLong
        );
        Position.Props memory position = dataStore.getPosition(positionKey);
        if (position.addresses.account == address(0)) {
            position.addresses = Position.Addresses(order.addresses.account, market.marketToken, collateralToken);
            position.flags.isLong = order.flags.isLong;
        }

        EventEmitter.PositionChange memory change;
        change.orderKey = orderKey;
        change.positionKey = positionKey;
        change.orderType = uint256(order.numbers.orderType);
        change.executionPrice = price;
        change.indexTokenPrice = price;
        change.sizeDeltaUsd = order.numbers.sizeDeltaUsd;

        PositionPricingUtils.PositionFees memory fees = _chargeFees(position, market, prices, order, change);
        _addSize(position, market, prices, change);

        PositionMath.validatePosition(dataStore, position, market, prices, true, true);
        dataStore.setPosition(positionKey, position);

        _emitFees(orderKey, positionKey, market.marketToken, collateralToken, order.numbers.sizeDeltaUsd, true, fees);
        eventEmitter.emitPositionIncrease(position, change);
    }

    /// Deduct the pending borrowing/funding fees and the position fee from collateral + collateral sent.
    function _chargeFees(
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        Order.Props calldata order,
        EventEmitter.PositionChange memory change
    ) private returns (PositionPricingUtils.PositionFees memory fees) {
        bool improved = MarketMath.balanceWasImproved(
            dataStore, market, position.flags.isLong, SafeCast.toInt256(order.numbers.sizeDeltaUsd)
        );
        fees = PositionMath.getPositionFees(dataStore, position, market, prices, order.numbers.sizeDeltaUsd, improved);
        change.collateralTokenPrice = fees.collateralTokenPrice.min;

        int256 collateralDelta = SafeCast.toInt256(order.numbers.initialCollateralDeltaAmount) - SafeCast.toInt256(fees.totalCostAmount);
        if (collateralDelta < 0 && SignedMath.abs(collateralDelta) > position.numbers.collateralAmount) {
            revert Errors.InsufficientCollateralAmount(position.numbers.collateralAmount, collateralDelta);
        }
        position.numbers.collateralAmount = collateralDelta < 0
            ? position.numbers.collateralAmount - SignedMath.abs(collateralDelta)
            : position.numbers.collateralAmount + SignedMath.abs(collateralDelta);
        change.collateralDeltaAmount = collateralDelta;

        MarketMath.applyDeltaToPoolAmount(
            dataStore, market.marketToken, position.addresses.collateralToken, SafeCast.toInt256(fees.feeAmountForPool)
        );
        _creditClaimableFunding(market, position.addresses.account, fees.funding);
        _snapshotFunding(position, fees.funding);
        position.numbers.borrowingFactor =
            MarketMath.getCumulativeBorrowingFactor(dataStore, market.marketToken, position.flags.isLong);
    }

    function _addSize(
        Position.Props memory position,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        EventEmitter.PositionChange memory change
    ) private {
        uint256 sizeDeltaUsd = change.sizeDeltaUsd;
        uint256 sizeDeltaInTokens = position.flags.isLong
            ? sizeDeltaUsd / change.executionPrice
            : Precision.roundUpDivision(sizeDeltaUsd, change.executionPrice);
        if (sizeDeltaUsd > 0 && sizeDeltaInTokens == 0) revert Errors.EmptySizeDeltaInTokens();
        change.sizeDeltaInTokens = sizeDeltaInTokens;

        position.numbers.sizeInUsd += sizeDeltaUsd;
        position.numbers.sizeInTokens += sizeDeltaInTokens;
        position.numbers.increasedAtTime = block.timestamp;

        MarketMath.applyDeltaToOpenInterest(
            dataStore,
            market.marketToken,
            position.addresses.collateralToken,
            position.flags.isLong,
            SafeCast.toInt256(sizeDeltaUsd),
            SafeCast.toInt256(sizeDeltaInTokens)
        );
        MarketMath.validateReserve(dataStore, market, prices, position.flags.isLong);
    }
}
