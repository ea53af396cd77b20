// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Liquidations of the local GMX v2 world. Mirrors gmx-io/gmx-synthetics v2.2
// contracts/exchange/LiquidationHandler.sol: executeLiquidation(address account, address market,
// address collateralToken, bool isLong, OracleUtils.SetPricesParams oracleParams), LIQUIDATION_KEEPER
// only, same selector. As in contracts/liquidation/LiquidationUtils.sol a Liquidation order for the
// whole position (acceptablePrice 0 for longs, max for shorts, no execution fee, receiver = account)
// is created and executed at once by the decrease executor, which reverts
// PositionShouldNotBeLiquidated when the position is healthy.
// Deviations: oracleParams ignored (Chainlink feeds, see OrderHandler); the liquidation order is
// never stored (OrderCreated and OrderExecuted are still emitted); no liquidation fee.
// Written for Ballast; no code copied.

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {DataStore} from "./DataStore.sol";
import {EventEmitter} from "./EventEmitter.sol";
import {DecreaseOrderExecutor} from "./DecreaseOrderExecutor.sol";
import {Errors, OracleUtils, Order, Position} from "./Types.sol";
import {Keys} from "./Keys.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

contract LiquidationHandler is RoleModule, ReentrancyGuard {
    DataStore public immutable dataStore;
    EventEmitter public immutable eventEmitter;
    DecreaseOrderExecutor public immutable decreaseOrderExecutor;

    constructor(
        RoleStore roleStore_,
        DataStore dataStore_,
        EventEmitter eventEmitter_,
        DecreaseOrderExecutor decreaseOrderExecutor_
    ) RoleModule(roleStore_) {
        dataStore = dataStore_;
        eventEmitter = eventEmitter_;
        decreaseOrderExecutor = decreaseOrderExecutor_;
    }

    function executeLiquidation(
        address account,
        address market,
        address collateralToken,
        bool isLong,
        OracleUtils.SetPricesParams calldata /* oracleParams */
    ) external nonReentrant onlyLiquidationKeeper {
        bytes32 positionKey = Position.getPositionKey(account, market, collateralToken, isLong);
        Position.Props memory position = dataStore.getPosition(positionKey);
        if (position.addresses.account == address(0)) revert Errors.EmptyPosition();

        Order.Props memory order;
        order.addresses.account = account;
        order.addresses.receiver = account;
        order.addresses.market = market;
        order.addresses.initialCollateralToken = collateralToken;
        order.numbers.orderType = Order.OrderType.Liquidation;
        order.numbers.sizeDeltaUsd = position.numbers.sizeInUsd;
        order.numbers.acceptablePrice = isLong ? 0 : type(uint256).max;
        order.numbers.updatedAtTime = block.timestamp;
        order.flags.isLong = isLong;

        bytes32 key = keccak256(abi.encode(address(dataStore), dataStore.incrementUint(Keys.NONCE, 1)));
        eventEmitter.emitOrderCreated(key, order);
        decreaseOrderExecutor.processOrder(key, order);
        eventEmitter.emitOrderExecuted(key, account, 0);
    }
}
