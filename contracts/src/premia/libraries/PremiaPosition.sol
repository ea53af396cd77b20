// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Mirrors the `Position.Delta` struct of Premian-Labs/v3-contracts (rev fe3b821),
// contracts/libraries/Position.sol: the net change in collateral, longs and shorts of a taker,
// all 18 decimals (collateral rounded to the pool token's precision). Range-order keys
// (Position.Key, OrderType) are not mirrored: the reference pool has no range orders.
// The library keeps the real name (ABI internalType "struct Position.Delta"); the file is
// PremiaPosition.sol so that its artifact does not collide with GMX's Position library.

import {SD59x18} from "./FixedPoint.sol";

library Position {
    struct Delta {
        SD59x18 collateral;
        SD59x18 longs;
        SD59x18 shorts;
    }
}
