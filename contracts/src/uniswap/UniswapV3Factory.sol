// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Uniswap v3 factory of the local world.
// Mirrors, with identical selectors and events:
//   Uniswap/v3-core, contracts/interfaces/IUniswapV3Factory.sol
//     (owner, feeAmountTickSpacing, getPool, createPool, setOwner, enableFeeAmount,
//      OwnerChanged, PoolCreated, FeeAmountEnabled)
// Fee tiers 500/3000/10000 with tick spacings 10/60/200 are enabled at construction, as in the
// real factory. Pools are the single full-range position pools of UniswapV3Pool.sol, created with
// CREATE2 under the real salt keccak256(abi.encode(token0, token1, fee)); their init code differs
// from the real one, so clients must find pools with getPool, not by computing the address.

import {UniswapV3Pool} from "./UniswapV3Pool.sol";

contract UniswapV3Factory {
    event OwnerChanged(address indexed oldOwner, address indexed newOwner);
    event PoolCreated(
        address indexed token0, address indexed token1, uint24 indexed fee, int24 tickSpacing, address pool
    );
    event FeeAmountEnabled(uint24 indexed fee, int24 indexed tickSpacing);

    address public owner;
    mapping(uint24 => int24) public feeAmountTickSpacing;
    mapping(address => mapping(address => mapping(uint24 => address))) public getPool;

    constructor() {
        owner = msg.sender;
        emit OwnerChanged(address(0), msg.sender);
        _enableFeeAmount(500, 10);
        _enableFeeAmount(3000, 60);
        _enableFeeAmount(10000, 200);
    }

    /// Create the pool for a token pair and fee tier; either token order gives the same pool.
    function createPool(address tokenA, address tokenB, uint24 fee) external returns (address pool) {
        require(tokenA != tokenB, "same token");
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        require(token0 != address(0), "zero token");
        int24 tickSpacing = feeAmountTickSpacing[fee];
        require(tickSpacing != 0, "fee not enabled");
        require(getPool[token0][token1][fee] == address(0), "pool exists");
        pool = address(
            new UniswapV3Pool{salt: keccak256(abi.encode(token0, token1, fee))}(
                address(this), token0, token1, fee, tickSpacing
            )
        );
        getPool[token0][token1][fee] = pool;
        getPool[token1][token0][fee] = pool;
        emit PoolCreated(token0, token1, fee, tickSpacing, pool);
    }

    function setOwner(address newOwner) external {
        require(msg.sender == owner, "not owner");
        emit OwnerChanged(owner, newOwner);
        owner = newOwner;
    }

    function enableFeeAmount(uint24 fee, int24 tickSpacing) external {
        require(msg.sender == owner, "not owner");
        require(fee < 1_000_000, "fee too high");
        require(tickSpacing > 0 && tickSpacing < 16384, "bad tick spacing");
        require(feeAmountTickSpacing[fee] == 0, "fee enabled");
        _enableFeeAmount(fee, tickSpacing);
    }

    function _enableFeeAmount(uint24 fee, int24 tickSpacing) private {
        feeAmountTickSpacing[fee] = tickSpacing;
        emit FeeAmountEnabled(fee, tickSpacing);
    }
}
