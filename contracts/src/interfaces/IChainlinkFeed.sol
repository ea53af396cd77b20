// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Transcribed from smartcontractkit/chainlink:
///   contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol (whole interface)
///   contracts/src/v0.8/shared/interfaces/AggregatorProxyInterface.sol (aggregator)
/// and the OCR aggregator's public bounds (minAnswer, maxAnswer), read through aggregator().
interface AggregatorV3Interface {
    function decimals() external view returns (uint8);
    function description() external view returns (string memory);
    function version() external view returns (uint256);
    function getRoundData(uint80 _roundId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

interface IChainlinkFeed is AggregatorV3Interface {
    function aggregator() external view returns (address);
    function latestAnswer() external view returns (int256);
}

interface IOffchainAggregatorBounds {
    function minAnswer() external view returns (int192);
    function maxAnswer() external view returns (int192);
}
