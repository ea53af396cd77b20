// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {Math as OzMath} from "@openzeppelin/contracts/utils/math/Math.sol";

// DataStore keys and role keys of the local GMX v2 world: the subset the world uses, derived
// exactly as gmx-io/gmx-synthetics v2.2 derives them, so a client that computes
// keccak256(abi.encode(BASE, args...)) for the real DataStore reads the same values here.
//   contracts/data/Keys.sol   (base keys and key functions)
//   contracts/role/Role.sol   (role keys)
// Written for Ballast; no code copied.

library Keys {
    bytes32 internal constant WNT = keccak256(abi.encode("WNT"));
    bytes32 internal constant NONCE = keccak256(abi.encode("NONCE"));

    bytes32 internal constant MARKET_LIST = keccak256(abi.encode("MARKET_LIST"));
    bytes32 internal constant MARKET_SALT = keccak256(abi.encode("MARKET_SALT"));
    bytes32 internal constant POSITION_LIST = keccak256(abi.encode("POSITION_LIST"));
    bytes32 internal constant ACCOUNT_POSITION_LIST = keccak256(abi.encode("ACCOUNT_POSITION_LIST"));
    bytes32 internal constant ORDER_LIST = keccak256(abi.encode("ORDER_LIST"));
    bytes32 internal constant ACCOUNT_ORDER_LIST = keccak256(abi.encode("ACCOUNT_ORDER_LIST"));

    bytes32 internal constant IS_MARKET_DISABLED = keccak256(abi.encode("IS_MARKET_DISABLED"));
    bytes32 internal constant REQUEST_EXPIRATION_TIME = keccak256(abi.encode("REQUEST_EXPIRATION_TIME"));

    bytes32 internal constant ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1 =
        keccak256(abi.encode("ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1"));
    bytes32 internal constant ESTIMATED_GAS_FEE_PER_ORACLE_PRICE =
        keccak256(abi.encode("ESTIMATED_GAS_FEE_PER_ORACLE_PRICE"));
    bytes32 internal constant ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR =
        keccak256(abi.encode("ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR"));
    bytes32 internal constant EXECUTION_GAS_FEE_BASE_AMOUNT_V2_1 =
        keccak256(abi.encode("EXECUTION_GAS_FEE_BASE_AMOUNT_V2_1"));
    bytes32 internal constant EXECUTION_GAS_FEE_PER_ORACLE_PRICE =
        keccak256(abi.encode("EXECUTION_GAS_FEE_PER_ORACLE_PRICE"));
    bytes32 internal constant EXECUTION_GAS_FEE_MULTIPLIER_FACTOR =
        keccak256(abi.encode("EXECUTION_GAS_FEE_MULTIPLIER_FACTOR"));
    bytes32 internal constant INCREASE_ORDER_GAS_LIMIT = keccak256(abi.encode("INCREASE_ORDER_GAS_LIMIT"));
    bytes32 internal constant DECREASE_ORDER_GAS_LIMIT = keccak256(abi.encode("DECREASE_ORDER_GAS_LIMIT"));

    bytes32 internal constant MIN_COLLATERAL_FACTOR = keccak256(abi.encode("MIN_COLLATERAL_FACTOR"));
    bytes32 internal constant MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION =
        keccak256(abi.encode("MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION"));
    bytes32 internal constant MIN_COLLATERAL_USD = keccak256(abi.encode("MIN_COLLATERAL_USD"));
    bytes32 internal constant MIN_POSITION_SIZE_USD = keccak256(abi.encode("MIN_POSITION_SIZE_USD"));
    bytes32 internal constant POSITION_FEE_FACTOR = keccak256(abi.encode("POSITION_FEE_FACTOR"));
    bytes32 internal constant OPEN_INTEREST = keccak256(abi.encode("OPEN_INTEREST"));
    bytes32 internal constant OPEN_INTEREST_IN_TOKENS = keccak256(abi.encode("OPEN_INTEREST_IN_TOKENS"));
    bytes32 internal constant POOL_AMOUNT = keccak256(abi.encode("POOL_AMOUNT"));
    bytes32 internal constant RESERVE_FACTOR = keccak256(abi.encode("RESERVE_FACTOR"));
    bytes32 internal constant PRICE_FEED = keccak256(abi.encode("PRICE_FEED"));
    bytes32 internal constant PRICE_FEED_MULTIPLIER = keccak256(abi.encode("PRICE_FEED_MULTIPLIER"));
    bytes32 internal constant PRICE_FEED_HEARTBEAT_DURATION = keccak256(abi.encode("PRICE_FEED_HEARTBEAT_DURATION"));
    bytes32 internal constant FUNDING_FACTOR = keccak256(abi.encode("FUNDING_FACTOR"));
    bytes32 internal constant MAX_FUNDING_FACTOR_PER_SECOND = keccak256(abi.encode("MAX_FUNDING_FACTOR_PER_SECOND"));
    bytes32 internal constant FUNDING_FEE_AMOUNT_PER_SIZE = keccak256(abi.encode("FUNDING_FEE_AMOUNT_PER_SIZE"));
    bytes32 internal constant CLAIMABLE_FUNDING_AMOUNT_PER_SIZE =
        keccak256(abi.encode("CLAIMABLE_FUNDING_AMOUNT_PER_SIZE"));
    bytes32 internal constant FUNDING_UPDATED_AT = keccak256(abi.encode("FUNDING_UPDATED_AT"));
    bytes32 internal constant CLAIMABLE_FUNDING_AMOUNT = keccak256(abi.encode("CLAIMABLE_FUNDING_AMOUNT"));
    bytes32 internal constant BORROWING_FACTOR = keccak256(abi.encode("BORROWING_FACTOR"));
    bytes32 internal constant CUMULATIVE_BORROWING_FACTOR = keccak256(abi.encode("CUMULATIVE_BORROWING_FACTOR"));
    bytes32 internal constant CUMULATIVE_BORROWING_FACTOR_UPDATED_AT =
        keccak256(abi.encode("CUMULATIVE_BORROWING_FACTOR_UPDATED_AT"));

    function accountPositionListKey(address account) internal pure returns (bytes32) {
        return keccak256(abi.encode(ACCOUNT_POSITION_LIST, account));
    }

    function accountOrderListKey(address account) internal pure returns (bytes32) {
        return keccak256(abi.encode(ACCOUNT_ORDER_LIST, account));
    }

    function marketSaltHash(bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(MARKET_SALT, salt));
    }

    function isMarketDisabledKey(address market) internal pure returns (bytes32) {
        return keccak256(abi.encode(IS_MARKET_DISABLED, market));
    }

    function minCollateralFactorKey(address market) internal pure returns (bytes32) {
        return keccak256(abi.encode(MIN_COLLATERAL_FACTOR, market));
    }

    function minCollateralFactorForLiquidationKey(address market) internal pure returns (bytes32) {
        return keccak256(abi.encode(MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION, market));
    }

    function positionFeeFactorKey(address market, bool balanceWasImproved) internal pure returns (bytes32) {
        return keccak256(abi.encode(POSITION_FEE_FACTOR, market, balanceWasImproved));
    }

    function openInterestKey(address market, address collateralToken, bool isLong) internal pure returns (bytes32) {
        return keccak256(abi.encode(OPEN_INTEREST, market, collateralToken, isLong));
    }

    function openInterestInTokensKey(address market, address collateralToken, bool isLong)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(OPEN_INTEREST_IN_TOKENS, market, collateralToken, isLong));
    }

    function poolAmountKey(address market, address token) internal pure returns (bytes32) {
        return keccak256(abi.encode(POOL_AMOUNT, market, token));
    }

    function reserveFactorKey(address market, bool isLong) internal pure returns (bytes32) {
        return keccak256(abi.encode(RESERVE_FACTOR, market, isLong));
    }

    function priceFeedKey(address token) internal pure returns (bytes32) {
        return keccak256(abi.encode(PRICE_FEED, token));
    }

    function priceFeedMultiplierKey(address token) internal pure returns (bytes32) {
        return keccak256(abi.encode(PRICE_FEED_MULTIPLIER, token));
    }

    function priceFeedHeartbeatDurationKey(address token) internal pure returns (bytes32) {
        return keccak256(abi.encode(PRICE_FEED_HEARTBEAT_DURATION, token));
    }

    function fundingFactorKey(address market) internal pure returns (bytes32) {
        return keccak256(abi.encode(FUNDING_FACTOR, market));
    }

    function maxFundingFactorPerSecondKey(address market) internal pure returns (bytes32) {
        return keccak256(abi.encode(MAX_FUNDING_FACTOR_PER_SECOND, market));
    }

    function fundingFeeAmountPerSizeKey(address market, address collateralToken, bool isLong)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(FUNDING_FEE_AMOUNT_PER_SIZE, market, collateralToken, isLong));
    }

    function claimableFundingAmountPerSizeKey(address market, address collateralToken, bool isLong)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(CLAIMABLE_FUNDING_AMOUNT_PER_SIZE, market, collateralToken, isLong));
    }

    function fundingUpdatedAtKey(address market) internal pure returns (bytes32) {
        return keccak256(abi.encode(FUNDING_UPDATED_AT, market));
    }

    function claimableFundingAmountKey(address market, address token) internal pure returns (bytes32) {
        return keccak256(abi.encode(CLAIMABLE_FUNDING_AMOUNT, market, token));
    }

    function claimableFundingAmountKey(address market, address token, address account)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(CLAIMABLE_FUNDING_AMOUNT, market, token, account));
    }

    function borrowingFactorKey(address market, bool isLong) internal pure returns (bytes32) {
        return keccak256(abi.encode(BORROWING_FACTOR, market, isLong));
    }

    function cumulativeBorrowingFactorKey(address market, bool isLong) internal pure returns (bytes32) {
        return keccak256(abi.encode(CUMULATIVE_BORROWING_FACTOR, market, isLong));
    }

    function cumulativeBorrowingFactorUpdatedAtKey(address market, bool isLong) internal pure returns (bytes32) {
        return keccak256(abi.encode(CUMULATIVE_BORROWING_FACTOR_UPDATED_AT, market, isLong));
    }

    /// Config.setUint(baseKey, data, value) stores under this key, as the real Config does.
    function getFullKey(bytes32 baseKey, bytes memory data) internal pure returns (bytes32) {
        if (data.length == 0) return baseKey;
        return keccak256(bytes.concat(baseKey, data));
    }
}

