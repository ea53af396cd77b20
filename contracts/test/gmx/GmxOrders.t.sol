// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GmxFixture, VmExtra} from "./GmxFixture.sol";
import {IGmxV2EventEmitter} from "../../src/interfaces/IGmxV2.sol";
import {Errors, IBaseOrderUtils, Order, Position, ReaderUtils} from "../../src/gmx/Types.sol";

/// Order lifecycle: create through the router's multicall, keeper execution, cancellation, fees.
contract GmxOrdersTest is GmxFixture {
    function _longEthParams(uint256 acceptablePrice) internal view returns (IBaseOrderUtils.CreateOrderParams memory) {
        return orderParams(
            ethMarket, address(weth), Order.OrderType.MarketIncrease, true, 6000 * USD, 0, acceptablePrice, alice
        );
    }

    function test_multicallCreatesOrderThenKeeperExecutes() public {
        uint256 aliceWeth = weth.balanceOf(alice);
        bytes32 key = createIncrease(alice, _longEthParams(ethPrice(3010)), 1 ether);

        // the order is stored with what reached the vault: 1 WETH collateral, 0.01 WETH fee
        Order.Props memory order = reader.getOrder(dataStore, key);
        assertEq(order.addresses.account, alice, "order account");
        assertEq(order.numbers.initialCollateralDeltaAmount, 1 ether, "collateral recorded by recordTransferIn");
        assertEq(order.numbers.executionFee, EXECUTION_FEE, "execution fee");
        assertEq(uint256(order.numbers.orderType), uint256(Order.OrderType.MarketIncrease), "order type");
        assertEq(order.numbers.updatedAtTime, block.timestamp, "updatedAtTime");
        assertEq(weth.balanceOf(alice), aliceWeth - 1 ether, "collateral pulled through Router approval");
        assertEq(weth.balanceOf(address(orderVault)), 1 ether + EXECUTION_FEE, "vault holds collateral and fee");
        assertEq(dataStore.getBytes32Count(ORDER_LIST), 1, "pending order listed under ORDER_LIST");
        ReaderUtils.OrderInfo[] memory pending = reader.getAccountOrders(dataStore, alice, 0, 10);
        assertEq(pending.length, 1, "account orders");
        assertEq(pending[0].orderKey, key, "account order key");

        execute(key);

        assertEq(reader.getOrder(dataStore, key).addresses.account, address(0), "order removed");
        assertEq(dataStore.getBytes32Count(ORDER_LIST), 0, "ORDER_LIST empty");
        Position.Props[] memory positions = reader.getAccountPositions(dataStore, alice, 0, 10);
        assertEq(positions.length, 1, "one position");
        assertEq(positions[0].numbers.sizeInUsd, 6000 * USD, "size");
        assertEq(weth.balanceOf(address(orderVault)), 0, "vault emptied");
        // tx.gasprice is 0 in this test: the keeper's gas cost is 0 and the whole fee is refunded in ether
        assertEq(alice.balance, 50 ether, "fee refunded to receiver");
    }

    function test_shortWithUsdcCollateral() public {
        IBaseOrderUtils.CreateOrderParams memory params = orderParams(
            ethMarket, address(usdc), Order.OrderType.MarketIncrease, false, 6000 * USD, 0, ethPrice(2990), bob
        );
        bytes32 key = createIncrease(bob, params, 1000e6);
        assertEq(weth.balanceOf(address(orderVault)), EXECUTION_FEE, "fee in WNT");
        assertEq(reader.getOrder(dataStore, key).numbers.initialCollateralDeltaAmount, 1000e6, "USDC collateral");
        execute(key);
        Position.Props memory position =
            reader.getPosition(dataStore, positionKey(bob, ethMarket, address(usdc), false));
        assertEq(position.numbers.sizeInTokens, 2 ether, "6000 / 3000");
        // 7 bps of $6000 = $4.20 = 4.2 USDC
        assertEq(position.numbers.collateralAmount, 1000e6 - 4_200_000, "collateral after position fee");
        assertEq(position.flags.isLong, false, "short");
    }

    function test_acceptablePriceViolatedIsCancelledNeverFilled() public {
        uint256 aliceWeth = weth.balanceOf(alice);
        // a long that accepts at most $2,990 while the oracle says $3,000
        bytes32 key = createIncrease(alice, _longEthParams(ethPrice(2990)), 1 ether);

        vmx.recordLogs();
        execute(key);
        VmExtra.Log[] memory logs = vmx.getRecordedLogs();

        assertEq(reader.getOrder(dataStore, key).addresses.account, address(0), "order gone");
        assertEq(reader.getAccountPositions(dataStore, alice, 0, 10).length, 0, "no position");
        assertEq(weth.balanceOf(alice), aliceWeth, "collateral refunded");
        assertEq(weth.balanceOf(address(orderVault)), 0, "vault emptied");
        assertEq(alice.balance, 50 ether, "fee refunded");

        bool cancelled;
        bool executed;
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter != address(eventEmitter)) continue;
            bytes32 name = logs[i].topics[1]; // EventLog1/EventLog2: keccak256 of the indexed eventName
            if (logs[i].topics[0] == IGmxV2EventEmitter.EventLog2.selector && name == keccak256("OrderCancelled")) {
                cancelled = true;
                assertEq(logs[i].topics[2], key, "cancelled key");
                (,, IGmxV2EventEmitter.EventLogData memory data) =
                    abi.decode(logs[i].data, (address, string, IGmxV2EventEmitter.EventLogData));
                assertEq(keccak256(bytes(data.bytesItems.items[0].key)), keccak256("reasonBytes"), "reasonBytes item");
                bytes memory reasonBytes = data.bytesItems.items[0].value;
                assertEq(bytes32(bytes4(reasonBytes)), bytes32(Errors.OrderNotFulfillableAtAcceptablePrice.selector), "reason");
            }
            if (name == keccak256("OrderExecuted")) executed = true;
            assertTrue(name != keccak256("PositionIncrease"), "no PositionIncrease");
        }
        assertTrue(cancelled, "OrderCancelled emitted");
        assertTrue(!executed, "no OrderExecuted");
    }

    function test_shortAcceptablePriceViolatedIsCancelled() public {
        IBaseOrderUtils.CreateOrderParams memory params = orderParams(
            ethMarket, address(usdc), Order.OrderType.MarketIncrease, false, 6000 * USD, 0, ethPrice(3010), bob
        );
        uint256 bobUsdc = usdc.balanceOf(bob);
        execute(createIncrease(bob, params, 1000e6));
        assertEq(usdc.balanceOf(bob), bobUsdc, "collateral refunded");
        assertEq(reader.getAccountPositions(dataStore, bob, 0, 10).length, 0, "no position");
    }

    function test_ownerCancelsAfterExpirationAndIsRefunded() public {
        uint256 aliceWeth = weth.balanceOf(alice);
        bytes32 key = createIncrease(alice, _longEthParams(ethPrice(3010)), 1 ether);

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.RequestNotYetCancellable.selector, 0, 300, "Order"));
        exchangeRouter.cancelOrder(key);

        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.Unauthorized.selector, bob, "account for cancelOrder"));
        exchangeRouter.cancelOrder(key);

        vm.warp(block.timestamp + 300);
        vm.prank(alice);
        exchangeRouter.cancelOrder(key);
        assertEq(reader.getOrder(dataStore, key).addresses.account, address(0), "order gone");
        assertEq(weth.balanceOf(alice), aliceWeth, "collateral back");
        assertEq(alice.balance, 50 ether, "execution fee back in ether");
        assertEq(dataStore.getBytes32Count(ORDER_LIST), 0, "ORDER_LIST empty");
    }

    function test_onlyOrderKeeperExecutes() public {
        bytes32 key = createIncrease(alice, _longEthParams(ethPrice(3010)), 1 ether);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.Unauthorized.selector, alice, "ORDER_KEEPER"));
        orderHandler.executeOrder(key, noOracleParams());

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.Unauthorized.selector, alice, "CONTROLLER"));
        orderHandler.cancelOrder(key);
        assertEq(reader.getOrder(dataStore, key).addresses.account, alice, "order still pending");
    }

    function test_staleOracleRevertsAndOrderWaits() public {
        bytes32 key = createIncrease(alice, _longEthParams(ethPrice(3010)), 1 ether);
        vm.warp(block.timestamp + 3601);
        uint256 updatedAt = block.timestamp - 3601;
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(Errors.ChainlinkPriceFeedNotUpdated.selector, address(weth), updatedAt, 3600)
        );
        orderHandler.executeOrder(key, noOracleParams());
        assertEq(reader.getOrder(dataStore, key).addresses.account, alice, "order still pending");

        setPrices(ETH_PRICE * 1e8, BTC_PRICE * 1e8);
        execute(key);
        assertEq(reader.getAccountPositions(dataStore, alice, 0, 10).length, 1, "filled once fresh");
    }

    function test_executionFeeMinimumAndKeeperPayment() public {
        vmx.txGasPrice(1 gwei);
        // min fee = (600,000 base + 1,500,000 increase gas limit * 1.0) * 1 gwei = 0.0021 ETH
        IBaseOrderUtils.CreateOrderParams memory params = _longEthParams(ethPrice(3010));
        params.numbers.executionFee = 0.002 ether;
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(exchangeRouter.sendWnt, (address(orderVault), 0.002 ether));
        calls[1] = abi.encodeCall(exchangeRouter.sendTokens, (address(usdc), address(orderVault), 100e6));
        params.addresses.initialCollateralToken = address(usdc);
        calls[2] = abi.encodeCall(exchangeRouter.createOrder, (params));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.InsufficientExecutionFee.selector, 0.0021 ether, 0.002 ether));
        exchangeRouter.multicall{value: 0.002 ether}(calls);

        bytes32 key = createIncrease(alice, _longEthParams(ethPrice(3010)), 1 ether);
        uint256 keeperBefore = keeper.balance;
        uint256 aliceBefore = alice.balance;
        execute(key);
        uint256 keeperFee = keeper.balance - keeperBefore;
        uint256 refund = alice.balance - aliceBefore;
        assertGt(keeperFee, 600_000 * 1 gwei, "keeper paid base + gas used");
        assertLt(keeperFee, EXECUTION_FEE, "keeper fee capped below the fee here");
        assertEq(keeperFee + refund, EXECUTION_FEE, "rest refunded to receiver");
    }

    function test_decreaseOrderOverPositionSizeIsCancelled() public {
        openPosition(alice, ethMarket, address(weth), true, 6000 * USD, 1 ether);
        IBaseOrderUtils.CreateOrderParams memory params = orderParams(
            ethMarket, address(weth), Order.OrderType.MarketDecrease, true, 7000 * USD, 0, 0, alice
        );
        bytes32 key = createDecrease(alice, params);
        execute(key);
        assertEq(reader.getOrder(dataStore, key).addresses.account, address(0), "cancelled");
        assertEq(reader.getAccountPositions(dataStore, alice, 0, 10)[0].numbers.sizeInUsd, 6000 * USD, "untouched");
    }

    function test_limitDecreaseWaitsForTrigger() public {
        openPosition(alice, ethMarket, address(weth), true, 6000 * USD, 1 ether);
        IBaseOrderUtils.CreateOrderParams memory params = orderParams(
            ethMarket, address(weth), Order.OrderType.LimitDecrease, true, 3000 * USD, 0, ethPrice(3190), alice
        );
        params.numbers.triggerPrice = ethPrice(3200);
        bytes32 key = createDecrease(alice, params);

        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                Errors.InvalidOrderPrices.selector, ethPrice(3000), ethPrice(3000), ethPrice(3200), uint256(5)
            )
        );
        orderHandler.executeOrder(key, noOracleParams());

        setPrices(3200e8, BTC_PRICE * 1e8);
        execute(key);
        assertEq(reader.getAccountPositions(dataStore, alice, 0, 10)[0].numbers.sizeInUsd, 3000 * USD, "half closed");
    }
}
