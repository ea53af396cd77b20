// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Oracle adapter of the local world's Premia v3 pools. Mirrors, with identical selectors, errors and
// events, Premian-Labs/v3-contracts (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d):
//   contracts/adapter/IOracleAdapter.sol, contracts/adapter/IFeedRegistry.sol,
//   contracts/adapter/chainlink/IChainlinkAdapter.sol (pricingPath, UpdatedPathForPair, errors)
// Semantics kept from contracts/adapter/chainlink/ChainlinkAdapter.sol:
// * prices are tokenIn/USD divided by tokenOut/USD (the TOKEN_USD_TOKEN path), 18 decimals;
// * getPrice reverts when the latest round is older than STALE_PRICE_THRESHOLD (25 hours);
// * getPriceAt(target) uses the round in force at `target` (the last one updated at or before it,
//   found by binary search over round ids) and requires 0 < target <= block.timestamp.
// Deviations (local world):
// * Only USD-denominated feeds are registered, one per token (WETH is registered directly against
//   the ETH / USD feed; the real adapter aliases WETH to Chainlink's ETH denomination).
// * When no usable round exists at or before `target` (none at all, or the last one is more than
//   25 hours older than target), getPriceAt uses the FIRST round after `target` instead of reverting
//   until an operator stores an override in the real PriceRepository (not mirrored). Without a round
//   after target either, it reverts as the real adapter does (ChainlinkAdapter__PriceLeftOfTargetStale
//   or ChainlinkAdapter__PriceAtOrLeftOfTargetNotFound), so a settlement waits for the next round.
// * Feed lookups use roundIds 1..latestRound of one aggregator (no phase ids).

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {UD60x18} from "./libraries/FixedPoint.sol";
import {IChainlinkAdapter} from "./interfaces/IOracleAdapter.sol";

