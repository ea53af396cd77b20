// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Variable-rate debt of the local world's Aave v3 market: balanceOf = scaled debt x the
// reserve's variable borrow index. Non-transferable, as in real Aave.
// Mirrors, with identical selectors and events:
//   aave/aave-v3-core, contracts/interfaces/IVariableDebtToken.sol
//     mint(address,address,uint256,uint256) returns (bool,uint256)
//     burn(address,uint256,uint256) returns (uint256)
//     UNDERLYING_ASSET_ADDRESS()
//   aave/aave-v3-core, contracts/interfaces/ICreditDelegationToken.sol
//     approveDelegation(address,uint256), borrowAllowance(address,address),
//     event BorrowAllowanceDelegated(address,address,address,uint256)
//   aave/aave-v3-core, contracts/protocol/tokenization/base/DebtTokenBase.sol and
//   VariableDebtToken.sol: transfer, transferFrom, approve, allowance, increaseAllowance,
//     decreaseAllowance all revert with OPERATION_NOT_SUPPORTED ('80'), exactly as there.
//   plus everything in ScaledBalanceToken.sol (balanceOf, totalSupply, scaledBalanceOf, POOL, ...).
// Not implemented: delegationWithSig, nonces, incentives controller, initialize.

import {ScaledBalanceToken} from "./ScaledBalanceToken.sol";
import {Errors} from "./Errors.sol";
import {IPool} from "./Interfaces.sol";

contract VariableDebtToken is ScaledBalanceToken {
    event BorrowAllowanceDelegated(
        address indexed fromUser, address indexed toUser, address indexed asset, uint256 amount
    );

    mapping(address => mapping(address => uint256)) private _borrowAllowances;

    /// Deploy one per reserve, before Pool.initReserve; decimals are the underlying's.
    constructor(IPool pool, address underlyingAsset, string memory name_, string memory symbol_)
        ScaledBalanceToken(pool, underlyingAsset, name_, symbol_)
    {}

    function _currentIndex() internal view override returns (uint256) {
        return POOL.getReserveNormalizedVariableDebt(UNDERLYING_ASSET_ADDRESS);
    }

    /// Debt for `onBehalfOf`; when `user` borrows for someone else it spends their delegation.
    function mint(address user, address onBehalfOf, uint256 amount, uint256 index)
        external
        onlyPool
        returns (bool, uint256)
    {
        if (user != onBehalfOf) {
            // Plain checked subtraction: an insufficient delegation reverts, as in DebtTokenBase.
            uint256 remaining = _borrowAllowances[onBehalfOf][user] - amount;
            _borrowAllowances[onBehalfOf][user] = remaining;
            emit BorrowAllowanceDelegated(onBehalfOf, user, UNDERLYING_ASSET_ADDRESS, remaining);
        }
        bool firstBorrow = _mintScaled(user, onBehalfOf, amount, index);
        return (firstBorrow, _scaledTotalSupply);
    }

    function burn(address from, uint256 amount, uint256 index) external onlyPool returns (uint256) {
        _burnScaled(from, address(0), amount, index);
        return _scaledTotalSupply;
    }

    function approveDelegation(address delegatee, uint256 amount) external {
        _borrowAllowances[msg.sender][delegatee] = amount;
        emit BorrowAllowanceDelegated(msg.sender, delegatee, UNDERLYING_ASSET_ADDRESS, amount);
    }

    function borrowAllowance(address fromUser, address toUser) external view returns (uint256) {
        return _borrowAllowances[fromUser][toUser];
    }

    function transfer(address, uint256) external pure returns (bool) {
        revert(Errors.OPERATION_NOT_SUPPORTED);
    }

    function transferFrom(address, address, uint256) external pure returns (bool) {
        revert(Errors.OPERATION_NOT_SUPPORTED);
    }

    function approve(address, uint256) external pure returns (bool) {
        revert(Errors.OPERATION_NOT_SUPPORTED);
    }

    function allowance(address, address) external pure returns (uint256) {
        revert(Errors.OPERATION_NOT_SUPPORTED);
    }

    function increaseAllowance(address, uint256) external pure returns (bool) {
        revert(Errors.OPERATION_NOT_SUPPORTED);
    }

    function decreaseAllowance(address, uint256) external pure returns (bool) {
        revert(Errors.OPERATION_NOT_SUPPORTED);
    }
}
