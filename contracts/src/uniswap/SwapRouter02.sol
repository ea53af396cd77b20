// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Uniswap SwapRouter02 of the local world (the V3 single-pool part).
// Mirrors, with identical selectors, struct layouts and revert reasons:
//   Uniswap/swap-router-contracts, contracts/interfaces/IV3SwapRouter.sol
//     (ExactInputSingleParams - no deadline field in SwapRouter02 -, exactInputSingle,
//      uniswapV3SwapCallback; reverts "Too little received")
//   Uniswap/swap-router-contracts, contracts/interfaces/IMulticallExtended.sol
//     (multicall(uint256 deadline, bytes[]) reverting "Transaction too old",
//      multicall(bytes32 previousBlockhash, bytes[]) reverting "Blockhash")
//   Uniswap/v3-periphery, contracts/interfaces/IMulticall.sol (multicall(bytes[]))
//   Uniswap/v3-periphery, contracts/interfaces/IPeripheryImmutableState.sol (factory, WETH9)
//   Uniswap/v3-periphery, contracts/interfaces/IPeripheryPayments.sol
//     (unwrapWETH9(uint256,address), refundETH, sweepToken(address,uint256,address))
//   Uniswap/swap-router-contracts, contracts/interfaces/IPeripheryPaymentsExtended.sol
//     (unwrapWETH9(uint256), wrapETH, sweepToken(address,uint256), pull)
// Behaviour kept from the real router: the input is paid inside the pool's swap callback, pulled
// with transferFrom from msg.sender (so msg.sender approves this router), or wrapped from the
// ether sent along when tokenIn is WETH9; amountIn == 0 swaps the router's own balance of
// tokenIn; recipient address(1) means msg.sender and address(2) this router; a zero
// sqrtPriceLimitX96 means no limit; the callback is accepted only from the factory's pool for
// the (tokenIn, tokenOut, fee) it names.
//
// Not mirrored: exactInput/exactOutput/exactOutputSingle, the V2 router, approveAndCall,
// selfPermit and oracle-slippage checks. Constructor takes (factoryV3, WETH9) instead of the real
// (factoryV2, factoryV3, positionManager, WETH9). The callback's data is this router's own
// encoding. A failing multicall sub-call re-raises its revert data unchanged (the real one
// re-raises Error(string) reasons the same way but garbles other revert data).

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TickMath} from "./TickMath.sol";
import {IUniswapV3SwapCallback, IUniswapV3FactoryMinimal, IUniswapV3PoolMinimal} from "./Interfaces.sol";

interface IWETH9 {
    function deposit() external payable;
    function withdraw(uint256 wad) external;
}

