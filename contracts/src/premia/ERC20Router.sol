// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Mirrors Premian-Labs/v3-contracts (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d),
// contracts/router/ERC20Router.sol: one router per factory that pulls approved ERC20s for pools.
// Takers and the liquidity seeder approve this router, exactly as on the real deployment.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20Router} from "./interfaces/IERC20Router.sol";
import {IPoolFactory} from "./interfaces/IPoolFactory.sol";

contract ERC20Router is IERC20Router, ReentrancyGuard {
    using SafeERC20 for IERC20;

    address public immutable POOL_FACTORY;

    constructor(address poolFactory) {
        POOL_FACTORY = poolFactory;
    }

    /// Move `amount` of `token` from `from` to `to`; callable only by a pool of POOL_FACTORY.
    function safeTransferFrom(address token, address from, address to, uint256 amount) external nonReentrant {
        if (!IPoolFactory(POOL_FACTORY).isPool(msg.sender)) revert ERC20Router__NotAuthorized();
        IERC20(token).safeTransferFrom(from, to, amount);
    }
}
