"""Multicall3 at its canonical address, and Uniswap v3 with seeded full-range pools."""

from __future__ import annotations

import math

from connectors.evm.multicall import MULTICALL3_ADDRESS
from sim.chain import Artifact, Contract
from sim.deploy.base import INITIAL_PRICES, Deployment

# (token A, token B, fee tier, amount of A seeded); B is seeded at the initial price.
POOLS = (
    ("WETH", "USDC", 500, 2_000.0),
    ("WETH", "USDC", 3000, 1_000.0),
    ("WBTC", "USDC", 3000, 50.0),
)
_PRICE_OF = {"WETH": INITIAL_PRICES["ETH"], "WBTC": INITIAL_PRICES["BTC"], "USDC": 1.0}


async def install_multicall3(world: Deployment) -> None:
    """Deploy Multicall3, then copy its runtime code to the canonical address."""
    deployed = await world.chain.deploy(Artifact.load("Multicall3"), sender=world.deployer)
    await world.chain.set_code(MULTICALL3_ADDRESS, await world.chain.code(deployed.address))
    world.artifacts["multicall3"] = "Multicall3.sol:Multicall3"
    world.contracts["multicall3"] = Contract(world.chain, deployed.abi, MULTICALL3_ADDRESS)


def sqrt_price_x96(amount0: int, amount1: int) -> int:
    """sqrt(amount1 / amount0) in Q64.96, from raw token amounts in pool order."""
    return math.isqrt(amount1 * 2**192 // amount0)


async def deploy_uniswap(world: Deployment) -> None:
    factory = await world.deploy("uniswap.factory", "UniswapV3Factory")
    weth = world.token("WETH").address
    await world.deploy("uniswap.router", "SwapRouter02", factory.address, weth)
    await world.deploy("uniswap.quoter", "QuoterV2", factory.address, weth)
    await world.deploy("uniswap.liquidity", "FullRangeLiquidity", factory.address)
    for base, quote, fee, base_amount in POOLS:
        await _seed_pool(world, base, quote, fee, base_amount)


async def _seed_pool(
    world: Deployment, base: str, quote: str, fee: int, base_amount: float
) -> None:
    factory = world.contracts["uniswap.factory"]
    helper = world.contracts["uniswap.liquidity"]
    lender = world.accounts["lender"]
    amounts = {
        base: world.units(base, base_amount),
        quote: world.units(quote, base_amount * _PRICE_OF[base] / _PRICE_OF[quote]),
    }
    await factory.send(
        "createPool",
        world.token(base).address,
        world.token(quote).address,
        fee,
        sender=world.deployer,
    )
    pool_address = await factory.read_one(
        "getPool", world.token(base).address, world.token(quote).address, fee
    )
    token0, token1 = sorted((base, quote), key=lambda s: int(world.token(s).address, 16))
    pool = world.chain_contract("UniswapV3Pool", pool_address)
    await pool.send(
        "initialize", sqrt_price_x96(amounts[token0], amounts[token1]), sender=world.deployer
    )
    for symbol in (token0, token1):
        await world.fund(lender, symbol, amounts[symbol])
        await world.token(symbol).send("approve", helper.address, amounts[symbol], sender=lender)
    await helper.send(
        "addFullRangeLiquidity",
        pool_address,
        amounts[token0],
        amounts[token1],
        lender,
        sender=lender,
    )
    world.pools[f"{base}/{quote}/{fee}"] = pool.address
