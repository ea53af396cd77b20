// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Pool factory of the local world's Premia v3. Mirrors Premian-Labs/v3-contracts
// (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d), contracts/factory/PoolFactory.sol behind
// IPoolFactory.sol / IPoolFactoryEvents.sol: isPool, getPoolAddress, deployPool (payable, refunds
// any value), initializationFee (deprecated, 0), the PoolDeployed and PricingPath events, and the
// real validation: distinct non-zero addresses, oracleAdapter.upsertPair(base, quote), strikes on
// the grid 10^(floor(log10 K) - 1), maturities at 08:00 UTC, on a Friday from 3 to 35 days out,
// on the last Friday of the month beyond 35 days, at most 365 days out.
// Deviations (local world):
// * Pools are EIP-1167 clones of one Pool implementation, created with CREATE2 from the pool key
//   hash (the real pools are diamond proxies created by PoolFactoryDeployer), so getPoolAddress
//   predicts undeployed addresses as the real one does.
// * The factory creates its ERC20Router and holds the pools' shared settings: ROUTER,
//   VOLATILITY_ORACLE, FEE_RECEIVER, POOL_IMPLEMENTATION and the AMM spread (setAmmSpread, owner
//   only); the real pools get them from the Premia diamond.
// * Non-real helpers for the world's keepers: poolCount(), poolAt(index), getPools(); every
//   deployed pool is listed in deployment order.

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {UD60x18} from "./libraries/FixedPoint.sol";
import {Dates} from "./libraries/Dates.sol";
import {OptionMath} from "./libraries/OptionMath.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IPoolFactory} from "./interfaces/IPoolFactory.sol";
import {ERC20Router} from "./ERC20Router.sol";
import {PoolBase} from "./PoolBase.sol";