library Role {
    bytes32 internal constant ROLE_ADMIN = keccak256(abi.encode("ROLE_ADMIN"));
    bytes32 internal constant CONFIG_KEEPER = keccak256(abi.encode("CONFIG_KEEPER"));
    bytes32 internal constant CONTROLLER = keccak256(abi.encode("CONTROLLER"));
    bytes32 internal constant ROUTER_PLUGIN = keccak256(abi.encode("ROUTER_PLUGIN"));
    bytes32 internal constant MARKET_KEEPER = keccak256(abi.encode("MARKET_KEEPER"));
    bytes32 internal constant ORDER_KEEPER = keccak256(abi.encode("ORDER_KEEPER"));
    bytes32 internal constant LIQUIDATION_KEEPER = keccak256(abi.encode("LIQUIDATION_KEEPER"));
}

/// Fixed-point helpers with GMX's precision (contracts/utils/Precision.sol): factors have 30 decimals.
library Precision {
    uint256 internal constant FLOAT_PRECISION = 1e30;
    uint256 internal constant FLOAT_PRECISION_SQRT = 1e15;

    function applyFactor(uint256 value, uint256 factor) internal pure returns (uint256) {
        return mulDiv(value, factor, FLOAT_PRECISION);
    }

    function toFactor(uint256 value, uint256 divisor) internal pure returns (uint256) {
        return mulDiv(value, FLOAT_PRECISION, divisor);
    }

    function mulDiv(uint256 a, uint256 b, uint256 denominator) internal pure returns (uint256) {
        return _mulDiv(a, b, denominator);
    }

    function mulDivUp(uint256 a, uint256 b, uint256 denominator) internal pure returns (uint256) {
        uint256 result = _mulDiv(a, b, denominator);
        if (mulmod(a, b, denominator) != 0) result += 1;
        return result;
    }

    function roundUpDivision(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a + b - 1) / b;
    }

    /// Signed value times an unsigned ratio, rounding toward zero.
    function mulDiv(int256 value, uint256 numerator, uint256 denominator) internal pure returns (int256) {
        int256 magnitude = SafeCast.toInt256(_mulDiv(SignedMath.abs(value), numerator, denominator));
        return value < 0 ? -magnitude : magnitude;
    }

    function _mulDiv(uint256 a, uint256 b, uint256 denominator) private pure returns (uint256) {
        // 512-bit safe multiply-divide (OpenZeppelin Math.mulDiv).
        return OzMath.mulDiv(a, b, denominator);
    }
}
