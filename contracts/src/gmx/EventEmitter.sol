// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Single event source of the local GMX v2 world, like gmx-io/gmx-synthetics v2.2
// contracts/event/EventEmitter.sol: every protocol event comes from this one address, so a client
// filters logs on it.
//
// Deviation: the real emitter logs generic EventLog/EventLog1/EventLog2(msgSender, eventName,
// eventNameHash, topic1, EventLogData) records whose data is a bag of named items. Here each event
// is a typed Solidity event NAMED after the real eventName ("OrderCreated", "OrderExecuted",
// "OrderCancelled", "PositionIncrease", "PositionDecrease", "PositionFeesCollected",
// "FundingFeesClaimed", "MarketCreated", "KeeperExecutionFee", "ExecutionFeeRefund") carrying the
// same facts. Written for Ballast; no code copied.

import {Market, Order, Position, PositionPricingUtils} from "./Types.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

contract EventEmitter is RoleModule {
    event OrderCreated(bytes32 indexed key, address indexed account, Order.Props order);
    event OrderExecuted(bytes32 indexed key, address indexed account, uint256 secondaryOrderType);
    event OrderCancelled(bytes32 indexed key, address indexed account, string reason, bytes reasonBytes);

    /// One record per position change; `position` is the position after the change.
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

    event PositionIncrease(
        bytes32 indexed positionKey, address indexed account, Position.Props position, PositionChange change
    );
    event PositionDecrease(
        bytes32 indexed positionKey, address indexed account, Position.Props position, PositionChange change
    );
    event PositionFeesCollected(
        bytes32 indexed positionKey, bytes32 indexed orderKey, PositionPricingUtils.PositionFees fees
    );
    event FundingFeesClaimed(
        address indexed account, address indexed market, address token, address receiver, uint256 amount
    );
    event MarketCreated(address indexed marketToken, bytes32 salt, Market.Props market, bytes32 marketType);
    event KeeperExecutionFee(address indexed keeper, uint256 executionFeeAmount);
    event ExecutionFeeRefund(address indexed receiver, uint256 refundFeeAmount);

    constructor(RoleStore roleStore_) RoleModule(roleStore_) {}

    function emitOrderCreated(bytes32 key, Order.Props calldata order) external onlyController {
        emit OrderCreated(key, order.addresses.account, order);
    }

    function emitOrderExecuted(bytes32 key, address account, uint256 secondaryOrderType) external onlyController {
        emit OrderExecuted(key, account, secondaryOrderType);
    }

    function emitOrderCancelled(bytes32 key, address account, string calldata reason, bytes calldata reasonBytes)
        external
        onlyController
    {
        emit OrderCancelled(key, account, reason, reasonBytes);
    }

    function emitPositionIncrease(Position.Props calldata position, PositionChange calldata change)
        external
        onlyController
    {
        emit PositionIncrease(change.positionKey, position.addresses.account, position, change);
    }

    function emitPositionDecrease(Position.Props calldata position, PositionChange calldata change)
        external
        onlyController
    {
        emit PositionDecrease(change.positionKey, position.addresses.account, position, change);
    }

    function emitPositionFeesCollected(
        bytes32 positionKey,
        bytes32 orderKey,
        PositionPricingUtils.PositionFees calldata fees
    ) external onlyController {
        emit PositionFeesCollected(positionKey, orderKey, fees);
    }

    function emitFundingFeesClaimed(address account, address market, address token, address receiver, uint256 amount)
        external
        onlyController
    {
        emit FundingFeesClaimed(account, market, token, receiver, amount);
    }

    function emitMarketCreated(bytes32 salt, Market.Props calldata market, bytes32 marketType)
        external
        onlyController
    {
        emit MarketCreated(market.marketToken, salt, market, marketType);
    }

    function emitKeeperExecutionFee(address keeper, uint256 amount) external onlyController {
        emit KeeperExecutionFee(keeper, amount);
    }

    function emitExecutionFeeRefund(address receiver, uint256 amount) external onlyController {
        emit ExecutionFeeRefund(receiver, amount);
    }
}