/// The read side of Chainlink's AggregatorV3Interface that the adapter uses.
interface IAggregatorV3 {
    function decimals() external view returns (uint8);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

contract ChainlinkAdapter is IChainlinkAdapter, Ownable {
    /// Chainlink's Denominations.USD (smartcontractkit/chainlink, Denominations.sol).
    address public constant USD = 0x0000000000000000000000000000000000000348;
    uint256 internal constant STALE_PRICE_THRESHOLD = 25 hours;

    mapping(address token => mapping(address denomination => address)) private _feeds;
    mapping(bytes32 pairKey => PricingPath) private _paths;

    constructor() Ownable(msg.sender) {}

    // ------------------------------------------------------------------ IFeedRegistry

    /// Register token/USD feeds (owner only, as on the real adapter).
    function batchRegisterFeedMappings(FeedMappingArgs[] memory args) external onlyOwner {
        for (uint256 i = 0; i < args.length; i++) {
            FeedMappingArgs memory arg = args[i];
            if (arg.token == address(0) || arg.feed == address(0)) revert OracleAdapter__ZeroAddress();
            if (arg.denomination != USD) revert ChainlinkAdapter__InvalidDenomination(arg.denomination);
            _feeds[arg.token][USD] = arg.feed;
        }
        emit FeedMappingsRegistered(args);
    }

    function feed(address token, address denomination) external view returns (address) {
        return _feeds[token][denomination];
    }

    // ------------------------------------------------------------------ IOracleAdapter

    function isPairSupported(address tokenA, address tokenB) external view returns (bool isCached, bool hasPath) {
        isCached = _paths[_pairKey(tokenA, tokenB)] != PricingPath.NONE;
        hasPath = _hasPath(tokenA, tokenB);
    }

    function upsertPair(address tokenA, address tokenB) external {
        _revertIfZeroAddress(tokenA, tokenB);
        if (tokenA == tokenB) revert OracleAdapter__TokensAreSame(tokenA, tokenB);
        if (!_hasPath(tokenA, tokenB)) revert OracleAdapter__PairCannotBeSupported(tokenA, tokenB);
        bytes32 key = _pairKey(tokenA, tokenB);
        if (_paths[key] == PricingPath.TOKEN_USD_TOKEN) return;
        _paths[key] = PricingPath.TOKEN_USD_TOKEN;
        emit UpdatedPathForPair(tokenA, tokenB, PricingPath.TOKEN_USD_TOKEN);
    }

    function pricingPath(address tokenA, address tokenB) external view returns (PricingPath) {
        return _paths[_pairKey(tokenA, tokenB)];
    }

    function getPrice(address tokenIn, address tokenOut) external view returns (UD60x18) {
        return UD60x18.wrap(_price(tokenIn, tokenOut, 0));
    }

    function getPriceAt(address tokenIn, address tokenOut, uint256 target) external view returns (UD60x18) {
        if (target == 0 || target > block.timestamp) revert OracleAdapter__InvalidTarget(target, block.timestamp);
        return UD60x18.wrap(_price(tokenIn, tokenOut, target));
    }

    function describePricingPath(address token)
        external
        view
        returns (AdapterType adapterType, address[][] memory path, uint8[] memory decimals)
    {
        adapterType = AdapterType.Chainlink;
        path = new address[][](2);
        decimals = new uint8[](2);
        address tokenFeed = _feeds[token][USD];
        if (tokenFeed != address(0)) {
            path[0] = new address[](1);
            path[0][0] = tokenFeed;
            decimals[0] = IAggregatorV3(tokenFeed).decimals();
        }
    }

    // ------------------------------------------------------------------ internals

    function _price(address tokenIn, address tokenOut, uint256 target) internal view returns (uint256) {
        _revertIfZeroAddress(tokenIn, tokenOut);
        if (tokenIn == tokenOut) revert OracleAdapter__TokensAreSame(tokenIn, tokenOut);
        if (!_hasPath(tokenIn, tokenOut)) revert OracleAdapter__PairNotSupported(tokenIn, tokenOut);
        uint256 usdIn = _usdPrice(tokenIn, target);
        uint256 usdOut = _usdPrice(tokenOut, target);
        return Math.mulDiv(usdIn, 1e18, usdOut);
    }

    /// USD price of `token` with 18 decimals: latest if target is 0, else the one in force at target.
    function _usdPrice(address token, uint256 target) internal view returns (uint256) {
        IAggregatorV3 aggregator = IAggregatorV3(_feeds[token][USD]);
        (uint80 latestId, int256 answer,, uint256 updatedAt,) = aggregator.latestRoundData();
        if (target == 0) {
            _revertIfStale(updatedAt, block.timestamp);
        } else if (updatedAt > target) {
            (answer, updatedAt) = _roundAround(aggregator, token, latestId, target);
        } else {
            _revertIfStale(updatedAt, target);
        }
        if (answer <= 0) revert OracleAdapter__InvalidPrice(answer);
        return _scale(uint256(answer), aggregator.decimals());
    }

    /// The round in force at `target`; falls back to the first round after it (see header).
    function _roundAround(IAggregatorV3 aggregator, address token, uint80 latestId, uint256 target)
        internal
        view
        returns (int256 answer, uint256 updatedAt)
    {
        // Invariant: round `high` is updated after target; rounds <= `low` (if any) at or before it.
        uint80 low = 0;
        uint80 high = latestId;
        while (high - low > 1) {
            uint80 middle = low + (high - low) / 2;
            (, , , uint256 middleAt,) = aggregator.getRoundData(middle);
            if (middleAt <= target) low = middle;
            else high = middle;
        }
        if (low != 0) {
            (, answer,, updatedAt,) = aggregator.getRoundData(low);
            if (target - updatedAt <= STALE_PRICE_THRESHOLD) return (answer, updatedAt);
        }
        (, answer,, updatedAt,) = aggregator.getRoundData(high);
        if (updatedAt <= target) revert ChainlinkAdapter__PriceAtOrLeftOfTargetNotFound(token, USD, target);
    }

    function _hasPath(address tokenA, address tokenB) internal view returns (bool) {
        return _feeds[tokenA][USD] != address(0) && _feeds[tokenB][USD] != address(0);
    }

    function _revertIfStale(uint256 updatedAt, uint256 target) internal pure {
        if (target - updatedAt > STALE_PRICE_THRESHOLD) revert ChainlinkAdapter__PriceLeftOfTargetStale(updatedAt, target);
    }

    function _revertIfZeroAddress(address tokenA, address tokenB) internal pure {
        if (tokenA == address(0) || tokenB == address(0)) revert OracleAdapter__ZeroAddress();
    }

    function _scale(uint256 value, uint8 decimals) internal pure returns (uint256) {
        return decimals <= 18 ? value * 10 ** (18 - decimals) : value / 10 ** (decimals - 18);
    }

    function _pairKey(address tokenA, address tokenB) internal pure returns (bytes32) {
        (address first, address second) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        return keccak256(abi.encode(first, second));
    }
}
