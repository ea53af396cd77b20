// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Calendar helpers for Premia v3's maturity rules and pool names. The rules are those of
// Premian-Labs/v3-contracts (rev fe3b821), contracts/libraries/OptionMath.sol (is8AMUTC, isFriday,
// isLastFriday) as used by contracts/factory/PoolFactory.sol; the real code uses
// BokkyPooBahsDateTimeLibrary, here the conversion is Howard Hinnant's days-to-civil algorithm
// (proleptic Gregorian calendar, UTC).

library Dates {
    uint256 internal constant DAY = 1 days;

    /// Maturities are at 08:00 UTC.
    function is8AMUTC(uint256 timestamp) internal pure returns (bool) {
        return timestamp % DAY == 8 hours;
    }

    /// 1970-01-01 was a Thursday.
    function isFriday(uint256 timestamp) internal pure returns (bool) {
        return (timestamp / DAY + 3) % 7 == 4;
    }

    function isLastFriday(uint256 timestamp) internal pure returns (bool) {
        (uint256 year, uint256 month, uint256 day) = toDate(timestamp);
        return isFriday(timestamp) && daysInMonth(year, month) - day < 7;
    }

    /// (year, month 1-12, day 1-31) of a Unix timestamp.
    function toDate(uint256 timestamp) internal pure returns (uint256 year, uint256 month, uint256 day) {
        uint256 z = timestamp / DAY + 719_468;
        uint256 era = z / 146_097;
        uint256 dayOfEra = z - era * 146_097;
        uint256 yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        uint256 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        uint256 monthIndex = (5 * dayOfYear + 2) / 153; // March = 0
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    }

    function daysInMonth(uint256 year, uint256 month) internal pure returns (uint256) {
        if (month == 2) return _isLeapYear(year) ? 29 : 28;
        if (month == 4 || month == 6 || month == 9 || month == 11) return 30;
        return 31;
    }

    function _isLeapYear(uint256 year) private pure returns (bool) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }
}
