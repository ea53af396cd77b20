// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Token side of a local-world Premia v3 pool. Mirrors Premian-Labs/v3-contracts
// (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d):
//   contracts/pool/PoolBase.sol / IPoolBase.sol: name(); ERC1155 base + ERC1155Enumerable
//     (totalSupply(id), totalHolders(id), accountsByToken(id), tokensByAccount(account)) + multicall,
//     and the rule that only ids SHORT and LONG move by ERC1155 transfer
//   contracts/pool/PoolStorage.sol: the pool settings, token ids SHORT = 0 and LONG = 1, and the
//     decimal conversions to and from the pool token (base for calls, quote for puts)
// ERC1155 comes from OpenZeppelin rather than solidstate: the same external selectors, plus
// OpenZeppelin's uri(uint256) (returns "").

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {UD60x18} from "./libraries/FixedPoint.sol";
import {OptionMath} from "./libraries/OptionMath.sol";
import {PoolName} from "./libraries/PoolName.sol";
import {IPremiaPool} from "./interfaces/IPremiaPool.sol";
import {IPoolFactory} from "./interfaces/IPoolFactory.sol";

/// What a pool reads from its factory (non-real getters of the local world's PoolFactory).
interface IPoolFactoryConfig {
    function ROUTER() external view returns (address);
    function VOLATILITY_ORACLE() external view returns (address);
    function FEE_RECEIVER() external view returns (address);
    function ammSpread() external view returns (UD60x18);
    function owner() external view returns (address);
}

