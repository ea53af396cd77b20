// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// The 18-decimal fixed-point value types of Premia v3's interfaces.
// Premian-Labs/v3-contracts (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d) takes them from
// PaulRBerg/prb-math (src/UD60x18.sol, src/SD59x18.sol): `type UD60x18 is uint256`,
// `type SD59x18 is int256`. Their ABI types are uint256 / int256, so every selector and event
// topic that uses them is identical to the real one. Only the types are declared here: the
// reference contracts unwrap at their boundary and do their arithmetic on plain integers.

type UD60x18 is uint256;
type SD59x18 is int256;
