// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Registry of the local world's Aave v3 market: the one address a client needs to find the
// Pool, the oracle and the data provider.
// Mirrors, with identical selectors, constructor arguments and events:
//   aave/aave-v3-core, contracts/interfaces/IPoolAddressesProvider.sol
//     getMarketId(), setMarketId(string), getAddress(bytes32), setAddress(bytes32,address),
//     getPool(), setPoolImpl(address), getPoolConfigurator(), setPoolConfiguratorImpl(address),
//     getPriceOracle(), setPriceOracle(address), getACLManager(), setACLManager(address),
//     getACLAdmin(), setACLAdmin(address), getPriceOracleSentinel(), setPriceOracleSentinel(address),
//     getPoolDataProvider(), setPoolDataProvider(address);
//     events MarketIdSet, PoolUpdated, PoolConfiguratorUpdated, PriceOracleUpdated,
//     ACLManagerUpdated, ACLAdminUpdated, PriceOracleSentinelUpdated, PoolDataProviderUpdated, AddressSet
//   owner(), transferOwnership(address), renounceOwnership() (OpenZeppelin Ownable, as the real one)
// The ids are the real ones ('POOL', 'PRICE_ORACLE', 'DATA_PROVIDER', ...), so getAddress agrees.
// Deviation: no proxies. setPoolImpl / setPoolConfiguratorImpl register the given contract
// itself (real Aave deploys an upgradeable proxy in front of it), and setAddressAsProxy is absent.

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract PoolAddressesProvider is Ownable {
    event MarketIdSet(string indexed oldMarketId, string indexed newMarketId);
    event PoolUpdated(address indexed oldAddress, address indexed newAddress);
    event PoolConfiguratorUpdated(address indexed oldAddress, address indexed newAddress);
    event PriceOracleUpdated(address indexed oldAddress, address indexed newAddress);
    event ACLManagerUpdated(address indexed oldAddress, address indexed newAddress);
    event ACLAdminUpdated(address indexed oldAddress, address indexed newAddress);
    event PriceOracleSentinelUpdated(address indexed oldAddress, address indexed newAddress);
    event PoolDataProviderUpdated(address indexed oldAddress, address indexed newAddress);
    event AddressSet(bytes32 indexed id, address indexed oldAddress, address indexed newAddress);

    bytes32 private constant POOL = "POOL";
    bytes32 private constant POOL_CONFIGURATOR = "POOL_CONFIGURATOR";
    bytes32 private constant PRICE_ORACLE = "PRICE_ORACLE";
    bytes32 private constant ACL_MANAGER = "ACL_MANAGER";
    bytes32 private constant ACL_ADMIN = "ACL_ADMIN";
    bytes32 private constant PRICE_ORACLE_SENTINEL = "PRICE_ORACLE_SENTINEL";
    bytes32 private constant DATA_PROVIDER = "DATA_PROVIDER";

    string private _marketId;
    mapping(bytes32 => address) private _addresses;

    constructor(string memory marketId, address owner) Ownable(owner) {
        _setMarketId(marketId);
    }

    function getMarketId() external view returns (string memory) {
        return _marketId;
    }

    function setMarketId(string memory newMarketId) external onlyOwner {
        _setMarketId(newMarketId);
    }

    function getAddress(bytes32 id) public view returns (address) {
        return _addresses[id];
    }

    function setAddress(bytes32 id, address newAddress) external onlyOwner {
        emit AddressSet(id, _swap(id, newAddress), newAddress);
    }

    function getPool() external view returns (address) {
        return _addresses[POOL];
    }

    function setPoolImpl(address newPoolImpl) external onlyOwner {
        emit PoolUpdated(_swap(POOL, newPoolImpl), newPoolImpl);
    }

    function getPoolConfigurator() external view returns (address) {
        return _addresses[POOL_CONFIGURATOR];
    }

    function setPoolConfiguratorImpl(address newPoolConfiguratorImpl) external onlyOwner {
        emit PoolConfiguratorUpdated(_swap(POOL_CONFIGURATOR, newPoolConfiguratorImpl), newPoolConfiguratorImpl);
    }

    function getPriceOracle() external view returns (address) {
        return _addresses[PRICE_ORACLE];
    }

    function setPriceOracle(address newPriceOracle) external onlyOwner {
        emit PriceOracleUpdated(_swap(PRICE_ORACLE, newPriceOracle), newPriceOracle);
    }

    function getACLManager() external view returns (address) {
        return _addresses[ACL_MANAGER];
    }

    function setACLManager(address newAclManager) external onlyOwner {
        emit ACLManagerUpdated(_swap(ACL_MANAGER, newAclManager), newAclManager);
    }

    function getACLAdmin() external view returns (address) {
        return _addresses[ACL_ADMIN];
    }

    function setACLAdmin(address newAclAdmin) external onlyOwner {
        emit ACLAdminUpdated(_swap(ACL_ADMIN, newAclAdmin), newAclAdmin);
    }

    function getPriceOracleSentinel() external view returns (address) {
        return _addresses[PRICE_ORACLE_SENTINEL];
    }

    function setPriceOracleSentinel(address newPriceOracleSentinel) external onlyOwner {
        emit PriceOracleSentinelUpdated(_swap(PRICE_ORACLE_SENTINEL, newPriceOracleSentinel), newPriceOracleSentinel);
    }

    function getPoolDataProvider() external view returns (address) {
        return _addresses[DATA_PROVIDER];
    }

    function setPoolDataProvider(address newDataProvider) external onlyOwner {
        emit PoolDataProviderUpdated(_swap(DATA_PROVIDER, newDataProvider), newDataProvider);
    }

    function _swap(bytes32 id, address newAddress) private returns (address oldAddress) {
        oldAddress = _addresses[id];
        _addresses[id] = newAddress;
    }

    function _setMarketId(string memory newMarketId) private {
        string memory oldMarketId = _marketId;
        _marketId = newMarketId;
        emit MarketIdSet(oldMarketId, newMarketId);
    }
}
