// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Pool names in the format of Premian-Labs/v3-contracts (rev fe3b821), contracts/libraries/PoolName.sol:
// "<BASE>-<QUOTE>-<DDMMMYYYY>-<strike>-<C|P>", e.g. "WETH-USDC-29SEP2023-1500-C"; strikes >= 1 with
// up to two decimals ("1500.5"), strikes < 1 with their leading zeros and two significant digits.

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Dates} from "./Dates.sol";

library PoolName {
    using Strings for uint256;

    uint256 private constant WAD = 1e18;

    function name(address base, address quote, uint256 maturity, uint256 strike, bool isCallPool)
        internal
        view
        returns (string memory)
    {
        return string.concat(
            IERC20Metadata(base).symbol(),
            "-",
            IERC20Metadata(quote).symbol(),
            "-",
            maturityToString(maturity),
            "-",
            strikeToString(strike),
            "-",
            isCallPool ? "C" : "P"
        );
    }

    function strikeToString(uint256 strike) internal pure returns (string memory text) {
        if (strike >= WAD) {
            text = (strike / WAD).toString();
            uint256 cents = (strike * 100 / WAD) % 100;
            if (cents == 0) return text;
            if (cents % 10 == 0) return string.concat(text, ".", (cents / 10).toString());
            return string.concat(text, ".", cents < 10 ? "0" : "", cents.toString());
        }
        text = "0.";
        strike *= 10;
        while (strike < WAD) {
            text = string.concat(text, "0");
            strike *= 10;
        }
        text = string.concat(text, (strike / WAD).toString());
        uint256 nextDigit = (strike * 10 / WAD) % 10;
        if (nextDigit != 0) text = string.concat(text, nextDigit.toString());
    }

    function maturityToString(uint256 maturity) internal pure returns (string memory) {
        (uint256 year, uint256 month, uint256 day) = Dates.toDate(maturity);
        return string.concat(day < 10 ? "0" : "", day.toString(), _month(month), year.toString());
    }

    function _month(uint256 month) private pure returns (string memory) {
        return ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"][month - 1];
    }
}
