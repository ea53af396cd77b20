// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Single event source of the local GMX v2 world, as gmx-io/gmx-synthetics v2.2
// contracts/event/EventEmitter.sol: every protocol event is an EventLog1/EventLog2 record
// (msgSender, eventName, indexed eventNameHash, indexed topic1[, topic2], EventUtils.EventLogData)
// from this one address, so a client filters logs on it and reads the named items.
//
// The controllers (OrderHandler, the order executors, LiquidationHandler, ExchangeRouter,
// MarketFactory) call one function per event; each builds the EventLogData the release builds, with
// the same event name, topics, item groups, keys and order:
//   OrderCreated, OrderExecuted, OrderCancelled, OrderFrozen: contracts/order/OrderEventUtils.sol
//     (EventLog2, topic1 = order key, topic2 = account; OrderCreated's items are createEventData's)
//   PositionIncrease, PositionDecrease, PositionFeesCollected: contracts/position/PositionEventUtils.sol
//     (EventLog1, topic1 = account for position changes, the market for fees). A liquidation is a
//     Liquidation-type order (contracts/liquidation/LiquidationUtils.sol createLiquidationOrder emits
//     OrderCreated) executed like any decrease: PositionDecrease with orderType 7, then OrderExecuted.
//   MarketCreated: contracts/market/MarketFactory.sol; FundingFeesClaimed: contracts/market/
//     MarketEventUtils.sol; KeeperExecutionFee, ExecutionFeeRefund: contracts/gas/GasUtils.sol.
// Values the mirror does not model are the release's values for a market without them: no price
// impact (impact items 0), no referral, pro or UI discounts (their conditional fee items absent).
// Deviation: FundingFeesClaimed has no "nextPoolValue" item (the mirror keeps no pool value there).
// The layout is IGmxV2EventEmitter's (contracts/src/interfaces/IGmxV2.sol), the interface the
// connector decodes. Written for Ballast; no code copied.

import {IGmxV2EventEmitter} from "../interfaces/IGmxV2.sol";
import {Market, Order, Position, PositionPricingUtils} from "./Types.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

