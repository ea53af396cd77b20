// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Key-value store of the local GMX v2 world.
// Mirrors, with identical selectors, the subset of gmx-io/gmx-synthetics v2.2
// contracts/data/DataStore.sol the world needs: getUint/setUint/removeUint/applyDeltaToUint/
// incrementUint/decrementUint, getInt/setInt, getAddress/setAddress, getBool/setBool,
// getBytes32/setBytes32, and the bytes32/address sets (containsBytes32, getBytes32Count,
// getBytes32ValuesAt, addBytes32, removeBytes32; same for Address). Config and market state live
// under the real keys (Keys.sol), and order/position/market lists under the real list keys, so
// keepers enumerate ORDER_LIST and POSITION_LIST exactly as they would on the real chain.
//
// Deviation (Ballast-only): the real store keeps each order/position/market field under its own
// derived key (OrderStoreUtils, PositionStoreUtils, MarketStoreUtils). Here those structs are held
// whole in typed mappings (getOrder/setOrder/..., CONTROLLER-only writes). Clients read them
// through Reader, whose functions are the real ones. Written for Ballast; no code copied.

import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Errors, Market, Order, Position} from "./Types.sol";
import {Keys} from "./Keys.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

contract DataStore is RoleModule {
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using EnumerableSet for EnumerableSet.AddressSet;

    mapping(bytes32 => uint256) public uintValues;
    mapping(bytes32 => int256) public intValues;
    mapping(bytes32 => address) public addressValues;
    mapping(bytes32 => bool) public boolValues;
    mapping(bytes32 => bytes32) public bytes32Values;
    mapping(bytes32 => EnumerableSet.Bytes32Set) private _bytes32Sets;
    mapping(bytes32 => EnumerableSet.AddressSet) private _addressSets;

    mapping(bytes32 => Order.Props) private _orders;
    mapping(bytes32 => Position.Props) private _positions;
    mapping(address => Market.Props) private _markets;

    constructor(RoleStore roleStore_) RoleModule(roleStore_) {}

    // ---- uint ----
    function getUint(bytes32 key) external view returns (uint256) {
        return uintValues[key];
    }

    function setUint(bytes32 key, uint256 value) external onlyController returns (uint256) {
        uintValues[key] = value;
        return value;
    }

    function removeUint(bytes32 key) external onlyController {
        delete uintValues[key];
    }

    function applyDeltaToUint(bytes32 key, int256 value, string memory errorMessage)
        external
        onlyController
        returns (uint256)
    {
        uint256 current = uintValues[key];
        uint256 magnitude = SignedMath.abs(value);
        if (value < 0 && magnitude > current) revert(errorMessage);
        uint256 next = value < 0 ? current - magnitude : current + magnitude;
        uintValues[key] = next;
        return next;
    }

    function incrementUint(bytes32 key, uint256 value) external onlyController returns (uint256) {
        uint256 next = uintValues[key] + value;
        uintValues[key] = next;
        return next;
    }

    function decrementUint(bytes32 key, uint256 value) external onlyController returns (uint256) {
        uint256 next = uintValues[key] - value;
        uintValues[key] = next;
        return next;
    }

    // ---- int, address, bool, bytes32 ----
    function getInt(bytes32 key) external view returns (int256) {
        return intValues[key];
    }

    function setInt(bytes32 key, int256 value) external onlyController returns (int256) {
        intValues[key] = value;
        return value;
    }

    function getAddress(bytes32 key) external view returns (address) {
        return addressValues[key];
    }

    function setAddress(bytes32 key, address value) external onlyController returns (address) {
        addressValues[key] = value;
        return value;
    }

    function getBool(bytes32 key) external view returns (bool) {
        return boolValues[key];
    }

    function setBool(bytes32 key, bool value) external onlyController returns (bool) {
        boolValues[key] = value;
        return value;
    }

    function getBytes32(bytes32 key) external view returns (bytes32) {
        return bytes32Values[key];
    }

    function setBytes32(bytes32 key, bytes32 value) external onlyController returns (bytes32) {
        bytes32Values[key] = value;
        return value;
    }

    // ---- sets ----
    function containsBytes32(bytes32 setKey, bytes32 value) external view returns (bool) {
        return _bytes32Sets[setKey].contains(value);
    }

    function getBytes32Count(bytes32 setKey) external view returns (uint256) {
        return _bytes32Sets[setKey].length();
    }

    function getBytes32ValuesAt(bytes32 setKey, uint256 start, uint256 end)
        external
        view
        returns (bytes32[] memory values)
    {
        EnumerableSet.Bytes32Set storage set = _bytes32Sets[setKey];
        if (end > set.length()) end = set.length();
        values = new bytes32[](end > start ? end - start : 0);
        for (uint256 i = start; i < end; i++) {
            values[i - start] = set.at(i);
        }
    }

    function addBytes32(bytes32 setKey, bytes32 value) external onlyController {
        _bytes32Sets[setKey].add(value);
    }

    function removeBytes32(bytes32 setKey, bytes32 value) external onlyController {
        _bytes32Sets[setKey].remove(value);
    }

    function containsAddress(bytes32 setKey, address value) external view returns (bool) {
        return _addressSets[setKey].contains(value);
    }

    function getAddressCount(bytes32 setKey) external view returns (uint256) {
        return _addressSets[setKey].length();
    }

    function getAddressValuesAt(bytes32 setKey, uint256 start, uint256 end)
        external
        view
        returns (address[] memory values)
    {
        EnumerableSet.AddressSet storage set = _addressSets[setKey];
        if (end > set.length()) end = set.length();
        values = new address[](end > start ? end - start : 0);
        for (uint256 i = start; i < end; i++) {
            values[i - start] = set.at(i);
        }
    }

    function addAddress(bytes32 setKey, address value) external onlyController {
        _addressSets[setKey].add(value);
    }

    function removeAddress(bytes32 setKey, address value) external onlyController {
        _addressSets[setKey].remove(value);
    }

    // ---- Ballast-only typed records (see header); list membership kept under the real keys ----
    function getOrder(bytes32 key) external view returns (Order.Props memory) {
        return _orders[key];
    }

    function setOrder(bytes32 key, Order.Props calldata order) external onlyController {
        _orders[key] = order;
        _bytes32Sets[Keys.ORDER_LIST].add(key);
        _bytes32Sets[Keys.accountOrderListKey(order.addresses.account)].add(key);
    }

    function removeOrder(bytes32 key) external onlyController {
        address account = _orders[key].addresses.account;
        delete _orders[key];
        _bytes32Sets[Keys.ORDER_LIST].remove(key);
        _bytes32Sets[Keys.accountOrderListKey(account)].remove(key);
    }

    function getPosition(bytes32 key) external view returns (Position.Props memory) {
        return _positions[key];
    }

    function setPosition(bytes32 key, Position.Props calldata position) external onlyController {
        _positions[key] = position;
        _bytes32Sets[Keys.POSITION_LIST].add(key);
        _bytes32Sets[Keys.accountPositionListKey(position.addresses.account)].add(key);
    }

    function removePosition(bytes32 key) external onlyController {
        address account = _positions[key].addresses.account;
        delete _positions[key];
        _bytes32Sets[Keys.POSITION_LIST].remove(key);
        _bytes32Sets[Keys.accountPositionListKey(account)].remove(key);
    }

    function getMarket(address key) external view returns (Market.Props memory) {
        return _markets[key];
    }

    function setMarket(address key, bytes32 salt, Market.Props calldata market) external onlyController {
        if (market.marketToken == address(0)) revert Errors.EmptyMarket();
        _markets[key] = market;
        _addressSets[Keys.MARKET_LIST].add(key);
        addressValues[Keys.marketSaltHash(salt)] = key;
    }
}
