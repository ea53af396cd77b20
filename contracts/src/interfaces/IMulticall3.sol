// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Transcribed subset of mds1/multicall3, src/interfaces/IMulticall3.sol.
interface IMulticall3 {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData);
    function getBlockNumber() external view returns (uint256 blockNumber);
    function getCurrentBlockTimestamp() external view returns (uint256 timestamp);
    function getLastBlockHash() external view returns (bytes32 blockHash);
    function getBasefee() external view returns (uint256 basefee);
    function getChainId() external view returns (uint256 chainid);
    function getEthBalance(address addr) external view returns (uint256 balance);
}
