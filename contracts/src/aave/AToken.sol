// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Interest-bearing deposit receipt of the local world's Aave v3 market. Like real Aave, the
// aToken contract holds the reserve's underlying liquidity; the pool moves it with
// transferUnderlyingTo / burn.
// Mirrors, with identical selectors and events:
//   aave/aave-v3-core, contracts/interfaces/IAToken.sol
//     mint(address,address,uint256,uint256) returns (bool)
//     burn(address,address,uint256,uint256)
//     mintToTreasury(uint256,uint256)
//     transferOnLiquidation(address,address,uint256)
//     transferUnderlyingTo(address,uint256)
//     handleRepayment(address,address,uint256)
//     UNDERLYING_ASSET_ADDRESS(), RESERVE_TREASURY_ADDRESS()
//     event BalanceTransfer(address,address,uint256,uint256)
//   aave/aave-v3-core, contracts/protocol/tokenization/base/IncentivizedERC20.sol
//     transfer(address,uint256), transferFrom(address,address,uint256), approve(address,uint256),
//     allowance(address,address), increaseAllowance(address,uint256), decreaseAllowance(address,uint256),
//     event Approval(address,address,uint256)
//   plus everything in ScaledBalanceToken.sol (balanceOf, totalSupply, scaledBalanceOf, POOL, ...).
// Transfers work as in real Aave: the pool's finalizeTransfer checks the sender's health factor
// and moves the collateral flags. Not implemented: permit, nonces, DOMAIN_SEPARATOR,
// rescueTokens, incentives controller, initialize (constructor instead of a proxy initializer).

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ScaledBalanceToken} from "./ScaledBalanceToken.sol";
import {WadRayMath} from "./Math.sol";
import {IPool} from "./Interfaces.sol";

contract AToken is ScaledBalanceToken {
    using WadRayMath for uint256;
    using SafeERC20 for IERC20;

    event Approval(address indexed owner, address indexed spender, uint256 value);
    event BalanceTransfer(address indexed from, address indexed to, uint256 value, uint256 index);

    address public immutable RESERVE_TREASURY_ADDRESS;
    mapping(address => mapping(address => uint256)) public allowance;

    /// Deploy one per reserve, before Pool.initReserve; decimals are the underlying's.
    constructor(IPool pool, address underlyingAsset, address treasury, string memory name_, string memory symbol_)
        ScaledBalanceToken(pool, underlyingAsset, name_, symbol_)
    {
        RESERVE_TREASURY_ADDRESS = treasury;
    }

    function _currentIndex() internal view override returns (uint256) {
        return POOL.getReserveNormalizedIncome(UNDERLYING_ASSET_ADDRESS);
    }

    function mint(address caller, address onBehalfOf, uint256 amount, uint256 index) external onlyPool returns (bool) {
        return _mintScaled(caller, onBehalfOf, amount, index);
    }

    function burn(address from, address receiverOfUnderlying, uint256 amount, uint256 index) external onlyPool {
        _burnScaled(from, receiverOfUnderlying, amount, index);
        if (receiverOfUnderlying != address(this)) {
            IERC20(UNDERLYING_ASSET_ADDRESS).safeTransfer(receiverOfUnderlying, amount);
        }
    }

    function mintToTreasury(uint256 amount, uint256 index) external onlyPool {
        if (amount == 0) return;
        _mintScaled(address(POOL), RESERVE_TREASURY_ADDRESS, amount, index);
    }

    function transferOnLiquidation(address from, address to, uint256 value) external onlyPool {
        _transfer(from, to, value, false);
    }

    function transferUnderlyingTo(address target, uint256 amount) external onlyPool {
        IERC20(UNDERLYING_ASSET_ADDRESS).safeTransfer(target, amount);
    }

    /// Hook for reserves that stake their liquidity elsewhere; nothing to do here (as in AToken).
    function handleRepayment(address user, address onBehalfOf, uint256 amount) external onlyPool {}

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount, true);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) _approve(from, msg.sender, allowed - amount);
        _transfer(from, to, amount, true);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(msg.sender, spender, amount);
        return true;
    }

    function increaseAllowance(address spender, uint256 addedValue) external returns (bool) {
        _approve(msg.sender, spender, allowance[msg.sender][spender] + addedValue);
        return true;
    }

    function decreaseAllowance(address spender, uint256 subtractedValue) external returns (bool) {
        _approve(msg.sender, spender, allowance[msg.sender][spender] - subtractedValue);
        return true;
    }

    function _approve(address owner, address spender, uint256 amount) private {
        allowance[owner][spender] = amount;
        emit Approval(owner, spender, amount);
    }

    /// Move `amount` (underlying units) of aTokens; `validate` asks the pool to check the
    /// sender's health and update collateral flags (skipped for liquidations, as in AToken).
    function _transfer(address from, address to, uint256 amount, bool validate) private {
        address asset = UNDERLYING_ASSET_ADDRESS;
        uint256 index = POOL.getReserveNormalizedIncome(asset);
        uint256 fromBalanceBefore = _scaledBalances[from].rayMul(index);
        uint256 toBalanceBefore = _scaledBalances[to].rayMul(index);
        _emitAccrued(from, index);
        if (to != from) _emitAccrued(to, index);
        uint256 amountScaled = amount.rayDiv(index);
        _scaledBalances[from] -= amountScaled;
        _scaledBalances[to] += amountScaled;
        if (validate) POOL.finalizeTransfer(asset, from, to, amount, fromBalanceBefore, toBalanceBefore);
        emit Transfer(from, to, amount);
        emit BalanceTransfer(from, to, amountScaled, index);
    }

    function _emitAccrued(address user, uint256 index) private {
        uint256 balanceIncrease = _accrue(user, index);
        if (balanceIncrease > 0) {
            emit Transfer(address(0), user, balanceIncrease);
            emit Mint(msg.sender, user, balanceIncrease, balanceIncrease, index);
        }
    }
}
