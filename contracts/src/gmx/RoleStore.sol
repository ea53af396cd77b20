// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Role registry of the local GMX v2 world.
// Mirrors gmx-io/gmx-synthetics v2.2, contracts/role/RoleStore.sol (grantRole, revokeRole, hasRole,
// getRoleCount, getRoles, getRoleMemberCount, getRoleMembers) and contracts/role/RoleModule.sol.
// As in the real contract the deployer starts as ROLE_ADMIN. Written for Ballast; no code copied.

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Errors} from "./Types.sol";
import {Role} from "./Keys.sol";

contract RoleStore {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    EnumerableSet.Bytes32Set private _roles;
    mapping(bytes32 => EnumerableSet.AddressSet) private _roleMembers;

    constructor() {
        _grantRole(msg.sender, Role.ROLE_ADMIN);
    }

    modifier onlyRoleAdmin() {
        if (!hasRole(msg.sender, Role.ROLE_ADMIN)) revert Errors.Unauthorized(msg.sender, "ROLE_ADMIN");
        _;
    }

    function grantRole(address account, bytes32 roleKey) external onlyRoleAdmin {
        _grantRole(account, roleKey);
    }

    function revokeRole(address account, bytes32 roleKey) external onlyRoleAdmin {
        _roleMembers[roleKey].remove(account);
    }

    function hasRole(address account, bytes32 roleKey) public view returns (bool) {
        return _roleMembers[roleKey].contains(account);
    }

    function getRoleCount() external view returns (uint256) {
        return _roles.length();
    }

    function getRoles(uint256 start, uint256 end) external view returns (bytes32[] memory roles) {
        end = _bound(end, _roles.length());
        roles = new bytes32[](end > start ? end - start : 0);
        for (uint256 i = start; i < end; i++) {
            roles[i - start] = _roles.at(i);
        }
    }

    function getRoleMemberCount(bytes32 roleKey) external view returns (uint256) {
        return _roleMembers[roleKey].length();
    }

    function getRoleMembers(bytes32 roleKey, uint256 start, uint256 end)
        external
        view
        returns (address[] memory members)
    {
        EnumerableSet.AddressSet storage set = _roleMembers[roleKey];
        end = _bound(end, set.length());
        members = new address[](end > start ? end - start : 0);
        for (uint256 i = start; i < end; i++) {
            members[i - start] = set.at(i);
        }
    }

    function _grantRole(address account, bytes32 roleKey) private {
        _roles.add(roleKey);
        _roleMembers[roleKey].add(account);
    }

    function _bound(uint256 end, uint256 length) private pure returns (uint256) {
        return end > length ? length : end;
    }
}

/// Role checks shared by the world's contracts (contracts/role/RoleModule.sol).
abstract contract RoleModule {
    RoleStore public immutable roleStore;

    constructor(RoleStore roleStore_) {
        roleStore = roleStore_;
    }

    modifier onlySelf() {
        if (msg.sender != address(this)) revert Errors.Unauthorized(msg.sender, "SELF");
        _;
    }

    modifier onlyController() {
        _validateRole(Role.CONTROLLER, "CONTROLLER");
        _;
    }

    modifier onlyRouterPlugin() {
        _validateRole(Role.ROUTER_PLUGIN, "ROUTER_PLUGIN");
        _;
    }

    modifier onlyMarketKeeper() {
        _validateRole(Role.MARKET_KEEPER, "MARKET_KEEPER");
        _;
    }

    modifier onlyConfigKeeper() {
        _validateRole(Role.CONFIG_KEEPER, "CONFIG_KEEPER");
        _;
    }

    modifier onlyOrderKeeper() {
        _validateRole(Role.ORDER_KEEPER, "ORDER_KEEPER");
        _;
    }

    modifier onlyLiquidationKeeper() {
        _validateRole(Role.LIQUIDATION_KEEPER, "LIQUIDATION_KEEPER");
        _;
    }

    function _validateRole(bytes32 roleKey, string memory roleName) internal view {
        if (!roleStore.hasRole(msg.sender, roleKey)) revert Errors.Unauthorized(msg.sender, roleName);
    }
}
