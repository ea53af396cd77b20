// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// User entry points of the local GMX v2 world. Mirrors gmx-io/gmx-synthetics v2.2, with identical
// selectors and argument layouts:
//   contracts/router/Router.sol            pluginTransfer(token, account, receiver, amount),
//                                          ROUTER_PLUGIN only; users approve THIS contract
//   contracts/utils/PayableMulticall.sol   multicall(bytes[]) payable returns (bytes[]), delegatecalls
//   contracts/router/BaseRouter.sol        sendWnt(receiver, amount), sendTokens(token, receiver,
//                                          amount), sendNativeToken(receiver, amount)
//   contracts/router/ExchangeRouter.sol    createOrder(IBaseOrderUtils.CreateOrderParams) payable
//                                          returns (bytes32), cancelOrder(bytes32) payable,
//                                          claimFundingFees(address[] markets, address[] tokens,
//                                          address receiver) payable returns (uint256[])
// The user's transaction is multicall([sendWnt(orderVault, fee), sendTokens(collateral, orderVault,
// amount), createOrder(params)]) with msg.value = fee; createOrder then records what reached the vault.
// Deviations: the constructor takes only the OrderHandler among the real handlers (no deposit,
// withdrawal, shift or external handlers; their functions are absent, as are updateOrder and the
// simulate* functions). Written for Ballast; no code copied.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {DataStore} from "./DataStore.sol";
import {EventEmitter} from "./EventEmitter.sol";
import {IWNT, MarketToken} from "./Bank.sol";
import {OrderHandler} from "./OrderHandler.sol";
import {Errors, IBaseOrderUtils, Order} from "./Types.sol";
import {Keys} from "./Keys.sol";
import {RoleModule, RoleStore} from "./RoleStore.sol";

contract Router is RoleModule {
    using SafeERC20 for IERC20;

    constructor(RoleStore roleStore_) RoleModule(roleStore_) {}

    function pluginTransfer(address token, address account, address receiver, uint256 amount)
        external
        onlyRouterPlugin
    {
        IERC20(token).safeTransferFrom(account, receiver, amount);
    }
}

abstract contract PayableMulticall {
    /// Run each call on this contract with the original msg.sender (and the same msg.value).
    function multicall(bytes[] calldata data) external payable virtual returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i = 0; i < data.length; i++) {
            (bool success, bytes memory result) = address(this).delegatecall(data[i]);
            if (!success) {
                assembly {
                    revert(add(result, 32), mload(result))
                }
            }
            results[i] = result;
        }
    }
}

contract BaseRouter is ReentrancyGuard, PayableMulticall, RoleModule {
    using SafeERC20 for IERC20;

    Router public immutable router;
    DataStore public immutable dataStore;
    EventEmitter public immutable eventEmitter;

    constructor(Router router_, RoleStore roleStore_, DataStore dataStore_, EventEmitter eventEmitter_)
        RoleModule(roleStore_)
    {
        router = router_;
        dataStore = dataStore_;
        eventEmitter = eventEmitter_;
    }

    /// Wrap `amount` of the ether held by this contract (sent with the call) and send it as WNT.
    function sendWnt(address receiver, uint256 amount) external payable nonReentrant {
        _validateReceiver(receiver);
        if (amount == 0) return;
        address wnt = dataStore.getAddress(Keys.WNT);
        IWNT(wnt).deposit{value: amount}();
        IERC20(wnt).safeTransfer(receiver, amount);
    }

    /// Move the caller's tokens (approved to Router) to `receiver`.
    function sendTokens(address token, address receiver, uint256 amount) external payable nonReentrant {
        _validateReceiver(receiver);
        router.pluginTransfer(token, msg.sender, receiver, amount);
    }

    function sendNativeToken(address receiver, uint256 amount) external payable nonReentrant {
        _validateReceiver(receiver);
        (bool ok,) = receiver.call{value: amount}("");
        if (!ok) revert Errors.TokenTransferError(address(0), receiver, amount);
    }

    function _validateReceiver(address receiver) internal pure {
        if (receiver == address(0)) revert Errors.EmptyReceiver();
    }
}

contract ExchangeRouter is BaseRouter {
    OrderHandler public immutable orderHandler;

    constructor(
        Router router_,
        RoleStore roleStore_,
        DataStore dataStore_,
        EventEmitter eventEmitter_,
        OrderHandler orderHandler_
    ) BaseRouter(router_, roleStore_, dataStore_, eventEmitter_) {
        orderHandler = orderHandler_;
    }

    function createOrder(IBaseOrderUtils.CreateOrderParams calldata params)
        external
        payable
        nonReentrant
        returns (bytes32)
    {
        return orderHandler.createOrder(msg.sender, 0, params, false);
    }

    /// Cancel the caller's order; market orders only after REQUEST_EXPIRATION_TIME.
    function cancelOrder(bytes32 key) external payable nonReentrant {
        Order.Props memory order = dataStore.getOrder(key);
        if (order.addresses.account == address(0)) revert Errors.EmptyOrder();
        if (order.addresses.account != msg.sender) revert Errors.Unauthorized(msg.sender, "account for cancelOrder");
        orderHandler.cancelOrder(key);
    }

    /// Send the caller's claimable funding (ExchangeRouter.claimFundingFees / FeeUtils) to `receiver`.
    function claimFundingFees(address[] memory markets, address[] memory tokens, address receiver)
        external
        payable
        nonReentrant
        returns (uint256[] memory claimed)
    {
        if (markets.length != tokens.length) revert Errors.InvalidClaimFundingFeesInput(markets.length, tokens.length);
        _validateReceiver(receiver);
        claimed = new uint256[](markets.length);
        for (uint256 i = 0; i < markets.length; i++) {
            claimed[i] = _claimFundingFees(markets[i], tokens[i], msg.sender, receiver);
        }
    }

    function _claimFundingFees(address market, address token, address account, address receiver)
        private
        returns (uint256 amount)
    {
        bytes32 key = Keys.claimableFundingAmountKey(market, token, account);
        amount = dataStore.getUint(key);
        if (amount == 0) return 0;
        dataStore.setUint(key, 0);
        dataStore.decrementUint(Keys.claimableFundingAmountKey(market, token), amount);
        MarketToken(payable(market)).transferOut(token, receiver, amount);
        eventEmitter.emitFundingFeesClaimed(account, market, token, receiver, amount);
    }
}
