// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// The subset of a Premia v3 option pool that the local world implements, with identical selectors,
// argument order, return values, errors and event topics. Mirrors Premian-Labs/v3-contracts
// (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d):
//   contracts/pool/IPoolBase.sol      name; ERC1155 base + enumerable (solidstate) + multicall
//   contracts/pool/IPoolCore.sol      marketPrice, takerFee, _takerFeeLowLevel, getPoolSettings,
//                                     annihilate, exercise, exerciseFor, settle, settleFor,
//                                     tryCacheSettlementPrice, getSettlementPrice, getTokenIds
//   contracts/pool/IPoolTrade.sol     getQuoteAMM, trade
//   contracts/pool/IPoolInternal.sol  the errors these raise
//   contracts/pool/IPoolEvents.sol    Trade, Exercise, Settle, Annihilate, SettlementPriceCached
//   contracts/pool/PoolStorage.sol    token ids SHORT = 0, LONG = 1
// Not mirrored: range orders (deposit/withdraw/ticks/claim/settlePosition/transferPosition),
// orderbook quotes (fillQuoteOB & co), writeFrom, flash loans, annihilateFor, referrals.
// Named IPremiaPool (the real aggregate is contracts/pool/IPool.sol) because forge writes artifacts
// to out/<file>/<contract>.json and Aave v3's IPool lives in the same contracts/ tree.

import {UD60x18, SD59x18} from "../libraries/FixedPoint.sol";
import {Position} from "../libraries/PremiaPosition.sol";

interface IPoolEvents {
    event Trade(
        address indexed user,
        UD60x18 contractSize,
        Position.Delta delta,
        UD60x18 premium,
        UD60x18 takerFee,
        UD60x18 protocolFee,
        UD60x18 marketPrice,
        UD60x18 liquidityRate,
        UD60x18 currentTick,
        UD60x18 totalReferralRebate,
        bool isBuy
    );

    event Exercise(
        address indexed operator,
        address indexed holder,
        UD60x18 contractSize,
        UD60x18 exerciseValue,
        UD60x18 settlementPrice,
        UD60x18 fee,
        UD60x18 operatorCost
    );

    event Settle(
        address indexed operator,
        address indexed holder,
        UD60x18 contractSize,
        UD60x18 exerciseValue,
        UD60x18 settlementPrice,
        UD60x18 fee,
        UD60x18 operatorCost
    );

    event Annihilate(address indexed owner, UD60x18 contractSize, uint256 fee);

    event SettlementPriceCached(UD60x18 settlementPrice);
}

interface IPoolErrors {
    error Pool__AboveMaxSlippage(uint256 value, uint256 minimum, uint256 maximum);
    error Pool__CostExceedsPayout(UD60x18 cost, UD60x18 payout);
    error Pool__CostNotAuthorized(UD60x18 costInWrappedNative, UD60x18 authorizedCostInWrappedNative);
    error Pool__InsufficientAskLiquidity();
    error Pool__InsufficientBidLiquidity();
    error Pool__InsufficientFunds();
    error Pool__InvalidAssetUpdate(SD59x18 deltaLongs, SD59x18 deltaShorts);
    error Pool__OptionExpired();
    error Pool__OptionNotExpired();
    error Pool__SettlementFailed();
    error Pool__SettlementPriceAlreadyCached();
    error Pool__UseTransferPositionToTransferLPTokens();
    error Pool__ZeroSize();
}

interface IPremiaPool is IPoolEvents, IPoolErrors {
    // ---- IPoolBase
    function name() external view returns (string memory);

    // ---- IPoolCore
    function marketPrice() external view returns (UD60x18);

    function takerFee(address taker, UD60x18 size, uint256 premium, bool isPremiumNormalized, bool isOrderbook)
        external
        view
        returns (uint256);

    function _takerFeeLowLevel(
        address taker,
        UD60x18 size,
        UD60x18 premium,
        bool isPremiumNormalized,
        bool isOrderbook,
        UD60x18 strike,
        bool isCallPool
    ) external view returns (UD60x18);

    function getPoolSettings()
        external
        view
        returns (address base, address quote, address oracleAdapter, UD60x18 strike, uint256 maturity, bool isCallPool);

    function annihilate(UD60x18 size) external;

    function exercise() external returns (uint256 exerciseValue, uint256 exerciseFee);

    function exerciseFor(address[] calldata holders, uint256 costPerHolder)
        external
        returns (uint256[] memory exerciseValues, uint256[] memory exerciseFees);

    function settle() external returns (uint256 collateral);

    function settleFor(address[] calldata holders, uint256 costPerHolder) external returns (uint256[] memory);

    function tryCacheSettlementPrice() external;

    function getSettlementPrice() external view returns (UD60x18);

    function getTokenIds() external view returns (uint256[] memory);

    // ---- IPoolTrade
    function getQuoteAMM(address taker, UD60x18 size, bool isBuy)
        external
        view
        returns (uint256 premiumNet, uint256 takerFee);

    function trade(UD60x18 size, bool isBuy, uint256 premiumLimit, address referrer)
        external
        returns (uint256 totalPremium, Position.Delta memory delta);

    // ---- ERC1155 enumerable (solidstate IERC1155Enumerable, part of IPoolBase)
    function totalSupply(uint256 id) external view returns (uint256);

    function totalHolders(uint256 id) external view returns (uint256);

    function accountsByToken(uint256 id) external view returns (address[] memory);

    function tokensByAccount(address account) external view returns (uint256[] memory);
}
