// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {Multicall3} from "../../src/multicall/Multicall3.sol";
import {ArbitrumMulticall3} from "../../src/multicall/ArbitrumMulticall3.sol";

/// A call target with state, a failing function and a payable one.
contract Counter {
    uint256 public count;

    function increment() external returns (uint256) {
        return ++count;
    }

    function incrementThenFail() external {
        count += 100;
        revert("target says no");
    }

    function fail() external pure {
        revert("target says no");
    }

    function caller() external view returns (address) {
        return msg.sender;
    }

    function deposit() external payable returns (uint256) {
        return msg.value;
    }
}

/// Multicall3 as the world installs it: runtime code copied to the canonical address.
contract Multicall3Test is Test {
    Multicall3 internal constant MULTICALL = Multicall3(payable(0xcA11bde05977b3631167028862bE2a173976CA11));
    Counter internal counter;

    function setUp() public {
        vm.etch(address(MULTICALL), address(new Multicall3()).code);
        counter = new Counter();
    }

    function _call3(bytes memory callData, bool allowFailure) internal view returns (Multicall3.Call3 memory) {
        return Multicall3.Call3({target: address(counter), allowFailure: allowFailure, callData: callData});
    }

    function test_realSelectors() public pure {
        assertEq(bytes32(Multicall3.aggregate3.selector), bytes32(bytes4(0x82ad56cb)), "aggregate3");
        assertEq(bytes32(Multicall3.aggregate3Value.selector), bytes32(bytes4(0x174dea71)), "aggregate3Value");
        assertEq(bytes32(Multicall3.aggregate.selector), bytes32(bytes4(0x252dba42)), "aggregate");
        assertEq(bytes32(Multicall3.tryAggregate.selector), bytes32(bytes4(0xbce38bd7)), "tryAggregate");
        assertEq(bytes32(Multicall3.tryBlockAndAggregate.selector), bytes32(bytes4(0x399542e9)), "tryBlockAndAggregate");
        assertEq(bytes32(Multicall3.blockAndAggregate.selector), bytes32(bytes4(0xc3077fa9)), "blockAndAggregate");
        assertEq(bytes32(Multicall3.getBlockNumber.selector), bytes32(bytes4(0x42cbb15c)), "getBlockNumber");
        assertEq(bytes32(Multicall3.getCurrentBlockTimestamp.selector), bytes32(bytes4(0x0f28c97d)), "timestamp");
        assertEq(bytes32(Multicall3.getEthBalance.selector), bytes32(bytes4(0x4d2301cc)), "getEthBalance");
    }

    function test_aggregate3FailureOnlyFailsTheCallThatMayFail() public {
        Multicall3.Call3[] memory calls = new Multicall3.Call3[](4);
        calls[0] = _call3(abi.encodeCall(Counter.increment, ()), false);
        calls[1] = _call3(abi.encodeCall(Counter.incrementThenFail, ()), true);
        calls[2] = _call3(abi.encodeCall(Counter.increment, ()), false);
        calls[3] = _call3(abi.encodeWithSignature("count()"), false);
        Multicall3.Result[] memory results = MULTICALL.aggregate3(calls);

        assertEq(results.length, 4, "one result per call");
        assertTrue(results[0].success, "first call succeeded");
        assertEq(abi.decode(results[0].returnData, (uint256)), 1, "first increment");
        assertTrue(!results[1].success, "failing call reported as failed");
        assertEq(
            keccak256(results[1].returnData),
            keccak256(abi.encodeWithSignature("Error(string)", "target says no")),
            "revert data returned"
        );
        assertEq(abi.decode(results[2].returnData, (uint256)), 2, "later calls still run");
        assertEq(abi.decode(results[3].returnData, (uint256)), 2, "failed call's +100 rolled back");
        assertEq(counter.count(), 2, "state after the batch");
    }

    function test_aggregate3RequiredFailureRevertsTheBatch() public {
        Multicall3.Call3[] memory calls = new Multicall3.Call3[](2);
        calls[0] = _call3(abi.encodeCall(Counter.increment, ()), false);
        calls[1] = _call3(abi.encodeCall(Counter.fail, ()), false);
        vm.expectRevert(bytes("Multicall3: call failed"));
        MULTICALL.aggregate3(calls);
        assertEq(counter.count(), 0, "earlier calls undone");
    }

    function test_subcallsComeFromMulticall() public {
        Multicall3.Call3[] memory calls = new Multicall3.Call3[](1);
        calls[0] = _call3(abi.encodeCall(Counter.caller, ()), false);
        Multicall3.Result[] memory results = MULTICALL.aggregate3(calls);
        assertEq(abi.decode(results[0].returnData, (address)), address(MULTICALL), "msg.sender of a sub-call");
    }

    function test_blockAndChainGetters() public {
        vm.roll(12_345);
        vm.warp(1_800_000_123);
        vm.deal(address(0xBEEF), 7 ether);
        assertEq(MULTICALL.getBlockNumber(), 12_345, "getBlockNumber");
        assertEq(MULTICALL.getCurrentBlockTimestamp(), 1_800_000_123, "getCurrentBlockTimestamp");
        assertEq(MULTICALL.getEthBalance(address(0xBEEF)), 7 ether, "getEthBalance");
        assertEq(MULTICALL.getChainId(), block.chainid, "getChainId");
        assertEq(MULTICALL.getBasefee(), block.basefee, "getBasefee");
        assertEq(MULTICALL.getCurrentBlockGasLimit(), block.gaslimit, "getCurrentBlockGasLimit");
        assertEq(MULTICALL.getCurrentBlockCoinbase(), block.coinbase, "getCurrentBlockCoinbase");
        assertEq(MULTICALL.getBlockHash(12_344), blockhash(12_344), "getBlockHash");
        assertEq(MULTICALL.getLastBlockHash(), blockhash(12_344), "getLastBlockHash");
    }

    /// Sub-calls of one aggregate3 see the block the batch runs in.
    function test_blockNumberInsideTheBatch() public {
        vm.roll(777);
        vm.warp(1_800_000_000);
        Multicall3.Call3[] memory calls = new Multicall3.Call3[](2);
        calls[0] = Multicall3.Call3(address(MULTICALL), false, abi.encodeCall(Multicall3.getBlockNumber, ()));
        calls[1] = Multicall3.Call3(address(MULTICALL), false, abi.encodeCall(Multicall3.getCurrentBlockTimestamp, ()));
        Multicall3.Result[] memory results = MULTICALL.aggregate3(calls);
        assertEq(abi.decode(results[0].returnData, (uint256)), 777, "block number");
        assertEq(abi.decode(results[1].returnData, (uint256)), 1_800_000_000, "timestamp");
    }

    function test_aggregateAndTryAggregate() public {
        vm.roll(50);
        Multicall3.Call[] memory calls = new Multicall3.Call[](2);
        calls[0] = Multicall3.Call(address(counter), abi.encodeCall(Counter.increment, ()));
        calls[1] = Multicall3.Call(address(counter), abi.encodeCall(Counter.increment, ()));
        (uint256 blockNumber, bytes[] memory data) = MULTICALL.aggregate(calls);
        assertEq(blockNumber, 50, "aggregate block number");
        assertEq(abi.decode(data[1], (uint256)), 2, "aggregate return data");

        calls[1] = Multicall3.Call(address(counter), abi.encodeCall(Counter.fail, ()));
        vm.expectRevert(bytes("Multicall3: call failed"));
        MULTICALL.aggregate(calls);
        vm.expectRevert(bytes("Multicall3: call failed"));
        MULTICALL.tryAggregate(true, calls);
        vm.expectRevert(bytes("Multicall3: call failed"));
        MULTICALL.blockAndAggregate(calls);

        Multicall3.Result[] memory results = MULTICALL.tryAggregate(false, calls);
        assertTrue(results[0].success && !results[1].success, "tryAggregate(false) reports per call");
        bytes32 blockHash;
        (blockNumber, blockHash, results) = MULTICALL.tryBlockAndAggregate(false, calls);
        assertEq(blockNumber, 50, "tryBlockAndAggregate block number");
        assertEq(blockHash, blockhash(50), "tryBlockAndAggregate block hash");
        assertEq(counter.count(), 4, "successful calls of both batches ran");
    }

    function test_aggregate3ValueForwardsValueAndChecksTheSum() public {
        vm.deal(address(this), 10 ether);
        Multicall3.Call3Value[] memory calls = new Multicall3.Call3Value[](2);
        calls[0] = Multicall3.Call3Value(address(counter), false, 1 ether, abi.encodeCall(Counter.deposit, ()));
        calls[1] = Multicall3.Call3Value(address(counter), false, 2 ether, abi.encodeCall(Counter.deposit, ()));
        Multicall3.Result[] memory results = MULTICALL.aggregate3Value{value: 3 ether}(calls);
        assertEq(abi.decode(results[1].returnData, (uint256)), 2 ether, "value forwarded");
        assertEq(address(counter).balance, 3 ether, "target received the sum");
        vm.expectRevert(bytes("Multicall3: value mismatch"));
        MULTICALL.aggregate3Value{value: 4 ether}(calls);
    }

    /// The "arbitrum" profile: block.number as ArbOS reports it, an L1-like number that has nothing
    /// to do with the L2 block (Ethereum's block at this time: 15537394 at the Merge, one per 12 s).
    function test_arbitrumProfileReportsAnL1LikeBlockNumber() public {
        vm.etch(address(MULTICALL), address(new ArbitrumMulticall3()).code);
        vm.roll(250);
        vm.warp(1_663_224_179 + 12 * 9_000_000 + 11);
        assertEq(MULTICALL.getBlockNumber(), 15_537_394 + 9_000_000, "getBlockNumber");
        (uint256 blockNumber,) = MULTICALL.aggregate(new Multicall3.Call[](0));
        assertEq(blockNumber, 24_537_394, "aggregate's block number");
        vm.roll(251);
        vm.warp(block.timestamp + 1); // the next L1 slot starts: one L1 block later
        assertEq(MULTICALL.getBlockNumber(), 24_537_395, "next slot");
        assertEq(MULTICALL.getCurrentBlockTimestamp(), block.timestamp, "timestamps are the L2 block's");
    }
}
