// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Mirrors Premian-Labs/v3-contracts (rev fe3b821), contracts/router/IERC20Router.sol.
// As on the real deployment, takers approve the router (not each pool); only pools pull through it.

interface IERC20Router {
    error ERC20Router__NotAuthorized();

    function safeTransferFrom(address token, address from, address to, uint256 amount) external;
}
