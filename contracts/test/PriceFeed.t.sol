// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {PriceFeed, SequencerUptimeFeed} from "../src/chainlink/PriceFeed.sol";

contract PriceFeedTest is Test {
    PriceFeed internal feed;

    function setUp() public {
        vm.warp(1_800_000_000);
        feed = new PriceFeed(8, "ETH / USD", 1e8, 1_000_000e8);
    }

    function test_roundsAdvanceAndKeepHistory() public {
        feed.transmit(3000e8);
        vm.warp(block.timestamp + 60);
        feed.transmit(3100e8);
        (uint80 roundId, int256 answer,, uint256 updatedAt, uint80 answeredInRound) = feed.latestRoundData();
        assertEq(uint256(roundId), 2, "round id");
        assertEq(answer, int256(3100e8), "latest answer");
        assertEq(updatedAt, block.timestamp, "updatedAt is block time");
        assertEq(uint256(answeredInRound), 2, "answeredInRound");
        (, int256 first,, uint256 firstAt,) = feed.getRoundData(1);
        assertEq(first, int256(3000e8), "round 1 answer kept");
        assertEq(firstAt, block.timestamp - 60, "round 1 time kept");
        assertEq(feed.latestAnswer(), int256(3100e8), "latestAnswer");
    }

    function test_staleRoundCarriesItsObservationTime() public {
        feed.transmitAt(2900e8, block.timestamp - 2 hours);
        (,,, uint256 updatedAt,) = feed.latestRoundData();
        assertEq(updatedAt, block.timestamp - 2 hours, "stale updatedAt");
    }

    function test_futureObservationReverts() public {
        vm.expectRevert(PriceFeed.UpdatedAtInFuture.selector);
        feed.transmitAt(2900e8, block.timestamp + 1);
    }

    function test_answerClampedToBounds() public {
        feed.transmit(1);
        assertEq(feed.latestAnswer(), int256(feed.minAnswer()), "clamped to minAnswer");
        feed.transmit(type(int128).max);
        assertEq(feed.latestAnswer(), int256(feed.maxAnswer()), "clamped to maxAnswer");
    }

    function test_onlyTransmitterPublishes() public {
        vm.prank(address(0xBEEF));
        vm.expectRevert(PriceFeed.OnlyTransmitter.selector);
        feed.transmit(3000e8);
    }

    function test_noDataBeforeFirstRound() public {
        vm.expectRevert(PriceFeed.NoDataPresent.selector);
        feed.latestRoundData();
    }

    function test_sequencerStatusAndStartedAt() public {
        SequencerUptimeFeed seq = new SequencerUptimeFeed(uint64(block.timestamp - 1 days));
        (, int256 answer, uint256 startedAt,,) = seq.latestRoundData();
        assertEq(answer, int256(0), "starts up");
        assertEq(startedAt, block.timestamp - 1 days, "initial startedAt");
        seq.updateStatus(true, uint64(block.timestamp));
        (, answer, startedAt,,) = seq.latestRoundData();
        assertEq(answer, int256(1), "down");
        vm.warp(block.timestamp + 600);
        seq.updateStatus(false, uint64(block.timestamp));
        (, answer, startedAt,,) = seq.latestRoundData();
        assertEq(answer, int256(0), "up again");
        assertEq(startedAt, block.timestamp, "startedAt is the restart time");
        seq.updateStatus(false, uint64(block.timestamp + 5));
        (uint80 roundId,,,,) = seq.latestRoundData();
        assertEq(uint256(roundId), 3, "same status is ignored");
    }
}
