// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IUniswapV3MintCallback} from "../../src/uniswap/Interfaces.sol";
import {UniswapFixture} from "./UniswapFixture.sol";
import {PoolSwapper} from "./PoolSwapper.sol";
import {UniswapV3Factory} from "../../src/uniswap/UniswapV3Factory.sol";
import {UniswapV3Pool} from "../../src/uniswap/UniswapV3Pool.sol";
import {FullRangeLiquidity} from "../../src/uniswap/FullRangeLiquidity.sol";
import {TickMath} from "../../src/uniswap/TickMath.sol";

/// Mints through the pool's real mint callback with arbitrary ticks, paying from its balance.
contract DirectMinter is IUniswapV3MintCallback {
    function mint(UniswapV3Pool pool, int24 tickLower, int24 tickUpper, uint128 amount)
        external
        returns (uint256, uint256)
    {
        return pool.mint(address(this), tickLower, tickUpper, amount, "");
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        UniswapV3Pool pool = UniswapV3Pool(msg.sender);
        _pay(pool.token0(), amount0Owed);
        _pay(pool.token1(), amount1Owed);
    }

    function _pay(address token, uint256 amount) private {
        if (amount > 0) {
            (bool ok,) = token.call(abi.encodeWithSignature("transfer(address,uint256)", msg.sender, amount));
            require(ok, "pay");
        }
    }
}

