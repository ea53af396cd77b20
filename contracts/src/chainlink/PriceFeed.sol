// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Chainlink price feed of the local world.
// Mirrors, with identical selectors and events:
//   smartcontractkit/chainlink, contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol
//     (decimals, description, version, getRoundData, latestRoundData)
//   smartcontractkit/chainlink, contracts/src/v0.8/shared/interfaces/AggregatorInterface.sol
//     (latestAnswer, latestTimestamp, latestRound, getAnswer, getTimestamp, AnswerUpdated, NewRound)
//   the proxy's aggregator() and the OCR aggregator's minAnswer()/maxAnswer()
//     (contracts/src/v0.8/shared/interfaces/AggregatorProxyInterface.sol; OCR2Aggregator.sol)
// One contract plays proxy and aggregator: aggregator() returns itself, so a reader that
// follows proxy -> aggregator -> minAnswer works unchanged against a real deployment.
// Like the real aggregator, an answer outside [minAnswer, maxAnswer] is clamped to the bound,
// which is how a feed gets "stuck at its bound" while markets move on.

contract PriceFeed {
    struct Round {
        int256 answer;
        uint64 startedAt;
        uint64 updatedAt;
    }

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    uint8 public immutable decimals;
    int192 public immutable minAnswer;
    int192 public immutable maxAnswer;
    uint256 public constant version = 4;
    string public description;
    address public immutable transmitter;

    uint80 public latestRound;
    mapping(uint80 => Round) private _rounds;

    error OnlyTransmitter();
    error NoDataPresent();
    error UpdatedAtInFuture();

    constructor(uint8 decimals_, string memory description_, int192 minAnswer_, int192 maxAnswer_) {
        decimals = decimals_;
        description = description_;
        minAnswer = minAnswer_;
        maxAnswer = maxAnswer_;
        transmitter = msg.sender;
    }

    function aggregator() external view returns (address) {
        return address(this);
    }

    /// Publish a new round at the current block time.
    function transmit(int256 answer) external {
        _transmit(answer, block.timestamp);
    }

    /// Publish a round whose observation time is in the past: how the world makes a feed stale.
    function transmitAt(int256 answer, uint256 updatedAt) external {
        if (updatedAt > block.timestamp) revert UpdatedAtInFuture();
        _transmit(answer, updatedAt);
    }

    function _transmit(int256 answer, uint256 updatedAt) private {
        if (msg.sender != transmitter) revert OnlyTransmitter();
        if (answer < minAnswer) answer = minAnswer;
        if (answer > maxAnswer) answer = maxAnswer;
        uint80 roundId = latestRound + 1;
        latestRound = roundId;
        _rounds[roundId] = Round(answer, uint64(updatedAt), uint64(updatedAt));
        emit NewRound(roundId, msg.sender, updatedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(latestRound);
    }

    function getRoundData(uint80 roundId_)
        public
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round memory round = _rounds[roundId_];
        if (round.updatedAt == 0) revert NoDataPresent();
        return (roundId_, round.answer, round.startedAt, round.updatedAt, roundId_);
    }

    function latestAnswer() external view returns (int256) {
        return _rounds[latestRound].answer;
    }

    function latestTimestamp() external view returns (uint256) {
        return _rounds[latestRound].updatedAt;
    }

    function getAnswer(uint256 roundId) external view returns (int256) {
        return _rounds[uint80(roundId)].answer;
    }

    function getTimestamp(uint256 roundId) external view returns (uint256) {
        return _rounds[uint80(roundId)].updatedAt;
    }
}

// L2 sequencer uptime feed of the local world.
// Mirrors smartcontractkit/chainlink, contracts/src/v0.8/l2ep/arbitrum/ArbitrumSequencerUptimeFeed.sol:
// AggregatorV3Interface where answer 0 = sequencer up, 1 = down, and startedAt is the time the
// status last changed; updateStatus(bool status, uint64 timestamp) as the L1 bridge calls it.
contract SequencerUptimeFeed {
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);
    event UpdateIgnored(bool latestStatus, uint64 latestTimestamp, bool incomingStatus, uint64 incomingTimestamp);

    uint8 public constant decimals = 0;
    uint256 public constant version = 1;
    string public constant description = "L2 Sequencer Uptime Status Feed";
    address public immutable l1Sender;

    struct Round {
        bool status;
        uint64 startedAt;
        uint64 updatedAt;
    }

    uint80 public latestRound;
    mapping(uint80 => Round) private _rounds;

    error OnlyL1Sender();
    error NoDataPresent();

    constructor(uint64 initialStatusTime) {
        l1Sender = msg.sender;
        latestRound = 1;
        _rounds[1] = Round(false, initialStatusTime, initialStatusTime);
    }

    /// Record a status change (true = down) observed on L1 at `timestamp`.
    function updateStatus(bool status, uint64 timestamp) external {
        if (msg.sender != l1Sender) revert OnlyL1Sender();
        Round memory last = _rounds[latestRound];
        if (status == last.status || timestamp < last.startedAt) {
            emit UpdateIgnored(last.status, last.startedAt, status, timestamp);
            return;
        }
        uint80 roundId = latestRound + 1;
        latestRound = roundId;
        _rounds[roundId] = Round(status, timestamp, uint64(block.timestamp));
        emit NewRound(roundId, msg.sender, timestamp);
        emit AnswerUpdated(status ? int256(1) : int256(0), roundId, timestamp);
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(latestRound);
    }

    function getRoundData(uint80 roundId_)
        public
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round memory round = _rounds[roundId_];
        if (round.updatedAt == 0) revert NoDataPresent();
        return (roundId_, round.status ? int256(1) : int256(0), round.startedAt, round.updatedAt, roundId_);
    }

    function latestAnswer() external view returns (int256) {
        return _rounds[latestRound].status ? int256(1) : int256(0);
    }
}
