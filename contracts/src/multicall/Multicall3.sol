// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Multicall3 of the local world, installed with anvil_setCode at the canonical address
// 0xcA11bde05977b3631167028862bE2a173976CA11. It therefore has no constructor, storage or
// immutables: only its runtime code is copied there.
// Mirrors, with identical selectors, struct layouts, return tuples and revert reasons:
//   mds1/multicall3, src/Multicall3.sol
//     (Call, Call3, Call3Value, Result; aggregate, tryAggregate, tryBlockAndAggregate,
//      blockAndAggregate, aggregate3, aggregate3Value, getBlockHash, getBlockNumber,
//      getCurrentBlockCoinbase, getCurrentBlockDifficulty, getCurrentBlockGasLimit,
//      getCurrentBlockTimestamp, getEthBalance, getLastBlockHash, getBasefee, getChainId;
//      "Multicall3: call failed", "Multicall3: value mismatch")
// Like the real one, calls are plain CALLs from this contract (msg.sender of each sub-call is
// Multicall3) and a call to an address without code succeeds with empty return data.
// One byte-level difference: the real aggregate3Value's "call failed" revert carries 32 trailing
// zero bytes after the Error(string) encoding; this one's does not (decoders read the same reason).

contract Multicall3 {
    struct Call {
        address target;
        bytes callData;
    }

    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Call3Value {
        address target;
        bool allowFailure;
        uint256 value;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    /// Every call must succeed. Returns the block number and each call's return data.
    function aggregate(Call[] calldata calls) public payable returns (uint256 blockNumber, bytes[] memory returnData) {
        blockNumber = _blockNumber();
        returnData = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            bool success;
            (success, returnData[i]) = calls[i].target.call(calls[i].callData);
            require(success, "Multicall3: call failed");
        }
    }

    /// Like aggregate, but a failure only fails the batch when requireSuccess is set.
    function tryAggregate(bool requireSuccess, Call[] calldata calls)
        public
        payable
        returns (Result[] memory returnData)
    {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool success, bytes memory data) = calls[i].target.call(calls[i].callData);
            require(success || !requireSuccess, "Multicall3: call failed");
            returnData[i] = Result(success, data);
        }
    }

    function tryBlockAndAggregate(bool requireSuccess, Call[] calldata calls)
        public
        payable
        returns (uint256 blockNumber, bytes32 blockHash, Result[] memory returnData)
    {
        blockNumber = _blockNumber();
        blockHash = blockhash(_blockNumber());
        returnData = tryAggregate(requireSuccess, calls);
    }

    function blockAndAggregate(Call[] calldata calls)
        public
        payable
        returns (uint256 blockNumber, bytes32 blockHash, Result[] memory returnData)
    {
        return tryBlockAndAggregate(true, calls);
    }

    /// Each call says whether it may fail; a failing call that may not reverts the whole batch.
    function aggregate3(Call3[] calldata calls) public payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            Call3 calldata current = calls[i];
            (bool success, bytes memory data) = current.target.call(current.callData);
            require(success || current.allowFailure, "Multicall3: call failed");
            returnData[i] = Result(success, data);
        }
    }

    /// aggregate3 with ether per call; msg.value must equal the sum of the values.
    function aggregate3Value(Call3Value[] calldata calls) public payable returns (Result[] memory returnData) {
        uint256 totalValue;
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            Call3Value calldata current = calls[i];
            totalValue += current.value;
            (bool success, bytes memory data) = current.target.call{value: current.value}(current.callData);
            require(success || current.allowFailure, "Multicall3: call failed");
            returnData[i] = Result(success, data);
        }
        require(msg.value == totalValue, "Multicall3: value mismatch");
    }

    function getBlockHash(uint256 blockNumber) public view returns (bytes32 blockHash) {
        blockHash = blockhash(blockNumber);
    }

    function getBlockNumber() public view returns (uint256 blockNumber) {
        blockNumber = _blockNumber();
    }

    function getCurrentBlockCoinbase() public view returns (address coinbase) {
        coinbase = block.coinbase;
    }

    /// block.prevrandao since the merge, which took over the DIFFICULTY opcode.
    function getCurrentBlockDifficulty() public view returns (uint256 difficulty) {
        difficulty = block.prevrandao;
    }

    function getCurrentBlockGasLimit() public view returns (uint256 gaslimit) {
        gaslimit = block.gaslimit;
    }

    function getCurrentBlockTimestamp() public view returns (uint256 timestamp) {
        timestamp = block.timestamp;
    }

    function getEthBalance(address addr) public view returns (uint256 balance) {
        balance = addr.balance;
    }

    /// Hash of the parent block; zero at block 0, as the real one's wrapped blockhash(2**256 - 1) is.
    function getLastBlockHash() public view returns (bytes32 blockHash) {
        if (_blockNumber() > 0) blockHash = blockhash(_blockNumber() - 1);
    }

    function getBasefee() public view returns (uint256 basefee) {
        basefee = block.basefee;
    }

    function getChainId() public view returns (uint256 chainid) {
        chainid = block.chainid;
    }

    /// What `block.number` means inside a contract on this chain: the block itself here; an
    /// approximate L1 block number on Arbitrum (ArbitrumMulticall3.sol).
    function _blockNumber() internal view virtual returns (uint256) {
        return block.number;
    }
}
