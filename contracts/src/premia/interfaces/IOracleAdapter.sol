// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Mirrors Premian-Labs/v3-contracts (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d):
//   contracts/adapter/IOracleAdapter.sol  (whole interface: AdapterType, errors, isPairSupported,
//     upsertPair, getPrice, getPriceAt, describePricingPath)
//   contracts/adapter/IFeedRegistry.sol   (FeedMappingArgs, FeedMappingsRegistered,
//     batchRegisterFeedMappings, feed)
//   contracts/adapter/chainlink/IChainlinkAdapter.sol (PricingPath, the errors and event used here)
// Note: before launch (commit 6859515d, 2023-06-30) getPrice/getPriceAt were called quote/quoteFrom;
// the deployed protocol, and this mirror, use getPrice/getPriceAt.

import {UD60x18} from "../libraries/FixedPoint.sol";

interface IOracleAdapter {
    enum AdapterType {
        None,
        Chainlink
    }

    error OracleAdapter__ArrayCannotExpand(uint256 arrayLength, uint256 size);
    error OracleAdapter__InvalidTarget(uint256 target, uint256 blockTimestamp);
    error OracleAdapter__InvalidPrice(int256 price);
    error OracleAdapter__PairCannotBeSupported(address tokenA, address tokenB);
    error OracleAdapter__PairNotSupported(address tokenA, address tokenB);
    error OracleAdapter__TokensAreSame(address tokenA, address tokenB);
    error OracleAdapter__ZeroAddress();

    function isPairSupported(address tokenA, address tokenB) external view returns (bool isCached, bool hasPath);

    function upsertPair(address tokenA, address tokenB) external;

    /// Latest price of `tokenIn` in `tokenOut` (18 decimals).
    function getPrice(address tokenIn, address tokenOut) external view returns (UD60x18);

    /// Price of `tokenIn` in `tokenOut` in force at `target` (18 decimals).
    function getPriceAt(address tokenIn, address tokenOut, uint256 target) external view returns (UD60x18);

    function describePricingPath(address token)
        external
        view
        returns (AdapterType adapterType, address[][] memory path, uint8[] memory decimals);
}

interface IFeedRegistry {
    struct FeedMappingArgs {
        address token;
        address denomination;
        address feed;
    }

    event FeedMappingsRegistered(FeedMappingArgs[] args);

    function batchRegisterFeedMappings(FeedMappingArgs[] memory args) external;

    function feed(address token, address denomination) external view returns (address);
}

interface IChainlinkAdapter is IOracleAdapter, IFeedRegistry {
    enum PricingPath {
        NONE,
        ETH_USD,
        TOKEN_USD,
        TOKEN_ETH,
        TOKEN_USD_TOKEN,
        TOKEN_ETH_TOKEN,
        A_USD_ETH_B,
        A_ETH_USD_B,
        TOKEN_USD_BTC_WBTC
    }

    error ChainlinkAdapter__InvalidDenomination(address denomination);
    error ChainlinkAdapter__PriceAtOrLeftOfTargetNotFound(address token, address denomination, uint256 target);
    error ChainlinkAdapter__PriceLeftOfTargetStale(uint256 updatedAt, uint256 target);

    event UpdatedPathForPair(address tokenA, address tokenB, PricingPath path);

    function pricingPath(address tokenA, address tokenB) external view returns (PricingPath);
}
