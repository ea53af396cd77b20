// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Price oracle of the local world's Aave v3 market: one Chainlink feed per asset, prices in the
// base currency (USD with 8 decimals: BASE_CURRENCY = address(0), BASE_CURRENCY_UNIT = 1e8, as on
// Aave v3 Ethereum/Arbitrum).
// Mirrors, with identical selectors, constructor arguments and events:
//   aave/aave-v3-core, contracts/interfaces/IAaveOracle.sol
//     ADDRESSES_PROVIDER(), setAssetSources(address[],address[]), setFallbackOracle(address),
//     getAssetsPrices(address[]), getSourceOfAsset(address), getFallbackOracle();
//     events BaseCurrencySet, AssetSourceUpdated, FallbackOracleUpdated
//   aave/aave-v3-core, contracts/interfaces/IPriceOracleGetter.sol
//     BASE_CURRENCY(), BASE_CURRENCY_UNIT(), getAssetPrice(address)
// As in aave-v3-core contracts/misc/AaveOracle.sol: the base currency prices at its unit; a
// missing source or a non-positive answer falls back to the fallback oracle.
// Deviation: the setters are restricted to the deployer (no ACLManager), failing with
// CALLER_NOT_POOL_ADMIN ('1').

import {Errors} from "./Errors.sol";
import {IPriceOracleGetter} from "./Interfaces.sol";

interface IChainlinkAnswer {
    function latestAnswer() external view returns (int256);
}

contract AaveOracle {
    event BaseCurrencySet(address indexed baseCurrency, uint256 baseCurrencyUnit);
    event AssetSourceUpdated(address indexed asset, address indexed source);
    event FallbackOracleUpdated(address indexed fallbackOracle);

    address public immutable ADDRESSES_PROVIDER;
    address public immutable BASE_CURRENCY;
    uint256 public immutable BASE_CURRENCY_UNIT;
    address private immutable _admin;

    mapping(address => address) private _assetsSources;
    address private _fallbackOracle;

    constructor(
        address provider,
        address[] memory assets,
        address[] memory sources,
        address fallbackOracle,
        address baseCurrency,
        uint256 baseCurrencyUnit
    ) {
        ADDRESSES_PROVIDER = provider;
        _admin = msg.sender;
        _setFallbackOracle(fallbackOracle);
        _setAssetsSources(assets, sources);
        BASE_CURRENCY = baseCurrency;
        BASE_CURRENCY_UNIT = baseCurrencyUnit;
        emit BaseCurrencySet(baseCurrency, baseCurrencyUnit);
    }

    modifier onlyAdmin() {
        require(msg.sender == _admin, Errors.CALLER_NOT_POOL_ADMIN);
        _;
    }

    function setAssetSources(address[] calldata assets, address[] calldata sources) external onlyAdmin {
        _setAssetsSources(assets, sources);
    }

    function setFallbackOracle(address fallbackOracle) external onlyAdmin {
        _setFallbackOracle(fallbackOracle);
    }

    function getAssetPrice(address asset) public view returns (uint256) {
        if (asset == BASE_CURRENCY) return BASE_CURRENCY_UNIT;
        address source = _assetsSources[asset];
        if (source != address(0)) {
            int256 price = IChainlinkAnswer(source).latestAnswer();
            // forge-lint: disable-next-line(unsafe-typecast) -- positive, so the cast is exact.
            if (price > 0) return uint256(price);
        }
        // Like the real oracle: no fallback configured means the call reverts.
        return IPriceOracleGetter(_fallbackOracle).getAssetPrice(asset);
    }

    function getAssetsPrices(address[] calldata assets) external view returns (uint256[] memory prices) {
        prices = new uint256[](assets.length);
        for (uint256 i = 0; i < assets.length; i++) {
            prices[i] = getAssetPrice(assets[i]);
        }
    }

    function getSourceOfAsset(address asset) external view returns (address) {
        return _assetsSources[asset];
    }

    function getFallbackOracle() external view returns (address) {
        return _fallbackOracle;
    }

    function _setAssetsSources(address[] memory assets, address[] memory sources) private {
        require(assets.length == sources.length, Errors.INCONSISTENT_PARAMS_LENGTH);
        for (uint256 i = 0; i < assets.length; i++) {
            _assetsSources[assets[i]] = sources[i];
            emit AssetSourceUpdated(assets[i], sources[i]);
        }
    }

    function _setFallbackOracle(address fallbackOracle) private {
        _fallbackOracle = fallbackOracle;
        emit FallbackOracleUpdated(fallbackOracle);
    }
}