contract SwapRouter02 is IUniswapV3SwapCallback {
    using SafeERC20 for IERC20;

    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    /// Flags of the real router (swap-router-contracts, contracts/libraries/Constants.sol).
    uint256 private constant CONTRACT_BALANCE = 0;
    address private constant MSG_SENDER = address(1);
    address private constant ADDRESS_THIS = address(2);

    address public immutable factory;
    address public immutable WETH9;

    error NotAPool(address caller);
    error NotExactInput();

    constructor(address factory_, address weth9_) {
        factory = factory_;
        WETH9 = weth9_;
    }

    /// Only WETH9 sends ether here (when unwrapping); anything else would be stranded.
    receive() external payable {
        require(msg.sender == WETH9, "Not WETH9");
    }

    /// Swap exactly `amountIn` of tokenIn for as much tokenOut as the pool gives, at least
    /// `amountOutMinimum`. Put it in multicall(deadline, ...) to bound when it may execute.
    function exactInputSingle(ExactInputSingleParams memory params) external payable returns (uint256 amountOut) {
        address payer = msg.sender;
        if (params.amountIn == CONTRACT_BALANCE) {
            payer = address(this);
            params.amountIn = IERC20(params.tokenIn).balanceOf(address(this));
        }
        amountOut = _swapExactInput(params, payer);
        require(amountOut >= params.amountOutMinimum, "Too little received");
    }

    function _swapExactInput(ExactInputSingleParams memory params, address payer) private returns (uint256) {
        address recipient = params.recipient;
        if (recipient == MSG_SENDER) recipient = msg.sender;
        else if (recipient == ADDRESS_THIS) recipient = address(this);

        bool zeroForOne = params.tokenIn < params.tokenOut;
        uint160 limit = params.sqrtPriceLimitX96;
        if (limit == 0) limit = zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1;
        bytes memory data = abi.encode(params.tokenIn, params.tokenOut, params.fee, payer);

        address pool = IUniswapV3FactoryMinimal(factory).getPool(params.tokenIn, params.tokenOut, params.fee);
        require(pool != address(0), "No pool");
        (int256 amount0, int256 amount1) =
            IUniswapV3PoolMinimal(pool).swap(recipient, zeroForOne, SafeCast.toInt256(params.amountIn), limit, data);
        return uint256(-(zeroForOne ? amount1 : amount0));
    }

    /// Pay the pool what a swap started here owes it. Only the factory's pool may call.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        require(amount0Delta > 0 || amount1Delta > 0, "nothing owed");
        (address tokenIn, address tokenOut, uint24 fee, address payer) =
            abi.decode(data, (address, address, uint24, address));
        if (IUniswapV3FactoryMinimal(factory).getPool(tokenIn, tokenOut, fee) != msg.sender) {
            revert NotAPool(msg.sender);
        }
        // Exact input only: what is owed must be tokenIn.
        if ((amount0Delta > 0) != (tokenIn < tokenOut)) revert NotExactInput();
        _pay(tokenIn, payer, msg.sender, uint256(amount0Delta > 0 ? amount0Delta : amount1Delta));
    }

    /// Run each call on this router in order, as msg.sender; all or nothing.
    function multicall(bytes[] calldata data) public payable returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i = 0; i < data.length; i++) {
            (bool success, bytes memory result) = address(this).delegatecall(data[i]);
            if (!success) {
                assembly {
                    revert(add(result, 0x20), mload(result))
                }
            }
            results[i] = result;
        }
    }

    /// multicall that reverts "Transaction too old" once block.timestamp > deadline.
    function multicall(uint256 deadline, bytes[] calldata data) external payable returns (bytes[] memory) {
        require(block.timestamp <= deadline, "Transaction too old");
        return multicall(data);
    }

    /// multicall that reverts "Blockhash" unless the parent block is the one the caller saw.
    function multicall(bytes32 previousBlockhash, bytes[] calldata data) external payable returns (bytes[] memory) {
        require(blockhash(block.number - 1) == previousBlockhash, "Blockhash");
        return multicall(data);
    }

    /// Unwrap all WETH9 held here and send the ether to `recipient`.
    function unwrapWETH9(uint256 amountMinimum, address recipient) public payable {
        uint256 balance = IERC20(WETH9).balanceOf(address(this));
        require(balance >= amountMinimum, "Insufficient WETH9");
        if (balance > 0) {
            IWETH9(WETH9).withdraw(balance);
            _sendEther(recipient, balance);
        }
    }

    function unwrapWETH9(uint256 amountMinimum) external payable {
        unwrapWETH9(amountMinimum, msg.sender);
    }

    /// Return ether left over from a call that sent more than it used.
    function refundETH() external payable {
        if (address(this).balance > 0) _sendEther(msg.sender, address(this).balance);
    }

    /// Send all of `token` held here to `recipient`.
    function sweepToken(address token, uint256 amountMinimum, address recipient) public payable {
        uint256 balance = IERC20(token).balanceOf(address(this));
        require(balance >= amountMinimum, "Insufficient token");
        if (balance > 0) IERC20(token).safeTransfer(recipient, balance);
    }

    function sweepToken(address token, uint256 amountMinimum) external payable {
        sweepToken(token, amountMinimum, msg.sender);
    }

    function wrapETH(uint256 value) external payable {
        IWETH9(WETH9).deposit{value: value}();
    }

    function pull(address token, uint256 value) external payable {
        IERC20(token).safeTransferFrom(msg.sender, address(this), value);
    }

    /// Pay from ether held here when the token is WETH9 and there is enough, else from this
    /// router's balance when it is the payer, else pull from the payer's allowance.
    function _pay(address token, address payer, address recipient, uint256 value) private {
        if (token == WETH9 && address(this).balance >= value) {
            IWETH9(WETH9).deposit{value: value}();
            IERC20(WETH9).safeTransfer(recipient, value);
        } else if (payer == address(this)) {
            IERC20(token).safeTransfer(recipient, value);
        } else {
            IERC20(token).safeTransferFrom(payer, recipient, value);
        }
    }

    function _sendEther(address to, uint256 value) private {
        (bool ok,) = to.call{value: value}("");
        require(ok, "STE");
    }
}
