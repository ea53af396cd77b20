// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Reserve and user configuration bitmaps with the real Aave v3 bit positions:
//   aave/aave-v3-core, contracts/protocol/libraries/configuration/ReserveConfiguration.sol
//     bits 0-15 LTV, 16-31 liquidation threshold, 32-47 liquidation bonus, 48-55 decimals,
//     56 active, 57 frozen, 58 borrowing enabled, 59 stable borrowing enabled, 60 paused,
//     64-79 reserve factor (all percentages in basis points)
//   aave/aave-v3-core, contracts/protocol/libraries/configuration/UserConfiguration.sol
//     bit 2*id borrowing, bit 2*id+1 using as collateral
// A reader that decodes the real bitmap decodes this one unchanged.

import {DataTypes} from "./DataTypes.sol";

library ReserveConfiguration {
    uint256 internal constant LTV_START = 0;
    uint256 internal constant LIQUIDATION_THRESHOLD_START = 16;
    uint256 internal constant LIQUIDATION_BONUS_START = 32;
    uint256 internal constant DECIMALS_START = 48;
    uint256 internal constant ACTIVE_BIT = 56;
    uint256 internal constant FROZEN_BIT = 57;
    uint256 internal constant BORROWING_ENABLED_BIT = 58;
    uint256 internal constant STABLE_BORROWING_ENABLED_BIT = 59;
    uint256 internal constant PAUSED_BIT = 60;
    uint256 internal constant RESERVE_FACTOR_START = 64;

    // forge-lint: disable-start(incorrect-shift) -- `1 << width` builds a mask: the order is intended.
    function _field(uint256 data, uint256 start, uint256 width) private pure returns (uint256) {
        return (data >> start) & ((1 << width) - 1);
    }

    function _setField(uint256 data, uint256 start, uint256 width, uint256 value) private pure returns (uint256) {
        uint256 mask = ((1 << width) - 1) << start;
        require(value < (1 << width), "20");
        return (data & ~mask) | (value << start);
    }

    // forge-lint: disable-end(incorrect-shift)

    function getLtv(DataTypes.ReserveConfigurationMap memory self) internal pure returns (uint256) {
        return _field(self.data, LTV_START, 16);
    }

    function getLiquidationThreshold(DataTypes.ReserveConfigurationMap memory self) internal pure returns (uint256) {
        return _field(self.data, LIQUIDATION_THRESHOLD_START, 16);
    }

    function getLiquidationBonus(DataTypes.ReserveConfigurationMap memory self) internal pure returns (uint256) {
        return _field(self.data, LIQUIDATION_BONUS_START, 16);
    }

    function getDecimals(DataTypes.ReserveConfigurationMap memory self) internal pure returns (uint256) {
        return _field(self.data, DECIMALS_START, 8);
    }

    function getActive(DataTypes.ReserveConfigurationMap memory self) internal pure returns (bool) {
        return _field(self.data, ACTIVE_BIT, 1) == 1;
    }

    function getFrozen(DataTypes.ReserveConfigurationMap memory self) internal pure returns (bool) {
        return _field(self.data, FROZEN_BIT, 1) == 1;
    }

    function getBorrowingEnabled(DataTypes.ReserveConfigurationMap memory self) internal pure returns (bool) {
        return _field(self.data, BORROWING_ENABLED_BIT, 1) == 1;
    }

    function getStableRateBorrowingEnabled(DataTypes.ReserveConfigurationMap memory self) internal pure returns (bool) {
        return _field(self.data, STABLE_BORROWING_ENABLED_BIT, 1) == 1;
    }

    function getPaused(DataTypes.ReserveConfigurationMap memory self) internal pure returns (bool) {
        return _field(self.data, PAUSED_BIT, 1) == 1;
    }

    function getReserveFactor(DataTypes.ReserveConfigurationMap memory self) internal pure returns (uint256) {
        return _field(self.data, RESERVE_FACTOR_START, 16);
    }

    function setLtv(DataTypes.ReserveConfigurationMap memory self, uint256 ltv) internal pure {
        self.data = _setField(self.data, LTV_START, 16, ltv);
    }

    function setLiquidationThreshold(DataTypes.ReserveConfigurationMap memory self, uint256 threshold) internal pure {
        self.data = _setField(self.data, LIQUIDATION_THRESHOLD_START, 16, threshold);
    }

    function setLiquidationBonus(DataTypes.ReserveConfigurationMap memory self, uint256 bonus) internal pure {
        self.data = _setField(self.data, LIQUIDATION_BONUS_START, 16, bonus);
    }

    function setDecimals(DataTypes.ReserveConfigurationMap memory self, uint256 decimals) internal pure {
        self.data = _setField(self.data, DECIMALS_START, 8, decimals);
    }

    function setActive(DataTypes.ReserveConfigurationMap memory self, bool active) internal pure {
        self.data = _setField(self.data, ACTIVE_BIT, 1, active ? 1 : 0);
    }

    function setBorrowingEnabled(DataTypes.ReserveConfigurationMap memory self, bool enabled) internal pure {
        self.data = _setField(self.data, BORROWING_ENABLED_BIT, 1, enabled ? 1 : 0);
    }

    function setReserveFactor(DataTypes.ReserveConfigurationMap memory self, uint256 reserveFactor) internal pure {
        self.data = _setField(self.data, RESERVE_FACTOR_START, 16, reserveFactor);
    }
}

library UserConfiguration {
    /// Every "borrowing" bit of the pairs: 0b0101...01.
    uint256 internal constant BORROWING_MASK = 0x5555555555555555555555555555555555555555555555555555555555555555;

    function isBorrowing(DataTypes.UserConfigurationMap memory self, uint256 id) internal pure returns (bool) {
        return (self.data >> (id << 1)) & 1 != 0;
    }

    function isUsingAsCollateral(DataTypes.UserConfigurationMap memory self, uint256 id) internal pure returns (bool) {
        return (self.data >> ((id << 1) + 1)) & 1 != 0;
    }

    function isUsingAsCollateralOrBorrowing(DataTypes.UserConfigurationMap memory self, uint256 id)
        internal
        pure
        returns (bool)
    {
        return (self.data >> (id << 1)) & 3 != 0;
    }

    function isBorrowingAny(DataTypes.UserConfigurationMap memory self) internal pure returns (bool) {
        return self.data & BORROWING_MASK != 0;
    }

    function setBorrowing(DataTypes.UserConfigurationMap storage self, uint256 id, bool borrowing) internal {
        // forge-lint: disable-next-line(incorrect-shift)
        uint256 bit = 1 << (id << 1);
        self.data = borrowing ? self.data | bit : self.data & ~bit;
    }

    function setUsingAsCollateral(DataTypes.UserConfigurationMap storage self, uint256 id, bool usingAsCollateral)
        internal
    {
        // forge-lint: disable-next-line(incorrect-shift)
        uint256 bit = 1 << ((id << 1) + 1);
        self.data = usingAsCollateral ? self.data | bit : self.data & ~bit;
    }
}
