// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Error codes of the local world's Aave v3 market.
// Convention: Aave v3.0-v3.3 string codes, revert(string) with the numeric code as the reason,
// exactly as aave/aave-v3-core, contracts/protocol/libraries/helpers/Errors.sol defines them
// (v3.4 later switched to custom errors; this market follows the v3.0/v3.1 convention).
// Only the codes this market can raise are listed; the numbers are the real ones.

library Errors {
    string internal constant CALLER_NOT_POOL_ADMIN = "1";
    string internal constant CALLER_NOT_ATOKEN = "11";
    string internal constant NO_MORE_RESERVES_ALLOWED = "15";
    string internal constant INVALID_RESERVE_PARAMS = "20";
    string internal constant CALLER_MUST_BE_POOL = "23";
    string internal constant INVALID_MINT_AMOUNT = "24";
    string internal constant INVALID_BURN_AMOUNT = "25";
    string internal constant INVALID_AMOUNT = "26";
    string internal constant RESERVE_INACTIVE = "27";
    string internal constant RESERVE_FROZEN = "28";
    string internal constant RESERVE_PAUSED = "29";
    string internal constant BORROWING_NOT_ENABLED = "30";
    string internal constant STABLE_BORROWING_NOT_ENABLED = "31";
    string internal constant NOT_ENOUGH_AVAILABLE_USER_BALANCE = "32";
    string internal constant INVALID_INTEREST_RATE_MODE_SELECTED = "33";
    string internal constant COLLATERAL_BALANCE_IS_ZERO = "34";
    string internal constant HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD = "35";
    string internal constant COLLATERAL_CANNOT_COVER_NEW_BORROW = "36";
    string internal constant NO_DEBT_OF_SELECTED_TYPE = "39";
    string internal constant NO_EXPLICIT_AMOUNT_TO_REPAY_ON_BEHALF = "40";
    string internal constant UNDERLYING_BALANCE_ZERO = "43";
    string internal constant HEALTH_FACTOR_NOT_BELOW_THRESHOLD = "45";
    string internal constant COLLATERAL_CANNOT_BE_LIQUIDATED = "46";
    string internal constant SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER = "47";
    string internal constant LTV_VALIDATION_FAILED = "57";
    string internal constant RESERVE_ALREADY_INITIALIZED = "61";
    string internal constant USER_IN_ISOLATION_MODE_OR_LTV_ZERO = "62";
    string internal constant INVALID_RESERVE_FACTOR = "67";
    string internal constant INCONSISTENT_PARAMS_LENGTH = "76";
    string internal constant ZERO_ADDRESS_NOT_VALID = "77";
    string internal constant OPERATION_NOT_SUPPORTED = "80";
    string internal constant ASSET_NOT_LISTED = "82";
    string internal constant INVALID_OPTIMAL_USAGE_RATIO = "83";
}
