// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Market creation, configuration and pool seeding of the local GMX v2 world.
//   MarketFactory mirrors gmx-io/gmx-synthetics v2.2 contracts/market/MarketFactory.sol:
//     createMarket(indexToken, longToken, shortToken, marketType) -> Market.Props, MARKET_KEEPER only,
//     the MarketToken deployed with CREATE2 salt keccak256(abi.encode("GMX_MARKET", index, long, short, type)).
//   Config mirrors contracts/config/Config.sol: setUint/setInt/setBool/setAddress/setBytes32
//     (bytes32 baseKey, bytes data, value) storing under Keys.getFullKey(baseKey, data), CONFIG_KEEPER only.
//     Deviation: no allow-list of base keys and no per-key bounds.
//   PoolSeeder is Ballast-only: the real pool is funded by GM deposits (DepositHandler), which the
//     local world does not model. seedPool moves tokens from the caller into the MarketToken and
//     credits the pool amount; no GM tokens are minted.
// Written for Ballast; no code copied.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {DataStore} from "./DataStore.sol";
import {EventEmitter} from "./EventEmitter.sol";
import {MarketToken} from "./Bank.sol";
import {Errors, Market} from "./Types.sol";
import {Keys} from "./Keys.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

contract MarketFactory is RoleModule {
    DataStore public immutable dataStore;
    EventEmitter public immutable eventEmitter;

    constructor(RoleStore roleStore_, DataStore dataStore_, EventEmitter eventEmitter_) RoleModule(roleStore_) {
        dataStore = dataStore_;
        eventEmitter = eventEmitter_;
    }

    function createMarket(address indexToken, address longToken, address shortToken, bytes32 marketType)
        external
        onlyMarketKeeper
        returns (Market.Props memory market)
    {
        bytes32 salt = keccak256(abi.encode("GMX_MARKET", indexToken, longToken, shortToken, marketType));
        address existing = dataStore.getAddress(Keys.marketSaltHash(salt));
        if (existing != address(0)) revert Errors.MarketAlreadyExists(salt, existing);

        MarketToken marketToken = new MarketToken{salt: salt}(roleStore, dataStore);
        market = Market.Props(address(marketToken), indexToken, longToken, shortToken);
        dataStore.setMarket(address(marketToken), salt, market);
        eventEmitter.emitMarketCreated(salt, market, marketType);
    }
}

contract Config is RoleModule {
    DataStore public immutable dataStore;

    constructor(RoleStore roleStore_, DataStore dataStore_) RoleModule(roleStore_) {
        dataStore = dataStore_;
    }

    function setUint(bytes32 baseKey, bytes memory data, uint256 value) external onlyConfigKeeper {
        dataStore.setUint(Keys.getFullKey(baseKey, data), value);
    }

    function setInt(bytes32 baseKey, bytes memory data, int256 value) external onlyConfigKeeper {
        dataStore.setInt(Keys.getFullKey(baseKey, data), value);
    }

    function setBool(bytes32 baseKey, bytes memory data, bool value) external onlyConfigKeeper {
        dataStore.setBool(Keys.getFullKey(baseKey, data), value);
    }

    function setAddress(bytes32 baseKey, bytes memory data, address value) external onlyConfigKeeper {
        dataStore.setAddress(Keys.getFullKey(baseKey, data), value);
    }

    function setBytes32(bytes32 baseKey, bytes memory data, bytes32 value) external onlyConfigKeeper {
        dataStore.setBytes32(Keys.getFullKey(baseKey, data), value);
    }
}

contract PoolSeeder is RoleModule {
    using SafeERC20 for IERC20;

    DataStore public immutable dataStore;

    event PoolSeeded(address indexed market, address indexed token, uint256 amount, uint256 poolAmount);

    constructor(RoleStore roleStore_, DataStore dataStore_) RoleModule(roleStore_) {
        dataStore = dataStore_;
    }

    /// Move `amount` of `token` (the market's long or short token) from the caller into the pool.
    function seedPool(address market, address token, uint256 amount) external onlyMarketKeeper {
        Market.Props memory props = dataStore.getMarket(market);
        if (props.marketToken == address(0)) revert Errors.EmptyMarket();
        if (token != props.longToken && token != props.shortToken) {
            revert Errors.InvalidCollateralTokenForMarket(market, token);
        }
        IERC20(token).safeTransferFrom(msg.sender, market, amount);
        uint256 poolAmount = dataStore.incrementUint(Keys.poolAmountKey(market, token), amount);
        emit PoolSeeded(market, token, amount, poolAmount);
    }
}
