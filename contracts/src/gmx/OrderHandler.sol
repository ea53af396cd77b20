// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Order lifecycle of the local GMX v2 world. Mirrors gmx-io/gmx-synthetics v2.2:
//   contracts/exchange/OrderHandler.sol  createOrder(address account, uint256 srcChainId,
//       CreateOrderParams params, bool shouldCapMaxExecutionFee) and cancelOrder(bytes32 key), both
//       CONTROLLER-only (called by ExchangeRouter); executeOrder(bytes32 key,
//       OracleUtils.SetPricesParams oracleParams), ORDER_KEEPER-only, with the same selector.
//   contracts/order/OrderUtils.sol       createOrder: collateral and execution fee learned with
//       OrderVault.recordTransferIn (WNT collateral pays the fee out of the same transfer), the
//       execution fee checked against GasUtils' estimate times tx.gasprice; cancelOrder: collateral
//       back to cancellationReceiver (or account), execution fee to keeper + refund.
//   contracts/exchange/BaseHandler.sol   validateRequestCancellation: market orders can be cancelled
//       by their owner only REQUEST_EXPIRATION_TIME after creation.
//   contracts/gas/GasUtils.sol           payExecutionFee: the keeper is paid its gas
//       (EXECUTION_GAS_FEE_* keys times tx.gasprice, capped at the fee) in ether, the rest refunded.
// Error handling as OrderHandler._handleOrderError: oracle errors, an unreached trigger price and a
// not-yet-valid order revert the keeper's call (the order stays); any other failure of a market
// order (acceptablePrice not met, too little collateral, ...) CANCELS it, never fills it.
// Deviations: oracleParams is accepted for selector compatibility and ignored: prices always come
// from the Chainlink feeds configured under PRICE_FEED keys (what the real
// ChainlinkPriceFeedProvider does); failures of limit/stop orders revert instead of freezing the
// order; no callbacks, referral codes, subaccounts, multichain or auto-cancel lists (the flags are
// stored but have no effect). Written for Ballast; no code copied.

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {DataStore} from "./DataStore.sol";
import {EventEmitter} from "./EventEmitter.sol";
import {OrderVault} from "./Bank.sol";
import {DecreaseOrderExecutor} from "./DecreaseOrderExecutor.sol";
import {IncreaseOrderExecutor} from "./IncreaseOrderExecutor.sol";
import {Errors, IBaseOrderUtils, Market, Order, OracleUtils} from "./Types.sol";
import {Keys, Precision} from "./Keys.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

