// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {TestToken, WETH9} from "../../src/tokens/Tokens.sol";
import {UniswapV3Factory} from "../../src/uniswap/UniswapV3Factory.sol";
import {UniswapV3Pool} from "../../src/uniswap/UniswapV3Pool.sol";
import {SwapRouter02} from "../../src/uniswap/SwapRouter02.sol";
import {QuoterV2} from "../../src/uniswap/QuoterV2.sol";
import {FullRangeLiquidity} from "../../src/uniswap/FullRangeLiquidity.sol";

/// The local world's Uniswap deployment with WETH (18 decimals) and a 6-decimal USD token that
/// sorts either below WETH (USD is token0) or above it (WETH is token0), plus helpers that seed
/// pools from reserves and compute constant-product expectations independently of the pool.
abstract contract UniswapFixture is Test {
    uint256 internal constant Q96 = 1 << 96;

    UniswapV3Factory internal factory;
    SwapRouter02 internal router;
    QuoterV2 internal quoter;
    FullRangeLiquidity internal liquidityAdder;
    WETH9 internal weth;
    TestToken internal usdc;

    address internal trader = address(0x7AD3);

    function _deployWorld(bool usdIsToken0) internal {
        vm.warp(1_800_000_000);
        factory = new UniswapV3Factory();
        weth = new WETH9();
        usdc = _deployUsdSortedAgainst(address(weth), usdIsToken0);
        router = new SwapRouter02(address(factory), address(weth));
        quoter = new QuoterV2(address(factory), address(weth));
        liquidityAdder = new FullRangeLiquidity(address(factory));
    }

    /// CREATE2 with the first salt whose address falls on the wanted side of `pivot`.
    function _deployUsdSortedAgainst(address pivot, bool below) internal returns (TestToken token) {
        bytes32 initHash = keccak256(abi.encodePacked(type(TestToken).creationCode, abi.encode("USD Coin", "USDC", uint8(6))));
        for (uint256 salt = 0;; salt++) {
            address predicted = address(
                uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), bytes32(salt), initHash))))
            );
            if ((predicted < pivot) == below) {
                token = new TestToken{salt: bytes32(salt)}("USD Coin", "USDC", 6);
                require(address(token) == predicted, "create2 prediction");
                return token;
            }
        }
    }

    /// Create a pool holding `reserveA` of tokenA and `reserveB` of tokenB, priced at their ratio.
    function _seedPool(address tokenA, address tokenB, uint24 fee, uint256 reserveA, uint256 reserveB)
        internal
        returns (UniswapV3Pool pool)
    {
        pool = UniswapV3Pool(factory.createPool(tokenA, tokenB, fee));
        (uint256 amount0, uint256 amount1) = tokenA < tokenB ? (reserveA, reserveB) : (reserveB, reserveA);
        pool.initialize(_sqrtPriceX96(amount0, amount1));
        _fund(pool.token0(), address(this), amount0);
        _fund(pool.token1(), address(this), amount1);
        TestToken(pool.token0()).approve(address(liquidityAdder), amount0);
        TestToken(pool.token1()).approve(address(liquidityAdder), amount1);
        liquidityAdder.addFullRangeLiquidity(address(pool), amount0, amount1, address(this));
    }

    /// sqrt(amount1 / amount0) as Q64.96: the pool price at which these reserves balance.
    function _sqrtPriceX96(uint256 amount0, uint256 amount1) internal pure returns (uint160) {
        return uint160(Math.sqrt(Math.mulDiv(amount1, 1 << 192, amount0)));
    }

    function _fund(address token, address to, uint256 amount) internal {
        if (token == address(weth)) {
            vm.deal(address(this), amount);
            weth.deposit{value: amount}();
            weth.transfer(to, amount);
        } else {
            TestToken(token).mint(to, amount);
        }
    }

    /// The pool's virtual reserves (x = L / sqrtP of token0, y = L * sqrtP of token1).
    function _virtualReserves(UniswapV3Pool pool) internal view returns (uint256 reserve0, uint256 reserve1) {
        (uint160 sqrtPriceX96,,,,,,) = pool.slot0();
        uint256 liquidity = pool.liquidity();
        reserve0 = Math.mulDiv(liquidity, Q96, sqrtPriceX96);
        reserve1 = Math.mulDiv(liquidity, sqrtPriceX96, Q96);
    }

    /// Constant product with the fee taken from the input: out = R_out * a' / (R_in + a'),
    /// a' = amountIn * (1 - fee). Computed from virtual reserves, not with the pool's math.
    function _constantProductOut(UniswapV3Pool pool, bool zeroForOne, uint256 amountIn)
        internal
        view
        returns (uint256)
    {
        (uint256 reserve0, uint256 reserve1) = _virtualReserves(pool);
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 netIn = amountIn * (1e6 - pool.fee()) / 1e6;
        return Math.mulDiv(reserveOut, netIn, reserveIn + netIn);
    }

    function _price(UniswapV3Pool pool) internal view returns (uint160 sqrtPriceX96) {
        (sqrtPriceX96,,,,,,) = pool.slot0();
    }

    function _balanceOf(address token, address account) internal view returns (uint256) {
        return TestToken(token).balanceOf(account);
    }

    receive() external payable {}
}
