"""Multicall3 at its canonical address, and Uniswap v3 with seeded full-range pools."""

from __future__ import annotations

import math

from eth_utils.address import to_checksum_address

from connectors.evm.multicall import MULTICALL3_ADDRESS
from sim.artifacts import Artifact
from sim.chain import Contract
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


# Full range for a fee tier's tick spacing: TickMath.MIN_TICK/MAX_TICK (+-887272) rounded
# inward to the spacing (Uniswap/v3-core, contracts/libraries/TickMath.sol; spacings of
# the factory's fee tiers 500 -> 10, 3000 -> 60, 10000 -> 200: UniswapV3Factory.sol).
MAX_TICK = 887272
# NonfungiblePositionManager's deadline check is block.timestamp <= deadline
# (v3-periphery, contracts/base/PeripheryValidation.sol): seeding is never late.
NO_DEADLINE = 2**256 - 1


def full_range(tick_spacing: int) -> tuple[int, int]:
    """(tickLower, tickUpper) of a full-range position at ``tick_spacing``."""
    upper = MAX_TICK // tick_spacing * tick_spacing
    return -upper, upper


async def deploy_uniswap(world: Deployment) -> None:
    """The real v3 factory, NonfungiblePositionManager, SwapRouter02 and QuoterV2."""
    factory = await world.deploy_release("uniswap.factory", "UniswapV3Factory")
    weth = world.token("WETH").address
    # No token descriptor: tokenURI is the only function that would call it.
    positions = await world.deploy_release(
        "uniswap.position_manager", "NonfungiblePositionManager", factory.address, weth, _ZERO
    )
    # SwapRouter02(factoryV2, factoryV3, positionManager, WETH9): no v2 factory here.
    await world.deploy_release(
        "uniswap.router", "SwapRouter02", _ZERO, factory.address, positions.address, weth
    )
    await world.deploy_release("uniswap.quoter", "QuoterV2", factory.address, weth)
    for base, quote, fee, base_amount in POOLS:
        await _seed_pool(world, base, quote, fee, base_amount)


_ZERO = "0x0000000000000000000000000000000000000000"


async def _seed_pool(
    world: Deployment, base: str, quote: str, fee: int, base_amount: float
) -> None:
    """Create and initialise the pool at the initial price and give the lender one
    full-range position: constant-product pricing with v3's sqrt-price math."""
    factory = world.contracts["uniswap.factory"]
    positions = world.contracts["uniswap.position_manager"]
    lender = world.accounts["lender"]
    amounts = {
        base: world.units(base, base_amount),
        quote: world.units(quote, base_amount * _PRICE_OF[base] / _PRICE_OF[quote]),
    }
    token0, token1 = sorted((base, quote), key=lambda s: int(world.token(s).address, 16))
    address0, address1 = world.token(token0).address, world.token(token1).address
    await positions.send(
        "createAndInitializePoolIfNecessary",
        address0,
        address1,
        fee,
        sqrt_price_x96(amounts[token0], amounts[token1]),
        sender=world.deployer,
    )
    for symbol in (token0, token1):
        await world.fund(lender, symbol, amounts[symbol])
        await world.token(symbol).send("approve", positions.address, amounts[symbol], sender=lender)
    lower, upper = full_range(await factory.read_one("feeAmountTickSpacing", fee))
    mint = (
        address0, address1, fee, lower, upper, amounts[token0], amounts[token1], 0, 0,
        lender, NO_DEADLINE,
    )  # fmt: skip
    await positions.send("mint", mint, sender=lender)
    pool = await factory.read_one("getPool", address0, address1, fee)
    world.pools[f"{base}/{quote}/{fee}"] = to_checksum_address(pool)
