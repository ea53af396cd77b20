// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Shared base of the aToken and the variable debt token: balances stored "scaled" (divided by
// the reserve's index at the time of each mint/burn) so that balanceOf = scaled x current index
// grows with interest without any write.
// Mirrors, with identical selectors and events:
//   aave/aave-v3-core, contracts/interfaces/IScaledBalanceToken.sol
//     scaledBalanceOf(address), getScaledUserBalanceAndSupply(address), scaledTotalSupply(),
//     getPreviousIndex(address); events Mint(address,address,uint256,uint256,uint256),
//     Burn(address,address,uint256,uint256,uint256)
//   aave/aave-v3-core, contracts/protocol/tokenization/base/IncentivizedERC20.sol
//     name(), symbol(), decimals(), totalSupply(), balanceOf(address), POOL();
//     event Transfer(address,address,uint256)
//   UNDERLYING_ASSET_ADDRESS() of IAToken / IVariableDebtToken.
// Mint and Burn events carry the interest accrued since the user's last action
// (balanceIncrease), as in ScaledBalanceTokenBase.

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {WadRayMath} from "./Math.sol";
import {Errors} from "./Errors.sol";
import {IPool} from "./Interfaces.sol";

abstract contract ScaledBalanceToken {
    using WadRayMath for uint256;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Mint(
        address indexed caller, address indexed onBehalfOf, uint256 value, uint256 balanceIncrease, uint256 index
    );
    event Burn(address indexed from, address indexed target, uint256 value, uint256 balanceIncrease, uint256 index);

    IPool public immutable POOL;
    address public immutable UNDERLYING_ASSET_ADDRESS;
    uint8 public immutable decimals;
    string public name;
    string public symbol;

    mapping(address => uint256) internal _scaledBalances;
    mapping(address => uint256) internal _previousIndex;
    uint256 internal _scaledTotalSupply;

    modifier onlyPool() {
        require(msg.sender == address(POOL), Errors.CALLER_MUST_BE_POOL);
        _;
    }

    constructor(IPool pool, address underlyingAsset, string memory name_, string memory symbol_) {
        POOL = pool;
        UNDERLYING_ASSET_ADDRESS = underlyingAsset;
        decimals = IERC20Metadata(underlyingAsset).decimals();
        name = name_;
        symbol = symbol_;
    }

    /// The reserve's current index (income for aTokens, debt for debt tokens), in ray.
    function _currentIndex() internal view virtual returns (uint256);

    function balanceOf(address user) public view returns (uint256) {
        return _scaledBalances[user].rayMul(_currentIndex());
    }

    function totalSupply() public view returns (uint256) {
        uint256 scaledSupply = _scaledTotalSupply;
        return scaledSupply == 0 ? 0 : scaledSupply.rayMul(_currentIndex());
    }

    function scaledBalanceOf(address user) external view returns (uint256) {
        return _scaledBalances[user];
    }

    function scaledTotalSupply() public view returns (uint256) {
        return _scaledTotalSupply;
    }

    function getScaledUserBalanceAndSupply(address user) external view returns (uint256, uint256) {
        return (_scaledBalances[user], _scaledTotalSupply);
    }

    function getPreviousIndex(address user) external view returns (uint256) {
        return _previousIndex[user];
    }

    /// Interest accrued on `user`'s balance since its last action; records `index` as the new mark.
    function _accrue(address user, uint256 index) internal returns (uint256 balanceIncrease) {
        uint256 scaled = _scaledBalances[user];
        balanceIncrease = scaled.rayMul(index) - scaled.rayMul(_previousIndex[user]);
        _previousIndex[user] = index;
    }

    /// Mint `amount` (underlying units) at `index`; returns whether the balance was zero before.
    function _mintScaled(address caller, address onBehalfOf, uint256 amount, uint256 index)
        internal
        returns (bool firstMint)
    {
        uint256 amountScaled = amount.rayDiv(index);
        require(amountScaled != 0, Errors.INVALID_MINT_AMOUNT);
        firstMint = _scaledBalances[onBehalfOf] == 0;
        uint256 balanceIncrease = _accrue(onBehalfOf, index);
        _scaledBalances[onBehalfOf] += amountScaled;
        _scaledTotalSupply += amountScaled;
        emit Transfer(address(0), onBehalfOf, amount + balanceIncrease);
        emit Mint(caller, onBehalfOf, amount + balanceIncrease, balanceIncrease, index);
    }

    /// Burn `amount` (underlying units) at `index`; `target` is only reported in the event.
    function _burnScaled(address user, address target, uint256 amount, uint256 index) internal {
        uint256 amountScaled = amount.rayDiv(index);
        require(amountScaled != 0, Errors.INVALID_BURN_AMOUNT);
        uint256 balanceIncrease = _accrue(user, index);
        _scaledBalances[user] -= amountScaled;
        _scaledTotalSupply -= amountScaled;
        if (balanceIncrease > amount) {
            // More interest accrued than was burnt: the net effect is a mint, reported as one.
            emit Transfer(address(0), user, balanceIncrease - amount);
            emit Mint(user, user, balanceIncrease - amount, balanceIncrease, index);
        } else {
            emit Transfer(user, address(0), amount - balanceIncrease);
            emit Burn(user, target, amount - balanceIncrease, balanceIncrease, index);
        }
    }
}
