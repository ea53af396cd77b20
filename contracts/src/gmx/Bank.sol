// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Token holders of the local GMX v2 world. Mirrors gmx-io/gmx-synthetics v2.2:
//   contracts/bank/Bank.sol         transferOut(token, receiver, amount[, shouldUnwrapNativeToken]),
//                                   transferOutNativeToken(receiver, amount); accepts ether only from WNT
//   contracts/bank/StrictBank.sol   tokenBalances, recordTransferIn(token), syncTokenBalance(token)
//   contracts/order/OrderVault.sol  OrderVault is StrictBank (collateral and execution fees of orders)
//   contracts/market/MarketToken.sol MarketToken is ERC20("GMX Market", "GM") and Bank: holds the
//                                   market's pool, positions' collateral and unclaimed funding
// Written for Ballast; no code copied.

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {DataStore} from "./DataStore.sol";
import {Errors} from "./Types.sol";
import {Keys} from "./Keys.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

interface IWNT {
    function deposit() external payable;
    function withdraw(uint256 amount) external;
}

contract Bank is RoleModule {
    using SafeERC20 for IERC20;

    DataStore public immutable dataStore;

    constructor(RoleStore roleStore_, DataStore dataStore_) RoleModule(roleStore_) {
        dataStore = dataStore_;
    }

    receive() external payable {
        if (msg.sender != dataStore.getAddress(Keys.WNT)) revert Errors.InvalidNativeTokenSender(msg.sender);
    }

    function transferOut(address token, address receiver, uint256 amount) external onlyController {
        _transferOut(token, receiver, amount);
    }

    function transferOut(address token, address receiver, uint256 amount, bool shouldUnwrapNativeToken)
        external
        onlyController
    {
        if (shouldUnwrapNativeToken && token == dataStore.getAddress(Keys.WNT)) {
            _transferOutNativeToken(token, receiver, amount);
        } else {
            _transferOut(token, receiver, amount);
        }
    }

    function transferOutNativeToken(address receiver, uint256 amount) external onlyController {
        _transferOutNativeToken(dataStore.getAddress(Keys.WNT), receiver, amount);
    }

    function _transferOut(address token, address receiver, uint256 amount) internal {
        if (receiver == address(this)) revert Errors.SelfTransferNotSupported(receiver);
        if (amount == 0) return;
        IERC20(token).safeTransfer(receiver, amount);
        _afterTransferOut(token);
    }

    function _transferOutNativeToken(address wnt, address receiver, uint256 amount) internal {
        if (receiver == address(this)) revert Errors.SelfTransferNotSupported(receiver);
        if (amount == 0) return;
        IWNT(wnt).withdraw(amount);
        _afterTransferOut(wnt);
        (bool ok,) = receiver.call{value: amount}("");
        // The real TokenUtils falls back to sending WNT when the native transfer fails.
        if (!ok) {
            IWNT(wnt).deposit{value: amount}();
            IERC20(wnt).safeTransfer(receiver, amount);
            _afterTransferOut(wnt);
        }
    }

    function _afterTransferOut(address token) internal virtual {}
}

contract StrictBank is Bank {
    mapping(address => uint256) public tokenBalances;

    constructor(RoleStore roleStore_, DataStore dataStore_) Bank(roleStore_, dataStore_) {}

    /// Amount of `token` received since the last record: how createOrder learns what was sent.
    function recordTransferIn(address token) external onlyController returns (uint256) {
        uint256 previous = tokenBalances[token];
        uint256 next = IERC20(token).balanceOf(address(this));
        tokenBalances[token] = next;
        return next - previous;
    }

    function syncTokenBalance(address token) external onlyController returns (uint256) {
        uint256 next = IERC20(token).balanceOf(address(this));
        tokenBalances[token] = next;
        return next;
    }

    function _afterTransferOut(address token) internal override {
        tokenBalances[token] = IERC20(token).balanceOf(address(this));
    }
}

contract OrderVault is StrictBank {
    constructor(RoleStore roleStore_, DataStore dataStore_) StrictBank(roleStore_, dataStore_) {}
}

contract MarketToken is ERC20, Bank {
    constructor(RoleStore roleStore_, DataStore dataStore_)
        ERC20("GMX Market", "GM")
        Bank(roleStore_, dataStore_)
    {}

    function mint(address account, uint256 amount) external onlyController {
        _mint(account, amount);
    }

    function burn(address account, uint256 amount) external onlyController {
        _burn(account, amount);
    }
}