contract EventEmitter is RoleModule, IGmxV2EventEmitter {
    /// One position change, as the executors compute it; `position` is passed separately (after the change).
    struct PositionChange {
        bytes32 orderKey;
        bytes32 positionKey;
        uint256 orderType;
        uint256 executionPrice;
        uint256 indexTokenPrice;
        uint256 collateralTokenPrice;
        uint256 sizeDeltaUsd;
        uint256 sizeDeltaInTokens;
        int256 collateralDeltaAmount;
        int256 basePnlUsd;
        uint256 outputAmount;
        uint256 secondaryOutputAmount;
    }

    constructor(RoleStore roleStore_) RoleModule(roleStore_) {}

    // --- the release's generic entry points --------------------------------------------------

    function emitEventLog1(string memory eventName, bytes32 topic1, EventLogData memory eventData)
        public
        onlyController
    {
        emit EventLog1(msg.sender, eventName, eventName, topic1, eventData);
    }

    function emitEventLog2(string memory eventName, bytes32 topic1, bytes32 topic2, EventLogData memory eventData)
        public
        onlyController
    {
        emit EventLog2(msg.sender, eventName, eventName, topic1, topic2, eventData);
    }

    // --- orders (OrderEventUtils) ----------------------------------------------------------------

    function emitOrderCreated(bytes32 key, Order.Props calldata order) external onlyController {
        EventLogData memory data = _orderData(order);
        data.bytes32Items.items = _bytes32s1("key", key);
        emit EventLog2(msg.sender, "OrderCreated", "OrderCreated", key, _topic(order.addresses.account), data);
    }

    function emitOrderExecuted(bytes32 key, address account, uint256 secondaryOrderType) external onlyController {
        EventLogData memory data;
        data.bytes32Items.items = _bytes32s1("key", key);
        data.addressItems.items = _addresses1("account", account);
        data.uintItems.items = new UintKeyValue[](1);
        data.uintItems.items[0] = UintKeyValue("secondaryOrderType", secondaryOrderType);
        emit EventLog2(msg.sender, "OrderExecuted", "OrderExecuted", key, _topic(account), data);
    }

    function emitOrderCancelled(bytes32 key, address account, string calldata reason, bytes calldata reasonBytes)
        external
        onlyController
    {
        emit EventLog2(
            msg.sender, "OrderCancelled", "OrderCancelled", key, _topic(account), _reasonData(key, account, reason, reasonBytes)
        );
    }

    /// A limit-type order that failed is frozen rather than cancelled in the release; the local
    /// world's keeper only runs market orders (always cancelled on failure), so nothing calls this yet.
    function emitOrderFrozen(bytes32 key, address account, string calldata reason, bytes calldata reasonBytes)
        external
        onlyController
    {
        emit EventLog2(
            msg.sender, "OrderFrozen", "OrderFrozen", key, _topic(account), _reasonData(key, account, reason, reasonBytes)
        );
    }

    // --- positions (PositionEventUtils) ------------------------------------------------------------

    function emitPositionIncrease(Position.Props calldata position, PositionChange calldata change)
        external
        onlyController
    {
        EventLogData memory data;
        data.addressItems.items = _positionAddresses(position);
        UintKeyValue[] memory uints = _positionUints(position, change, 16);
        uints[14] = UintKeyValue("orderType", change.orderType);
        uints[15] = UintKeyValue("increasedAtTime", position.numbers.increasedAtTime);
        data.uintItems.items = uints;
        data.intItems.items = new IntKeyValue[](3);
        data.intItems.items[0] = IntKeyValue("collateralDeltaAmount", change.collateralDeltaAmount);
        data.intItems.items[1] = IntKeyValue("pendingPriceImpactUsd", 0);
        data.intItems.items[2] = IntKeyValue("pendingPriceImpactAmount", 0);
        data.boolItems.items = _isLong(position);
        data.bytes32Items.items = _orderAndPositionKeys(change);
        emit EventLog1(msg.sender, "PositionIncrease", "PositionIncrease", _topic(position.addresses.account), data);
    }

    function emitPositionDecrease(Position.Props calldata position, PositionChange calldata change)
        external
        onlyController
    {
        EventLogData memory data;
        data.addressItems.items = _positionAddresses(position);
        UintKeyValue[] memory uints = _positionUints(position, change, 18);
        // the collateral taken out of the position (the release passes the order's adjusted amount)
        uint256 removed = change.collateralDeltaAmount < 0 ? uint256(-change.collateralDeltaAmount) : 0;
        uints[14] = UintKeyValue("collateralDeltaAmount", removed);
        uints[15] = UintKeyValue("values.priceImpactDiffUsd", 0);
        uints[16] = UintKeyValue("orderType", change.orderType);
        uints[17] = UintKeyValue("decreasedAtTime", position.numbers.decreasedAtTime);
        data.uintItems.items = uints;
        data.intItems.items = new IntKeyValue[](5);
        data.intItems.items[0] = IntKeyValue("priceImpactUsd", 0);
        data.intItems.items[1] = IntKeyValue("basePnlUsd", change.basePnlUsd);
        data.intItems.items[2] = IntKeyValue("uncappedBasePnlUsd", change.basePnlUsd);
        data.intItems.items[3] = IntKeyValue("proportionalPendingImpactUsd", 0);
        data.intItems.items[4] = IntKeyValue("totalImpactUsd", 0);
        data.boolItems.items = _isLong(position);
        data.bytes32Items.items = _orderAndPositionKeys(change);
        emit EventLog1(msg.sender, "PositionDecrease", "PositionDecrease", _topic(position.addresses.account), data);
    }

    function emitPositionFeesCollected(
        bytes32 orderKey,
        bytes32 positionKey,
        address market,
        address collateralToken,
        uint256 tradeSizeUsd,
        bool isIncrease,
        PositionPricingUtils.PositionFees calldata fees
    ) external onlyController {
        EventLogData memory data;
        data.bytes32Items.items = new Bytes32KeyValue[](3);
        data.bytes32Items.items[0] = Bytes32KeyValue("orderKey", orderKey);
        data.bytes32Items.items[1] = Bytes32KeyValue("positionKey", positionKey);
        data.bytes32Items.items[2] = Bytes32KeyValue("referralCode", fees.referral.referralCode);
        data.addressItems.items = new AddressKeyValue[](5);
        data.addressItems.items[0] = AddressKeyValue("market", market);
        data.addressItems.items[1] = AddressKeyValue("collateralToken", collateralToken);
        data.addressItems.items[2] = AddressKeyValue("affiliate", fees.referral.affiliate);
        data.addressItems.items[3] = AddressKeyValue("trader", fees.referral.trader);
        data.addressItems.items[4] = AddressKeyValue("uiFeeReceiver", fees.ui.uiFeeReceiver);
        data.uintItems.items = _feeUints(tradeSizeUsd, fees);
        data.boolItems.items = new BoolKeyValue[](1);
        data.boolItems.items[0] = BoolKeyValue("isIncrease", isIncrease);
        emit EventLog1(msg.sender, "PositionFeesCollected", "PositionFeesCollected", _topic(market), data);
    }

    // --- markets and fees (MarketFactory, MarketEventUtils, GasUtils) ------------------------------

    function emitMarketCreated(bytes32 salt, Market.Props calldata market, bytes32 marketType)
        external
        onlyController
    {
        EventLogData memory data;
        data.addressItems.items = new AddressKeyValue[](4);
        data.addressItems.items[0] = AddressKeyValue("marketToken", market.marketToken);
        data.addressItems.items[1] = AddressKeyValue("indexToken", market.indexToken);
        data.addressItems.items[2] = AddressKeyValue("longToken", market.longToken);
        data.addressItems.items[3] = AddressKeyValue("shortToken", market.shortToken);
        data.bytes32Items.items = new Bytes32KeyValue[](2);
        data.bytes32Items.items[0] = Bytes32KeyValue("salt", salt);
        data.bytes32Items.items[1] = Bytes32KeyValue("marketType", marketType);
        emit EventLog1(msg.sender, "MarketCreated", "MarketCreated", _topic(market.marketToken), data);
    }

    function emitFundingFeesClaimed(address account, address market, address token, address receiver, uint256 amount)
        external
        onlyController
    {
        EventLogData memory data;
        data.addressItems.items = new AddressKeyValue[](4);
        data.addressItems.items[0] = AddressKeyValue("market", market);
        data.addressItems.items[1] = AddressKeyValue("token", token);
        data.addressItems.items[2] = AddressKeyValue("account", account);
        data.addressItems.items[3] = AddressKeyValue("receiver", receiver);
        data.uintItems.items = new UintKeyValue[](1);
        data.uintItems.items[0] = UintKeyValue("amount", amount);
        emit EventLog1(msg.sender, "FundingFeesClaimed", "FundingFeesClaimed", _topic(account), data);
    }

    function emitKeeperExecutionFee(address keeper, uint256 amount) external onlyController {
        EventLogData memory data;
        data.addressItems.items = _addresses1("keeper", keeper);
        data.uintItems.items = new UintKeyValue[](1);
        data.uintItems.items[0] = UintKeyValue("executionFeeAmount", amount);
        emit EventLog1(msg.sender, "KeeperExecutionFee", "KeeperExecutionFee", _topic(keeper), data);
    }

    function emitExecutionFeeRefund(address receiver, uint256 amount) external onlyController {
        EventLogData memory data;
        data.addressItems.items = _addresses1("receiver", receiver);
        data.uintItems.items = new UintKeyValue[](1);
        data.uintItems.items[0] = UintKeyValue("refundFeeAmount", amount);
        emit EventLog1(msg.sender, "ExecutionFeeRefund", "ExecutionFeeRefund", _topic(receiver), data);
    }

    // --- item builders --------------------------------------------------------------------------

    /// Cast.toBytes32(address): the address right-aligned in a word.
    function _topic(address value) private pure returns (bytes32) {
        return bytes32(uint256(uint160(value)));
    }

    function _addresses1(string memory key, address value) private pure returns (AddressKeyValue[] memory items) {
        items = new AddressKeyValue[](1);
        items[0] = AddressKeyValue(key, value);
    }

    function _bytes32s1(string memory key, bytes32 value) private pure returns (Bytes32KeyValue[] memory items) {
        items = new Bytes32KeyValue[](1);
        items[0] = Bytes32KeyValue(key, value);
    }

    function _reasonData(bytes32 key, address account, string calldata reason, bytes calldata reasonBytes)
        private
        pure
        returns (EventLogData memory data)
    {
        data.bytes32Items.items = _bytes32s1("key", key);
        data.addressItems.items = _addresses1("account", account);
        data.stringItems.items = new StringKeyValue[](1);
        data.stringItems.items[0] = StringKeyValue("reason", reason);
        data.bytesItems.items = new BytesKeyValue[](1);
        data.bytesItems.items[0] = BytesKeyValue("reasonBytes", reasonBytes);
    }

    /// OrderEventUtils.createEventData: the order's addresses, numbers, flags and lists.
    function _orderData(Order.Props calldata order) private pure returns (EventLogData memory data) {
        data.addressItems.items = new AddressKeyValue[](7);
        data.addressItems.items[0] = AddressKeyValue("account", order.addresses.account);
        data.addressItems.items[1] = AddressKeyValue("receiver", order.addresses.receiver);
        data.addressItems.items[2] = AddressKeyValue("callbackContract", order.addresses.callbackContract);
        data.addressItems.items[3] = AddressKeyValue("uiFeeReceiver", order.addresses.uiFeeReceiver);
        data.addressItems.items[4] = AddressKeyValue("market", order.addresses.market);
        data.addressItems.items[5] = AddressKeyValue("initialCollateralToken", order.addresses.initialCollateralToken);
        data.addressItems.items[6] = AddressKeyValue("cancellationReceiver", order.addresses.cancellationReceiver);
        data.addressItems.arrayItems = new AddressArrayKeyValue[](1);
        data.addressItems.arrayItems[0] = AddressArrayKeyValue("swapPath", order.addresses.swapPath);
        data.uintItems.items = _orderUints(order.numbers);
        data.boolItems.items = new BoolKeyValue[](3);
        data.boolItems.items[0] = BoolKeyValue("isLong", order.flags.isLong);
        data.boolItems.items[1] = BoolKeyValue("shouldUnwrapNativeToken", order.flags.shouldUnwrapNativeToken);
        data.boolItems.items[2] = BoolKeyValue("autoCancel", order.flags.autoCancel);
        data.bytes32Items.arrayItems = new Bytes32ArrayKeyValue[](1);
        data.bytes32Items.arrayItems[0] = Bytes32ArrayKeyValue("dataList", order._dataList);
    }

    function _orderUints(Order.Numbers calldata numbers) private pure returns (UintKeyValue[] memory items) {
        items = new UintKeyValue[](12);
        items[0] = UintKeyValue("orderType", uint256(numbers.orderType));
        items[1] = UintKeyValue("decreasePositionSwapType", uint256(numbers.decreasePositionSwapType));
        items[2] = UintKeyValue("sizeDeltaUsd", numbers.sizeDeltaUsd);
        items[3] = UintKeyValue("initialCollateralDeltaAmount", numbers.initialCollateralDeltaAmount);
        items[4] = UintKeyValue("triggerPrice", numbers.triggerPrice);
        items[5] = UintKeyValue("acceptablePrice", numbers.acceptablePrice);
        items[6] = UintKeyValue("executionFee", numbers.executionFee);
        items[7] = UintKeyValue("callbackGasLimit", numbers.callbackGasLimit);
        items[8] = UintKeyValue("minOutputAmount", numbers.minOutputAmount);
        items[9] = UintKeyValue("updatedAtTime", numbers.updatedAtTime);
        items[10] = UintKeyValue("validFromTime", numbers.validFromTime);
        items[11] = UintKeyValue("srcChainId", numbers.srcChainId);
    }

    function _positionAddresses(Position.Props calldata position)
        private
        pure
        returns (AddressKeyValue[] memory items)
    {
        items = new AddressKeyValue[](3);
        items[0] = AddressKeyValue("account", position.addresses.account);
        items[1] = AddressKeyValue("market", position.addresses.market);
        items[2] = AddressKeyValue("collateralToken", position.addresses.collateralToken);
    }

    /// The first 14 uint items, common to PositionIncrease and PositionDecrease; `size` leaves room
    /// for the event's own.
    function _positionUints(Position.Props calldata position, PositionChange calldata change, uint256 size)
        private
        pure
        returns (UintKeyValue[] memory items)
    {
        items = new UintKeyValue[](size);
        items[0] = UintKeyValue("sizeInUsd", position.numbers.sizeInUsd);
        items[1] = UintKeyValue("sizeInTokens", position.numbers.sizeInTokens);
        items[2] = UintKeyValue("collateralAmount", position.numbers.collateralAmount);
        items[3] = UintKeyValue("borrowingFactor", position.numbers.borrowingFactor);
        items[4] = UintKeyValue("fundingFeeAmountPerSize", position.numbers.fundingFeeAmountPerSize);
        items[5] = UintKeyValue(
            "longTokenClaimableFundingAmountPerSize", position.numbers.longTokenClaimableFundingAmountPerSize
        );
        items[6] = UintKeyValue(
            "shortTokenClaimableFundingAmountPerSize", position.numbers.shortTokenClaimableFundingAmountPerSize
        );
        items[7] = UintKeyValue("executionPrice", change.executionPrice);
        items[8] = UintKeyValue("indexTokenPrice.max", change.indexTokenPrice);
        items[9] = UintKeyValue("indexTokenPrice.min", change.indexTokenPrice);
        items[10] = UintKeyValue("collateralTokenPrice.max", change.collateralTokenPrice);
        items[11] = UintKeyValue("collateralTokenPrice.min", change.collateralTokenPrice);
        items[12] = UintKeyValue("sizeDeltaUsd", change.sizeDeltaUsd);
        items[13] = UintKeyValue("sizeDeltaInTokens", change.sizeDeltaInTokens);
    }

    function _isLong(Position.Props calldata position) private pure returns (BoolKeyValue[] memory items) {
        items = new BoolKeyValue[](1);
        items[0] = BoolKeyValue("isLong", position.flags.isLong);
    }

    function _orderAndPositionKeys(PositionChange calldata change)
        private
        pure
        returns (Bytes32KeyValue[] memory items)
    {
        items = new Bytes32KeyValue[](2);
        items[0] = Bytes32KeyValue("orderKey", change.orderKey);
        items[1] = Bytes32KeyValue("positionKey", change.positionKey);
    }

    /// PositionEventUtils._emitPositionFees: 23 items, then the referral, pro and liquidation
    /// groups only when present (in that order).
    function _feeUints(uint256 tradeSizeUsd, PositionPricingUtils.PositionFees calldata fees)
        private
        pure
        returns (UintKeyValue[] memory items)
    {
        uint256 count = 23;
        if (fees.referral.totalRebateFactor > 0) count += 6;
        if (fees.pro.traderDiscountFactor > 0) count += 2;
        if (fees.liquidation.liquidationFeeAmount > 0) count += 3;
        items = new UintKeyValue[](count);
        items[0] = UintKeyValue("collateralTokenPrice.min", fees.collateralTokenPrice.min);
        items[1] = UintKeyValue("collateralTokenPrice.max", fees.collateralTokenPrice.max);
        items[2] = UintKeyValue("tradeSizeUsd", tradeSizeUsd);
        _fundingAndBorrowingUints(items, fees);
        items[13] = UintKeyValue("positionFeeFactor", fees.positionFeeFactor);
        items[14] = UintKeyValue("protocolFeeAmount", fees.protocolFeeAmount);
        items[15] = UintKeyValue("positionFeeReceiverFactor", fees.positionFeeReceiverFactor);
        items[16] = UintKeyValue("feeReceiverAmount", fees.feeReceiverAmount);
        items[17] = UintKeyValue("feeAmountForPool", fees.feeAmountForPool);
        items[18] = UintKeyValue("positionFeeAmountForPool", fees.positionFeeAmountForPool);
        items[19] = UintKeyValue("positionFeeAmount", fees.positionFeeAmount);
        items[20] = UintKeyValue("totalCostAmount", fees.totalCostAmount);
        items[21] = UintKeyValue("uiFeeReceiverFactor", fees.ui.uiFeeReceiverFactor);
        items[22] = UintKeyValue("uiFeeAmount", fees.ui.uiFeeAmount);
        _optionalFeeUints(items, fees);
    }

    function _fundingAndBorrowingUints(UintKeyValue[] memory items, PositionPricingUtils.PositionFees calldata fees)
        private
        pure
    {
        items[3] = UintKeyValue("fundingFeeAmount", fees.funding.fundingFeeAmount);
        items[4] = UintKeyValue("claimableLongTokenAmount", fees.funding.claimableLongTokenAmount);
        items[5] = UintKeyValue("claimableShortTokenAmount", fees.funding.claimableShortTokenAmount);
        items[6] = UintKeyValue("latestFundingFeeAmountPerSize", fees.funding.latestFundingFeeAmountPerSize);
        items[7] = UintKeyValue(
            "latestLongTokenClaimableFundingAmountPerSize", fees.funding.latestLongTokenClaimableFundingAmountPerSize
        );
        items[8] = UintKeyValue(
            "latestShortTokenClaimableFundingAmountPerSize", fees.funding.latestShortTokenClaimableFundingAmountPerSize
        );
        items[9] = UintKeyValue("borrowingFeeUsd", fees.borrowing.borrowingFeeUsd);
        items[10] = UintKeyValue("borrowingFeeAmount", fees.borrowing.borrowingFeeAmount);
        items[11] = UintKeyValue("borrowingFeeReceiverFactor", fees.borrowing.borrowingFeeReceiverFactor);
        items[12] = UintKeyValue("borrowingFeeAmountForFeeReceiver", fees.borrowing.borrowingFeeAmountForFeeReceiver);
    }

    function _optionalFeeUints(UintKeyValue[] memory items, PositionPricingUtils.PositionFees calldata fees)
        private
        pure
    {
        uint256 next = 23;
        if (fees.referral.totalRebateFactor > 0) {
            items[next++] = UintKeyValue("referral.totalRebateFactor", fees.referral.totalRebateFactor);
            items[next++] =
                UintKeyValue("referral.adjustedAffiliateRewardFactor", fees.referral.adjustedAffiliateRewardFactor);
            items[next++] = UintKeyValue("referral.traderDiscountFactor", fees.referral.traderDiscountFactor);
            items[next++] = UintKeyValue("referral.totalRebateAmount", fees.referral.totalRebateAmount);
            items[next++] = UintKeyValue("referral.traderDiscountAmount", fees.referral.traderDiscountAmount);
            items[next++] = UintKeyValue("referral.affiliateRewardAmount", fees.referral.affiliateRewardAmount);
        }
        if (fees.pro.traderDiscountFactor > 0) {
            items[next++] = UintKeyValue("pro.traderDiscountFactor", fees.pro.traderDiscountFactor);
            items[next++] = UintKeyValue("pro.traderDiscountAmount", fees.pro.traderDiscountAmount);
        }
        if (fees.liquidation.liquidationFeeAmount > 0) {
            items[next++] = UintKeyValue("liquidationFeeAmount", fees.liquidation.liquidationFeeAmount);
            items[next++] =
                UintKeyValue("liquidationFeeReceiverFactor", fees.liquidation.liquidationFeeReceiverFactor);
            items[next++] = UintKeyValue(
                "liquidationFeeAmountForFeeReceiver", fees.liquidation.liquidationFeeAmountForFeeReceiver
            );
        }
    }
}
