// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Uniswap QuoterV2 of the local world.
// Mirrors, with identical selectors, struct layout and return tuple:
//   Uniswap/swap-router-contracts, contracts/interfaces/IQuoterV2.sol
//     (QuoteExactInputSingleParams, quoteExactInputSingle)
//   Uniswap/v3-periphery, contracts/interfaces/IPeripheryImmutableState.sol (factory, WETH9)
// Quotes the real way (swap-router-contracts, contracts/lens/QuoterV2.sol): it starts the swap on
// the pool and, inside the swap callback, reverts with (amountOut, sqrtPriceX96After, tickAfter),
// which it catches and returns. So, like the real one, it is not a view function: call it with
// eth_call. The quote is what exactInputSingle with the same arguments delivers in the same state.
// initializedTicksCrossed is always 0: the only initialized ticks are the full-range bounds, which
// a swap never crosses. Not mirrored: quoteExactInput, quoteExactOutput, quoteExactOutputSingle.

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TickMath} from "./TickMath.sol";
import {IUniswapV3SwapCallback, IUniswapV3FactoryMinimal, IUniswapV3PoolMinimal} from "./Interfaces.sol";

contract QuoterV2 is IUniswapV3SwapCallback {
    struct QuoteExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint256 amountIn;
        uint24 fee;
        uint160 sqrtPriceLimitX96;
    }

    /// Length of the (uint256 amountOut, uint160 sqrtPriceX96After, int24 tickAfter) payload.
    uint256 private constant QUOTE_LENGTH = 96;

    address public immutable factory;
    address public immutable WETH9;

    error NotAPool(address caller);

    constructor(address factory_, address weth9_) {
        factory = factory_;
        WETH9 = weth9_;
    }

    /// Output of swapping exactly `amountIn` of tokenIn, the pool's price after it, ticks crossed
    /// (always 0 here) and the gas the trial swap used.
    function quoteExactInputSingle(QuoteExactInputSingleParams memory params)
        public
        returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate)
    {
        address pool = IUniswapV3FactoryMinimal(factory).getPool(params.tokenIn, params.tokenOut, params.fee);
        require(pool != address(0), "No pool");
        bytes memory reason;
        (reason, gasEstimate) = _trySwap(pool, params);
        (amountOut, sqrtPriceX96After) = _parseQuote(reason);
        initializedTicksCrossed = 0;
    }

    /// Start the swap the quote is about and return how it reverted and the gas it used.
    function _trySwap(address pool, QuoteExactInputSingleParams memory params)
        private
        returns (bytes memory reason, uint256 gasUsed)
    {
        bool zeroForOne = params.tokenIn < params.tokenOut;
        uint160 limit = params.sqrtPriceLimitX96;
        if (limit == 0) limit = zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1;
        bytes memory data = abi.encode(params.tokenIn, params.tokenOut, params.fee);
        uint256 gasBefore = gasleft();
        try IUniswapV3PoolMinimal(pool).swap(address(this), zeroForOne, SafeCast.toInt256(params.amountIn), limit, data) {
            revert("Quote swap did not revert");
        } catch (bytes memory caught) {
            return (caught, gasBefore - gasleft());
        }
    }

    /// Called by the pool mid-swap: report the output and the new price by reverting, so that
    /// nothing is paid and the swap is undone.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external view {
        require(amount0Delta > 0 || amount1Delta > 0, "nothing owed");
        (address tokenIn, address tokenOut, uint24 fee) = abi.decode(data, (address, address, uint24));
        if (IUniswapV3FactoryMinimal(factory).getPool(tokenIn, tokenOut, fee) != msg.sender) {
            revert NotAPool(msg.sender);
        }
        uint256 amountReceived = uint256(-(amount0Delta > 0 ? amount1Delta : amount0Delta));
        (uint160 sqrtPriceX96After, int24 tickAfter,,,,,) = IUniswapV3PoolMinimal(msg.sender).slot0();
        bytes memory quote = abi.encode(amountReceived, sqrtPriceX96After, tickAfter);
        assembly {
            revert(add(quote, 0x20), mload(quote))
        }
    }

    /// A 96-byte revert is the quote; anything else is a real failure, re-raised.
    function _parseQuote(bytes memory reason) private pure returns (uint256 amountOut, uint160 sqrtPriceX96After) {
        if (reason.length != QUOTE_LENGTH) {
            if (reason.length < 68) revert("Unexpected error");
            assembly {
                revert(add(reason, 0x20), mload(reason))
            }
        }
        (amountOut, sqrtPriceX96After,) = abi.decode(reason, (uint256, uint160, int24));
    }
}
