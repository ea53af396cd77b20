// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Mirrors Premian-Labs/v3-contracts (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d):
//   contracts/factory/IPoolFactory.sol        (errors, PoolKey, isPool, getPoolAddress, deployPool,
//                                              initializationFee)
//   contracts/factory/IPoolFactoryEvents.sol  (PoolDeployed, PricingPath)
// Identical selectors, PoolKey layout and event topics.

import {UD60x18} from "../libraries/FixedPoint.sol";
import {IOracleAdapter} from "./IOracleAdapter.sol";

interface IPoolFactoryEvents {
    event PoolDeployed(
        address indexed base,
        address indexed quote,
        address oracleAdapter,
        UD60x18 strike,
        uint256 maturity,
        bool isCallPool,
        address poolAddress
    );

    event PricingPath(
        address pool,
        address[][] basePath,
        uint8[] basePathDecimals,
        IOracleAdapter.AdapterType baseAdapterType,
        address[][] quotePath,
        uint8[] quotePathDecimals,
        IOracleAdapter.AdapterType quoteAdapterType
    );
}

interface IPoolFactory is IPoolFactoryEvents {
    error PoolFactory__IdenticalAddresses();
    error PoolFactory__OptionExpired(uint256 maturity);
    error PoolFactory__OptionMaturityExceedsMax(uint256 maturity);
    error PoolFactory__OptionMaturityNot8UTC(uint256 maturity);
    error PoolFactory__OptionMaturityNotFriday(uint256 maturity);
    error PoolFactory__OptionMaturityNotLastFriday(uint256 maturity);
    error PoolFactory__OptionStrikeEqualsZero();
    error PoolFactory__OptionStrikeInvalid(UD60x18 strike, UD60x18 strikeInterval);
    error PoolFactory__PoolAlreadyDeployed(address poolAddress);
    error PoolFactory__TransferNativeTokenFailed();
    error PoolFactory__ZeroAddress();

    struct PoolKey {
        // Address of base token
        address base;
        // Address of quote token
        address quote;
        // Address of oracle adapter
        address oracleAdapter;
        // The strike of the option (18 decimals)
        UD60x18 strike;
        // The maturity timestamp of the option
        uint256 maturity;
        // Whether the pool is for call or put options
        bool isCallPool;
    }

    function isPool(address contractAddress) external view returns (bool);

    /// Address of the pool for `k` and whether it is deployed; reverts if `k` is invalid and not deployed.
    function getPoolAddress(PoolKey calldata k) external view returns (address pool, bool isDeployed);

    /// Deploy the pool for `k`; any native token sent is refunded (the real fee is deprecated).
    function deployPool(PoolKey calldata k) external payable returns (address poolAddress);

    /// DEPRECATED in the real protocol: always zero.
    function initializationFee(PoolKey calldata k) external view returns (UD60x18);
}