contract PoolFactory is IPoolFactory, Ownable, ReentrancyGuard {
    /// Non-real: the AMM spread changed (18 decimals, 0.05e18 = 5% of the Black-Scholes price).
    event AmmSpreadUpdated(UD60x18 spread);

    error PoolFactory__SpreadTooLarge(UD60x18 spread);

    address public immutable POOL_IMPLEMENTATION;
    address public immutable ROUTER;
    address public immutable VOLATILITY_ORACLE;
    address public immutable FEE_RECEIVER;
    UD60x18 public ammSpread;

    mapping(bytes32 poolKey => address) private _pools;
    mapping(address => bool) private _isPool;
    address[] private _poolList;

    /// @param poolImplementation a deployed `PremiaPool` (the code behind every clone)
    /// @param volatilityOracle the IVolatilityOracle the pools price with
    /// @param feeReceiver receives protocol fees (50% of taker fees, all exercise fees)
    /// @param spread the AMM spread, 18 decimals (below 1e18)
    constructor(address poolImplementation, address volatilityOracle, address feeReceiver, UD60x18 spread)
        Ownable(msg.sender)
    {
        if (poolImplementation == address(0) || volatilityOracle == address(0) || feeReceiver == address(0)) {
            revert PoolFactory__ZeroAddress();
        }
        POOL_IMPLEMENTATION = poolImplementation;
        VOLATILITY_ORACLE = volatilityOracle;
        FEE_RECEIVER = feeReceiver;
        ROUTER = address(new ERC20Router(address(this)));
        _setAmmSpread(spread);
    }

    // ------------------------------------------------------------------ IPoolFactory

    function isPool(address contractAddress) external view returns (bool) {
        return _isPool[contractAddress];
    }

    function getPoolAddress(PoolKey calldata k) external view returns (address pool, bool isDeployed) {
        pool = _pools[_poolKey(k)];
        isDeployed = true;
        if (pool == address(0)) {
            _revertIfAddressInvalid(k);
            _revertIfOptionStrikeInvalid(k.strike);
            _revertIfOptionMaturityInvalid(k.maturity);
            pool = Clones.predictDeterministicAddress(POOL_IMPLEMENTATION, _poolKey(k));
            isDeployed = false;
        }
    }

    function deployPool(PoolKey calldata k) external payable nonReentrant returns (address poolAddress) {
        _revertIfAddressInvalid(k);
        IOracleAdapter(k.oracleAdapter).upsertPair(k.base, k.quote);
        _revertIfOptionStrikeInvalid(k.strike);
        _revertIfOptionMaturityInvalid(k.maturity);

        if (msg.value > 0) _refund(msg.sender, msg.value);

        bytes32 key = _poolKey(k);
        if (_pools[key] != address(0)) revert PoolFactory__PoolAlreadyDeployed(_pools[key]);
        poolAddress = Clones.cloneDeterministic(POOL_IMPLEMENTATION, key);
        PoolBase(poolAddress).initialize(k);

        _pools[key] = poolAddress;
        _isPool[poolAddress] = true;
        _poolList.push(poolAddress);

        emit PoolDeployed(k.base, k.quote, k.oracleAdapter, k.strike, k.maturity, k.isCallPool, poolAddress);
        _emitPricingPath(poolAddress, k);
    }

    function initializationFee(PoolKey calldata) external pure returns (UD60x18) {
        return UD60x18.wrap(0);
    }

    // ------------------------------------------------------------------ non-real helpers

    function setAmmSpread(UD60x18 spread) external onlyOwner {
        _setAmmSpread(spread);
    }

    function poolCount() external view returns (uint256) {
        return _poolList.length;
    }

    function poolAt(uint256 index) external view returns (address) {
        return _poolList[index];
    }

    function getPools() external view returns (address[] memory) {
        return _poolList;
    }

    // ------------------------------------------------------------------ internals

    function _setAmmSpread(UD60x18 spread) internal {
        if (UD60x18.unwrap(spread) >= 1e18) revert PoolFactory__SpreadTooLarge(spread);
        ammSpread = spread;
        emit AmmSpreadUpdated(spread);
    }

    function _emitPricingPath(address pool, PoolKey calldata k) internal {
        IOracleAdapter adapter = IOracleAdapter(k.oracleAdapter);
        (IOracleAdapter.AdapterType baseType, address[][] memory basePath, uint8[] memory baseDecimals) =
            adapter.describePricingPath(k.base);
        (IOracleAdapter.AdapterType quoteType, address[][] memory quotePath, uint8[] memory quoteDecimals) =
            adapter.describePricingPath(k.quote);
        emit PricingPath(pool, basePath, baseDecimals, baseType, quotePath, quoteDecimals, quoteType);
    }

    function _refund(address to, uint256 amount) internal {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PoolFactory__TransferNativeTokenFailed();
    }

    /// PoolFactoryStorage.poolKey: keccak256 of the key's fields.
    function _poolKey(PoolKey calldata k) internal pure returns (bytes32) {
        return keccak256(abi.encode(k.base, k.quote, k.oracleAdapter, k.strike, k.maturity, k.isCallPool));
    }

    function _revertIfAddressInvalid(PoolKey calldata k) internal pure {
        if (k.base == k.quote) revert PoolFactory__IdenticalAddresses();
        if (k.base == address(0) || k.quote == address(0) || k.oracleAdapter == address(0)) {
            revert PoolFactory__ZeroAddress();
        }
    }

    function _revertIfOptionStrikeInvalid(UD60x18 strike) internal pure {
        uint256 value = UD60x18.unwrap(strike);
        if (value == 0) revert PoolFactory__OptionStrikeEqualsZero();
        uint256 interval = OptionMath.calculateStrikeInterval(value);
        if (value % interval != 0) revert PoolFactory__OptionStrikeInvalid(strike, UD60x18.wrap(interval));
    }

    function _revertIfOptionMaturityInvalid(uint256 maturity) internal view {
        if (maturity <= block.timestamp) revert PoolFactory__OptionExpired(maturity);
        if (!Dates.is8AMUTC(maturity)) revert PoolFactory__OptionMaturityNot8UTC(maturity);
        uint256 timeToMaturity = maturity - block.timestamp;
        if (timeToMaturity >= 3 days && timeToMaturity <= 35 days && !Dates.isFriday(maturity)) {
            revert PoolFactory__OptionMaturityNotFriday(maturity);
        }
        if (timeToMaturity > 35 days && !Dates.isLastFriday(maturity)) {
            revert PoolFactory__OptionMaturityNotLastFriday(maturity);
        }
        if (timeToMaturity > 365 days) revert PoolFactory__OptionMaturityExceedsMax(maturity);
    }
}