contract OrderHandler is RoleModule, ReentrancyGuard {
    /// OrderUtils.estimateOrderOraclePriceCount(0): index, long and short token prices.
    uint256 internal constant ORACLE_PRICE_COUNT = 3;
    string internal constant USER_INITIATED_CANCEL = "USER_INITIATED_CANCEL";

    DataStore public immutable dataStore;
    EventEmitter public immutable eventEmitter;
    OrderVault public immutable orderVault;
    IncreaseOrderExecutor public immutable increaseOrderExecutor;
    DecreaseOrderExecutor public immutable decreaseOrderExecutor;

    constructor(
        RoleStore roleStore_,
        DataStore dataStore_,
        EventEmitter eventEmitter_,
        OrderVault orderVault_,
        IncreaseOrderExecutor increaseOrderExecutor_,
        DecreaseOrderExecutor decreaseOrderExecutor_
    ) RoleModule(roleStore_) {
        dataStore = dataStore_;
        eventEmitter = eventEmitter_;
        orderVault = orderVault_;
        increaseOrderExecutor = increaseOrderExecutor_;
        decreaseOrderExecutor = decreaseOrderExecutor_;
    }

    // ------------------------------------------------------------------ create / cancel (controller)

    function createOrder(
        address account,
        uint256 srcChainId,
        IBaseOrderUtils.CreateOrderParams calldata params,
        bool /* shouldCapMaxExecutionFee */
    ) external nonReentrant onlyController returns (bytes32 key) {
        if (account == address(0)) revert Errors.EmptyAccount();
        Order.Props memory order = _buildOrder(account, srcChainId, params);
        (order.numbers.initialCollateralDeltaAmount, order.numbers.executionFee) = _receiveFunds(params);
        _validateExecutionFee(order);

        key = keccak256(abi.encode(address(dataStore), dataStore.incrementUint(Keys.NONCE, 1)));
        if (order.numbers.sizeDeltaUsd == 0 && order.numbers.initialCollateralDeltaAmount == 0) {
            revert Errors.EmptyOrder();
        }
        dataStore.setOrder(key, order);
        eventEmitter.emitOrderCreated(key, order);
    }

    function cancelOrder(bytes32 key) external nonReentrant onlyController {
        uint256 startingGas = gasleft();
        Order.Props memory order = dataStore.getOrder(key);
        if (order.addresses.account == address(0)) revert Errors.EmptyOrder();
        if (Order.isMarketOrder(order.numbers.orderType)) {
            uint256 expiration = dataStore.getUint(Keys.REQUEST_EXPIRATION_TIME);
            uint256 age = block.timestamp - order.numbers.updatedAtTime;
            if (age < expiration) revert Errors.RequestNotYetCancellable(age, expiration, "Order");
        }
        _cancelOrder(key, order, order.addresses.account, startingGas, USER_INITIATED_CANCEL, "");
    }

    // ------------------------------------------------------------------ execute (keeper)

    /// Execute a pending order at the oracle price; a market order that cannot be filled within its
    /// acceptablePrice (or otherwise fails) is cancelled and refunded instead. `oracleParams` is
    /// ignored (see header): pass empty arrays.
    function executeOrder(bytes32 key, OracleUtils.SetPricesParams calldata /* oracleParams */ )
        external
        nonReentrant
        onlyOrderKeeper
    {
        uint256 startingGas = gasleft();
        Order.Props memory order = dataStore.getOrder(key);
        if (order.addresses.account == address(0)) revert Errors.EmptyOrder();

        try this._executeOrder(key, order, msg.sender) {
            _payExecutionFee(order, startingGas, msg.sender, order.addresses.receiver);
        } catch (bytes memory reasonBytes) {
            _handleOrderError(key, order, startingGas, reasonBytes);
        }
    }

    function _executeOrder(bytes32 key, Order.Props memory order, address /* keeper */ ) external onlySelf {
        // forge-lint: disable-next-line(block-timestamp) validFromTime is a time of day, not a race
        if (order.numbers.validFromTime > block.timestamp) {
            revert Errors.OrderValidFromTimeNotReached(order.numbers.validFromTime, block.timestamp);
        }
        dataStore.removeOrder(key);
        if (Order.isIncreaseOrder(order.numbers.orderType)) {
            orderVault.transferOut(
                order.addresses.initialCollateralToken, order.addresses.market, order.numbers.initialCollateralDeltaAmount
            );
            increaseOrderExecutor.processOrder(key, order);
        } else if (Order.isDecreaseOrder(order.numbers.orderType)) {
            decreaseOrderExecutor.processOrder(key, order);
        } else {
            revert Errors.UnsupportedOrderType(uint256(order.numbers.orderType));
        }
        eventEmitter.emitOrderExecuted(key, order.addresses.account, 0);
    }

    // ------------------------------------------------------------------ internals

    function _buildOrder(address account, uint256 srcChainId, IBaseOrderUtils.CreateOrderParams calldata params)
        private
        view
        returns (Order.Props memory order)
    {
        Order.OrderType orderType = params.orderType;
        if (orderType == Order.OrderType.Liquidation || !(Order.isIncreaseOrder(orderType) || Order.isDecreaseOrder(orderType))) {
            revert Errors.OrderTypeCannotBeCreated(uint256(orderType));
        }
        _validatePositionMarket(params.addresses.market);
        if (params.addresses.swapPath.length != 0) revert Errors.SwapPathNotSupported(params.addresses.swapPath.length);
        if (Order.isMarketOrder(orderType) && params.numbers.validFromTime != 0) {
            revert Errors.UnexpectedValidFromTime(uint256(orderType));
        }
        if (params.addresses.receiver == address(0)) revert Errors.EmptyReceiver();
        if (params.addresses.cancellationReceiver == address(orderVault)) {
            revert Errors.InvalidReceiver(params.addresses.cancellationReceiver);
        }

        order.addresses = Order.Addresses({
            account: account,
            receiver: params.addresses.receiver,
            cancellationReceiver: params.addresses.cancellationReceiver,
            callbackContract: params.addresses.callbackContract,
            uiFeeReceiver: params.addresses.uiFeeReceiver,
            market: params.addresses.market,
            initialCollateralToken: params.addresses.initialCollateralToken,
            swapPath: params.addresses.swapPath
        });
        order.numbers.orderType = orderType;
        order.numbers.decreasePositionSwapType = params.decreasePositionSwapType;
        order.numbers.sizeDeltaUsd = params.numbers.sizeDeltaUsd;
        order.numbers.triggerPrice = params.numbers.triggerPrice;
        order.numbers.acceptablePrice = params.numbers.acceptablePrice;
        order.numbers.callbackGasLimit = params.numbers.callbackGasLimit;
        order.numbers.minOutputAmount = params.numbers.minOutputAmount;
        order.numbers.updatedAtTime = block.timestamp;
        order.numbers.validFromTime = params.numbers.validFromTime;
        order.numbers.srcChainId = srcChainId;
        order.flags = Order.Flags(params.isLong, params.shouldUnwrapNativeToken, false, params.autoCancel);
        order._dataList = params.dataList;
    }

    /// The collateral (increase orders) and execution fee sent to the OrderVault since the last record.
    function _receiveFunds(IBaseOrderUtils.CreateOrderParams calldata params)
        private
        returns (uint256 collateralAmount, uint256 executionFee)
    {
        address wnt = dataStore.getAddress(Keys.WNT);
        executionFee = params.numbers.executionFee;
        bool separateFeeTransfer = true;
        if (Order.isIncreaseOrder(params.orderType)) {
            collateralAmount = orderVault.recordTransferIn(params.addresses.initialCollateralToken);
            if (params.addresses.initialCollateralToken == wnt) {
                if (collateralAmount < executionFee) {
                    revert Errors.InsufficientWntAmountForExecutionFee(collateralAmount, executionFee);
                }
                collateralAmount -= executionFee;
                separateFeeTransfer = false;
            }
        } else {
            collateralAmount = params.numbers.initialCollateralDeltaAmount;
        }
        if (separateFeeTransfer) {
            uint256 wntAmount = orderVault.recordTransferIn(wnt);
            if (wntAmount < executionFee) revert Errors.InsufficientWntAmountForExecutionFee(wntAmount, executionFee);
            executionFee = wntAmount;
        }
    }

    function _validatePositionMarket(address market) private view {
        Market.Props memory props = dataStore.getMarket(market);
        if (props.marketToken == address(0)) revert Errors.InvalidPositionMarket(market);
        if (dataStore.getBool(Keys.isMarketDisabledKey(market))) revert Errors.DisabledMarket(market);
    }

    /// GasUtils.validateExecutionFee: fee >= (base + perOraclePrice * 3 + estimate * multiplier) * tx.gasprice.
    function _validateExecutionFee(Order.Props memory order) private view {
        bytes32 gasLimitKey = Order.isIncreaseOrder(order.numbers.orderType)
            ? Keys.INCREASE_ORDER_GAS_LIMIT
            : Keys.DECREASE_ORDER_GAS_LIMIT;
        uint256 estimatedGasLimit = dataStore.getUint(gasLimitKey) + order.numbers.callbackGasLimit;
        uint256 gasLimit = dataStore.getUint(Keys.ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1)
            + dataStore.getUint(Keys.ESTIMATED_GAS_FEE_PER_ORACLE_PRICE) * ORACLE_PRICE_COUNT
            + Precision.applyFactor(estimatedGasLimit, dataStore.getUint(Keys.ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR));
        uint256 minExecutionFee = gasLimit * tx.gasprice;
        if (order.numbers.executionFee < minExecutionFee) {
            revert Errors.InsufficientExecutionFee(minExecutionFee, order.numbers.executionFee);
        }
    }

    function _handleOrderError(bytes32 key, Order.Props memory order, uint256 startingGas, bytes memory reasonBytes)
        private
    {
        // forge-lint: disable-next-line(unsafe-typecast) taking the error selector is the intent
        bytes4 selector = reasonBytes.length >= 4 ? bytes4(reasonBytes) : bytes4(0);
        bool isMarketOrder = Order.isMarketOrder(order.numbers.orderType);
        // an empty reason is most likely out-of-gas: let the keeper retry with more gas
        if (reasonBytes.length == 0 || _isKeeperError(selector) || (!isMarketOrder && selector == Errors.EmptyPosition.selector)) {
            _revertWith(reasonBytes);
        }
        if (
            isMarketOrder || selector == Errors.InvalidPositionMarket.selector
                || selector == Errors.InvalidCollateralTokenForMarket.selector
                || selector == Errors.InvalidPositionSizeValues.selector
        ) {
            _cancelOrder(key, order, msg.sender, startingGas, _revertMessage(reasonBytes), reasonBytes);
            return;
        }
        _revertWith(reasonBytes);
    }

    function _isKeeperError(bytes4 selector) private pure returns (bool) {
        return selector == Errors.EmptyChainlinkPriceFeed.selector
            || selector == Errors.ChainlinkPriceFeedNotUpdated.selector || selector == Errors.InvalidFeedPrice.selector
            || selector == Errors.EmptyChainlinkPriceFeedMultiplier.selector || selector == Errors.EmptyOrder.selector
            || selector == Errors.InvalidOrderPrices.selector || selector == Errors.OrderValidFromTimeNotReached.selector
            || selector == Errors.UnsupportedOrderType.selector;
    }

    function _cancelOrder(
        bytes32 key,
        Order.Props memory order,
        address keeper,
        uint256 startingGas,
        string memory reason,
        bytes memory reasonBytes
    ) private {
        dataStore.removeOrder(key);
        if (Order.isIncreaseOrder(order.numbers.orderType) && order.numbers.initialCollateralDeltaAmount > 0) {
            address collateralReceiver = order.addresses.cancellationReceiver == address(0)
                ? order.addresses.account
                : order.addresses.cancellationReceiver;
            orderVault.transferOut(
                order.addresses.initialCollateralToken,
                collateralReceiver,
                order.numbers.initialCollateralDeltaAmount,
                order.flags.shouldUnwrapNativeToken
            );
        }
        eventEmitter.emitOrderCancelled(key, order.addresses.account, reason, reasonBytes);
        address feeReceiver = order.addresses.cancellationReceiver == address(0)
            ? order.addresses.receiver
            : order.addresses.cancellationReceiver;
        _payExecutionFee(order, startingGas, keeper, feeReceiver);
    }

    function _payExecutionFee(Order.Props memory order, uint256 startingGas, address keeper, address refundReceiver)
        private
    {
        uint256 executionFee = order.numbers.executionFee;
        if (executionFee == 0) return;
        uint256 gasUsed = startingGas - gasleft();
        uint256 keeperGas = dataStore.getUint(Keys.EXECUTION_GAS_FEE_BASE_AMOUNT_V2_1)
            + dataStore.getUint(Keys.EXECUTION_GAS_FEE_PER_ORACLE_PRICE) * ORACLE_PRICE_COUNT
            + Precision.applyFactor(gasUsed, dataStore.getUint(Keys.EXECUTION_GAS_FEE_MULTIPLIER_FACTOR));
        uint256 keeperFee = keeperGas * tx.gasprice;
        if (keeperFee > executionFee) keeperFee = executionFee;

        orderVault.transferOutNativeToken(keeper, keeperFee);
        eventEmitter.emitKeeperExecutionFee(keeper, keeperFee);
        uint256 refund = executionFee - keeperFee;
        if (refund == 0) return;
        orderVault.transferOut(dataStore.getAddress(Keys.WNT), refundReceiver, refund, true);
        eventEmitter.emitExecutionFeeRefund(refundReceiver, refund);
    }

    /// The Error(string) message, or "" for custom errors (ErrorUtils.getRevertMessage).
    function _revertMessage(bytes memory reasonBytes) private pure returns (string memory) {
        // forge-lint: disable-next-line(unsafe-typecast) taking the error selector is the intent
        if (reasonBytes.length < 68 || bytes4(reasonBytes) != bytes4(0x08c379a0)) return "";
        bytes memory payload = new bytes(reasonBytes.length - 4);
        for (uint256 i = 0; i < payload.length; i++) {
            payload[i] = reasonBytes[i + 4];
        }
        return abi.decode(payload, (string));
    }

    function _revertWith(bytes memory reasonBytes) private pure {
        assembly {
            revert(add(reasonBytes, 32), mload(reasonBytes))
        }
    }
}