contract FactoryAndLiquidityTest is UniswapFixture {
    function setUp() public {
        _deployWorld(false);
    }

    function test_feeTiersAndOwner() public view {
        assertEq(int256(factory.feeAmountTickSpacing(500)), 10, "0.05% spacing");
        assertEq(int256(factory.feeAmountTickSpacing(3000)), 60, "0.3% spacing");
        assertEq(int256(factory.feeAmountTickSpacing(10000)), 200, "1% spacing");
        assertEq(int256(factory.feeAmountTickSpacing(100)), 0, "1 bip not enabled");
        assertEq(factory.owner(), address(this), "owner is deployer");
    }

    function test_createPoolSortsRegistersAndEmits() public {
        (address token0, address token1) =
            address(weth) < address(usdc) ? (address(weth), address(usdc)) : (address(usdc), address(weth));
        address predicted = _predictPool(token0, token1, 3000);
        vm.expectEmit(true, true, true, true, address(factory));
        emit UniswapV3Factory.PoolCreated(token0, token1, 3000, 60, predicted);
        address created = factory.createPool(address(usdc), address(weth), 3000);
        assertEq(created, predicted, "CREATE2 with the real salt");
        assertEq(factory.getPool(address(weth), address(usdc), 3000), created, "getPool(a, b)");
        assertEq(factory.getPool(address(usdc), address(weth), 3000), created, "getPool(b, a)");
        assertEq(factory.getPool(address(weth), address(usdc), 500), address(0), "other tier absent");
        UniswapV3Pool pool = UniswapV3Pool(created);
        assertEq(pool.factory(), address(factory), "factory()");
        assertEq(pool.token0(), token0, "token0()");
        assertEq(pool.token1(), token1, "token1()");
        assertEq(uint256(pool.fee()), 3000, "fee()");
        assertEq(int256(pool.tickSpacing()), 60, "tickSpacing()");
        assertEq(uint256(pool.liquidity()), 0, "no liquidity yet");
    }

    function test_createPoolRejectsBadInput() public {
        factory.createPool(address(weth), address(usdc), 3000);
        vm.expectRevert(bytes("pool exists"));
        factory.createPool(address(usdc), address(weth), 3000);
        vm.expectRevert(bytes("fee not enabled"));
        factory.createPool(address(weth), address(usdc), 2500);
        vm.expectRevert(bytes("same token"));
        factory.createPool(address(weth), address(weth), 500);
    }

    function test_onlyOwnerEnablesFees() public {
        vm.prank(trader);
        vm.expectRevert(bytes("not owner"));
        factory.enableFeeAmount(100, 1);
        vm.expectEmit(true, true, false, true, address(factory));
        emit UniswapV3Factory.FeeAmountEnabled(100, 1);
        factory.enableFeeAmount(100, 1);
        assertEq(int256(factory.feeAmountTickSpacing(100)), 1, "enabled");
    }

    function test_initializeOnceAndUninitializedPoolIsLocked() public {
        UniswapV3Pool pool = UniswapV3Pool(factory.createPool(address(weth), address(usdc), 3000));
        PoolSwapper swapper = new PoolSwapper();
        vm.expectRevert(bytes("LOK"));
        swapper.swap(pool, true, 1e18, TickMath.MIN_SQRT_RATIO + 1);

        vm.expectEmit(false, false, false, true, address(pool));
        emit UniswapV3Pool.Initialize(uint160(Q96), 0);
        pool.initialize(uint160(Q96));
        (uint160 sqrtPriceX96, int24 tick,,,,, bool unlocked) = pool.slot0();
        assertEq(uint256(sqrtPriceX96), Q96, "price 1");
        assertEq(int256(tick), 0, "tick 0");
        assertTrue(unlocked, "unlocked after initialize");
        vm.expectRevert(bytes("AI"));
        pool.initialize(uint160(Q96));
    }

    function test_mintAcceptsOnlyFullRangeAndChargesRealAmounts() public {
        UniswapV3Pool pool = UniswapV3Pool(factory.createPool(address(weth), address(usdc), 3000));
        pool.initialize(uint160(Q96 * 2)); // price 4 token1 per token0
        DirectMinter minter = new DirectMinter();
        _fund(pool.token0(), address(minter), 10e18);
        _fund(pool.token1(), address(minter), 40e18);

        vm.expectRevert(bytes("full range only"));
        minter.mint(pool, -600, 600, 1e18);

        (int24 lower, int24 upper) = liquidityAdder.fullRangeTicks(60);
        assertEq(int256(lower), -887220, "lowest usable tick at spacing 60");
        assertEq(int256(upper), 887220, "highest usable tick at spacing 60");
        vm.expectEmit(true, true, true, false, address(pool));
        emit UniswapV3Pool.Mint(address(minter), address(minter), lower, upper, 1e18, 0, 0);
        (uint256 amount0, uint256 amount1) = minter.mint(pool, lower, upper, 1e18);
        // L = 1e18 at sqrtP = 2: x = L / sqrtP = 0.5e18, y = L * sqrtP = 2e18, less the sliver
        // beyond the range bounds (L / sqrtPriceUpper, L * sqrtPriceLower: under 1e-18 relative).
        assertEq(amount0, 0.5e18, "token0 for L = 1e18");
        assertEq(amount1, 2e18, "token1 for L = 1e18");
        assertEq(uint256(pool.liquidity()), 1e18, "liquidity()");
        assertEq(_balanceOf(pool.token0(), address(pool)), amount0, "pool holds token0");
        assertEq(_balanceOf(pool.token1(), address(pool)), amount1, "pool holds token1");
    }

    function test_addFullRangeLiquidityUsesTheBindingAmount() public {
        UniswapV3Pool pool = _seedPool(address(weth), address(usdc), 3000, 1000e18, 3_000_000e6);
        uint128 liquidityBefore = pool.liquidity();
        address lp = address(0x11);
        _fund(address(weth), lp, 10e18);
        _fund(address(usdc), lp, 60_000e6); // twice the USDC needed at 3000
        vm.startPrank(lp);
        weth.approve(address(liquidityAdder), type(uint256).max);
        usdc.approve(address(liquidityAdder), type(uint256).max);
        (uint256 desired0, uint256 desired1) = pool.token0() == address(weth) ? (uint256(10e18), uint256(60_000e6)) : (uint256(60_000e6), uint256(10e18));
        (uint128 added,,) = liquidityAdder.addFullRangeLiquidity(address(pool), desired0, desired1, lp);
        vm.stopPrank();
        assertApproxEqRel(added, liquidityBefore / 100, 1e9, "1% more liquidity for 1% more ETH");
        // One unit of L here is x / L = 1 / sqrtP ~ 18,257 wei of ETH: the rounding left behind.
        assertLt(_balanceOf(address(weth), lp), 18_300, "all ETH used but L's rounding");
        assertApproxEqAbs(_balanceOf(address(usdc), lp), 30_000e6, 1, "half the USDC left");
    }

    function test_mintCallbackOnlyFromAFactoryPool() public {
        UniswapV3Pool pool = _seedPool(address(weth), address(usdc), 3000, 1000e18, 3_000_000e6);
        address victim = address(0x51C7);
        _fund(address(usdc), victim, 1_000e6);
        vm.prank(victim);
        usdc.approve(address(liquidityAdder), type(uint256).max);
        // Direct call: msg.sender (this test) is no pool at all; asking it for token0() fails.
        vm.expectRevert();
        liquidityAdder.uniswapV3MintCallback(0, 1_000e6, abi.encode(victim));
        // A pool from another factory with the same tokens and fee.
        UniswapV3Factory otherFactory = new UniswapV3Factory();
        address impostor = otherFactory.createPool(address(weth), address(usdc), 3000);
        vm.prank(impostor);
        vm.expectRevert(abi.encodeWithSelector(FullRangeLiquidity.NotAPool.selector, impostor));
        liquidityAdder.uniswapV3MintCallback(0, 1_000e6, abi.encode(victim));
        assertEq(_balanceOf(address(usdc), victim), 1_000e6, "victim keeps its USDC");
        assertTrue(address(pool) != impostor, "different pools");
    }

    function _predictPool(address token0, address token1, uint24 fee) private view returns (address) {
        bytes32 initHash = keccak256(
            abi.encodePacked(
                type(UniswapV3Pool).creationCode,
                abi.encode(address(factory), token0, token1, fee, factory.feeAmountTickSpacing(fee))
            )
        );
        bytes32 salt = keccak256(abi.encode(token0, token1, fee));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(factory), salt, initHash)))));
    }
}
