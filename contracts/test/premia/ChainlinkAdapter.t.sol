// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {TestToken} from "../../src/tokens/Tokens.sol";
import {PriceFeed} from "../../src/chainlink/PriceFeed.sol";
import {UD60x18} from "../../src/premia/libraries/FixedPoint.sol";
import {ChainlinkAdapter} from "../../src/premia/ChainlinkAdapter.sol";
import {IOracleAdapter, IFeedRegistry, IChainlinkAdapter} from "../../src/premia/interfaces/IOracleAdapter.sol";

contract ChainlinkAdapterTest is Test {
    uint256 internal constant T0 = 1_800_000_000;

    TestToken internal weth;
    TestToken internal usdc;
    PriceFeed internal ethUsd;
    PriceFeed internal usdcUsd;
    ChainlinkAdapter internal adapter;

    function setUp() public {
        vm.warp(T0);
        weth = new TestToken("Wrapped Ether", "WETH", 18);
        usdc = new TestToken("USD Coin", "USDC", 6);
        ethUsd = new PriceFeed(8, "ETH / USD", 1e8, 1_000_000e8);
        usdcUsd = new PriceFeed(8, "USDC / USD", 0.01e8, 10e8);
        adapter = new ChainlinkAdapter();
        IFeedRegistry.FeedMappingArgs[] memory feeds = new IFeedRegistry.FeedMappingArgs[](2);
        feeds[0] = IFeedRegistry.FeedMappingArgs(address(weth), adapter.USD(), address(ethUsd));
        feeds[1] = IFeedRegistry.FeedMappingArgs(address(usdc), adapter.USD(), address(usdcUsd));
        adapter.batchRegisterFeedMappings(feeds);
        usdcUsd.transmit(1e8);
        ethUsd.transmit(3000e8); // round 1 at T0
        vm.warp(T0 + 100);
        ethUsd.transmit(3100e8); // round 2 at T0 + 100
        vm.warp(T0 + 200);
        ethUsd.transmit(3200e8); // round 3 at T0 + 200
        vm.warp(T0 + 300);
    }

    function _price(address tokenIn, address tokenOut) internal view returns (uint256) {
        return UD60x18.unwrap(adapter.getPrice(tokenIn, tokenOut));
    }

    function _priceAt(uint256 target) internal view returns (uint256) {
        return UD60x18.unwrap(adapter.getPriceAt(address(weth), address(usdc), target));
    }

    function test_getPriceDividesTheUsdLegs() public {
        assertEq(_price(address(weth), address(usdc)), 3200e18, "WETH in USDC");
        assertEq(_price(address(usdc), address(weth)), uint256(1e36) / 3200e18, "USDC in WETH");
        usdcUsd.transmit(0.5e8);
        assertEq(_price(address(weth), address(usdc)), 6400e18, "a depegged quote doubles the price");
    }

    function test_getPriceAtUsesTheRoundInForceAtTarget() public view {
        assertEq(_priceAt(T0), 3000e18, "exactly at round 1");
        assertEq(_priceAt(T0 + 150), 3100e18, "between rounds 2 and 3");
        assertEq(_priceAt(T0 + 200), 3200e18, "exactly at round 3");
        assertEq(_priceAt(T0 + 300), 3200e18, "after the last round");
    }

    function test_getPriceAtFallsBackToTheFirstRoundAfterAStaleGap() public {
        vm.warp(T0 + 3 days);
        ethUsd.transmit(3500e8);
        usdcUsd.transmit(1e8);
        vm.warp(T0 + 3 days + 60);
        ethUsd.transmit(3600e8);
        // at T0 + 2 days the last round is 2 days old: the first round after the target is used
        assertEq(_priceAt(T0 + 2 days), 3500e18, "first round after target");
        // within 25 hours of the last round, that round is used
        assertEq(_priceAt(T0 + 1 days), 3200e18, "round in force");
    }

    function test_invalidTargetsAndStalePricesRevert() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleAdapter__InvalidTarget.selector, 0, T0 + 300));
        _priceAt(0);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.OracleAdapter__InvalidTarget.selector, T0 + 301, T0 + 300)
        );
        _priceAt(T0 + 301);

        vm.warp(T0 + 200 + 25 hours + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainlinkAdapter.ChainlinkAdapter__PriceLeftOfTargetStale.selector, T0 + 200, block.timestamp
            )
        );
        _price(address(weth), address(usdc));
    }

    function test_pairsNeedTwoRegisteredFeeds() public {
        TestToken unknown = new TestToken("Unknown", "UNK", 18);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.OracleAdapter__PairNotSupported.selector, address(unknown), address(usdc)
            )
        );
        _price(address(unknown), address(usdc));

        (bool isCached, bool hasPath) = adapter.isPairSupported(address(weth), address(usdc));
        assertTrue(!isCached && hasPath, "supported, not cached");
        adapter.upsertPair(address(usdc), address(weth));
        (isCached, hasPath) = adapter.isPairSupported(address(weth), address(usdc));
        assertTrue(isCached && hasPath, "cached either way round");
        assertEq(
            uint256(adapter.pricingPath(address(weth), address(usdc))),
            uint256(IChainlinkAdapter.PricingPath.TOKEN_USD_TOKEN),
            "TOKEN_USD_TOKEN"
        );
        (isCached, hasPath) = adapter.isPairSupported(address(unknown), address(usdc));
        assertTrue(!isCached && !hasPath, "unsupported");
    }

    function test_registrationIsOwnerOnlyAndUsdOnly() public {
        IFeedRegistry.FeedMappingArgs[] memory feeds = new IFeedRegistry.FeedMappingArgs[](1);
        feeds[0] = IFeedRegistry.FeedMappingArgs(address(weth), address(usdc), address(ethUsd));
        vm.expectRevert(
            abi.encodeWithSelector(IChainlinkAdapter.ChainlinkAdapter__InvalidDenomination.selector, address(usdc))
        );
        adapter.batchRegisterFeedMappings(feeds);
        vm.prank(address(0xBAD));
        vm.expectRevert();
        adapter.batchRegisterFeedMappings(feeds);
        assertEq(adapter.feed(address(weth), adapter.USD()), address(ethUsd), "feed lookup");
    }

    function test_describePricingPath() public view {
        (IOracleAdapter.AdapterType adapterType, address[][] memory path, uint8[] memory decimals) =
            adapter.describePricingPath(address(weth));
        assertEq(uint256(adapterType), uint256(IOracleAdapter.AdapterType.Chainlink), "Chainlink");
        assertEq(path[0][0], address(ethUsd), "feed");
        assertEq(uint256(decimals[0]), 8, "feed decimals");
    }
}