abstract contract PoolBase is IPremiaPool, ERC1155, Multicall {
    using EnumerableSet for EnumerableSet.AddressSet;

    // Token id for SHORT
    uint256 internal constant SHORT = 0;
    // Token id for LONG
    uint256 internal constant LONG = 1;
    uint256 internal constant WAD = 1e18;

    /// Non-real: thrown when initialize is called twice or on the implementation.
    error Pool__AlreadyInitialized();

    // ---- PoolStorage.Layout (the subset used)
    address internal _factory;
    address internal _base;
    address internal _quote;
    address internal _oracleAdapter;
    uint8 internal _baseDecimals;
    uint8 internal _quoteDecimals;
    bool internal _isCallPool;
    uint256 internal _maturity;
    uint256 internal _strike;
    uint256 internal _settlementPrice;

    // ---- ERC1155Enumerable
    mapping(uint256 id => uint256) private _totalSupply;
    mapping(uint256 id => EnumerableSet.AddressSet) private _holders;

    constructor() ERC1155("") {
        _factory = address(this); // the implementation behind the clones can never be initialized
    }

    /// Non-real: the factory initializes each clone once with its key (real pools are diamond proxies
    /// whose storage the factory's deployer writes at construction).
    function initialize(IPoolFactory.PoolKey calldata k) external {
        if (_factory != address(0)) revert Pool__AlreadyInitialized();
        _factory = msg.sender;
        _base = k.base;
        _quote = k.quote;
        _oracleAdapter = k.oracleAdapter;
        _baseDecimals = IERC20Metadata(k.base).decimals();
        _quoteDecimals = IERC20Metadata(k.quote).decimals();
        _strike = UD60x18.unwrap(k.strike);
        _maturity = k.maturity;
        _isCallPool = k.isCallPool;
    }

    function name() external view returns (string memory) {
        return PoolName.name(_base, _quote, _maturity, _strike, _isCallPool);
    }

    function getPoolSettings()
        external
        view
        returns (address base, address quote, address oracleAdapter, UD60x18 strike, uint256 maturity, bool isCallPool)
    {
        return (_base, _quote, _oracleAdapter, UD60x18.wrap(_strike), _maturity, _isCallPool);
    }

    // ------------------------------------------------------------------ ERC1155Enumerable

    function totalSupply(uint256 id) public view returns (uint256) {
        return _totalSupply[id];
    }

    function totalHolders(uint256 id) public view returns (uint256) {
        return _holders[id].length();
    }

    function accountsByToken(uint256 id) external view returns (address[] memory) {
        return _holders[id].values();
    }

    function tokensByAccount(address account) external view returns (uint256[] memory ids) {
        uint256 count = (balanceOf(account, SHORT) > 0 ? 1 : 0) + (balanceOf(account, LONG) > 0 ? 1 : 0);
        ids = new uint256[](count);
        if (balanceOf(account, LONG) > 0) ids[--count] = LONG;
        if (balanceOf(account, SHORT) > 0) ids[--count] = SHORT;
    }

    /// Ids with a non-zero supply (PoolStorage.tokenIds of the real pool, without LP ids).
    function getTokenIds() external view returns (uint256[] memory ids) {
        uint256 count = (_totalSupply[SHORT] > 0 ? 1 : 0) + (_totalSupply[LONG] > 0 ? 1 : 0);
        ids = new uint256[](count);
        if (_totalSupply[LONG] > 0) ids[--count] = LONG;
        if (_totalSupply[SHORT] > 0) ids[--count] = SHORT;
    }

    /// Keep supplies and holder sets; reject any id other than SHORT and LONG.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values)
        internal
        virtual
        override
    {
        super._update(from, to, ids, values);
        for (uint256 i = 0; i < ids.length; i++) {
            uint256 id = ids[i];
            if (id > LONG) revert Pool__UseTransferPositionToTransferLPTokens();
            if (from == address(0)) _totalSupply[id] += values[i];
            else if (balanceOf(from, id) == 0) _holders[id].remove(from);
            if (to == address(0)) _totalSupply[id] -= values[i];
            else if (values[i] > 0) _holders[id].add(to);
        }
    }

    /// Mint or burn the pool's own inventory without the ERC1155 receiver callback.
    function _mintToPool(uint256 id, uint256 amount) internal {
        if (amount > 0) _update(address(0), address(this), _asArray(id), _asArray(amount));
    }

    function _burnFromPool(uint256 id, uint256 amount) internal {
        if (amount > 0) _update(address(this), address(0), _asArray(id), _asArray(amount));
    }

    function _asArray(uint256 value) private pure returns (uint256[] memory array) {
        array = new uint256[](1);
        array[0] = value;
    }

    // ------------------------------------------------------------------ PoolStorage helpers

    function _config() internal view returns (IPoolFactoryConfig) {
        return IPoolFactoryConfig(_factory);
    }

    /// Collateral token: base for calls, quote for puts.
    function _poolToken() internal view returns (address) {
        return _isCallPool ? _base : _quote;
    }

    function _poolTokenDecimals() internal view returns (uint8) {
        return _isCallPool ? _baseDecimals : _quoteDecimals;
    }

    /// 18 decimals -> pool token decimals, truncating.
    function _toPoolTokenDecimals(uint256 value) internal view returns (uint256) {
        return OptionMath.scaleDecimals(value, 18, _poolTokenDecimals());
    }

    function _fromPoolTokenDecimals(uint256 value) internal view returns (uint256) {
        return OptionMath.scaleDecimals(value, _poolTokenDecimals(), 18);
    }

    /// Round an 18-decimal value down / up to the pool token's precision (stays 18 decimals).
    function _roundDown(uint256 value) internal view returns (uint256) {
        return _fromPoolTokenDecimals(_toPoolTokenDecimals(value));
    }

    function _roundUp(uint256 value) internal view returns (uint256) {
        uint256 down = _roundDown(value);
        return down == value ? value : _fromPoolTokenDecimals(_toPoolTokenDecimals(value) + 1);
    }

    /// Signed round toward minus infinity to the pool token's precision (PoolStorage.roundDownSD59x18).
    function _roundDownSigned(int256 value) internal view returns (int256) {
        if (value >= 0) return int256(_roundDown(uint256(value)));
        return -int256(_roundUp(uint256(-value)));
    }

    /// Contracts -> collateral, 18 decimals: 1 base per call, `strike` quote per put.
    function _contractsToCollateral(uint256 contracts) internal view returns (uint256) {
        return _isCallPool ? contracts : contracts * _strike / WAD;
    }
}
