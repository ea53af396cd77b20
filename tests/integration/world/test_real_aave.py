"""The world's Aave is the real v3.0.2 bytecode: its liquidation boundary, its error codes
and its interest, checked against Aave's own rules rather than our reading of them.

Sources: aave-v3-core (npm @aave/core-v3 1.19.3), contracts/protocol/libraries/
helpers/Errors.sol (codes), logic/LiquidationLogic.sol (close factor 50% above health
factor 0.95, 100% below), math/MathUtils.sol (variable debt compounds with a three-term
binomial expansion of the per-second rate; supply interest is linear), both driven by
block.timestamp.
"""

from __future__ import annotations

import pytest

from agent.errors import RejectedError
from sim.chain import attach_all
from sim.keepers.liquidator import AaveLiquidator
from sim.market import MarketState
from tests.integration.conftest import World

pytestmark = pytest.mark.integration

WAD = 10**18
RAY = 10**27
SECONDS_PER_YEAR = 365 * 86_400
MAX_UINT256 = 2**256 - 1
HEALTH_FACTOR_NOT_BELOW_THRESHOLD = "45"  # Errors.sol
WETH_LIQUIDATION_THRESHOLD = 0.825  # sim/deploy/aave.py RESERVES


def compounded_interest(rate_ray: int, seconds: int) -> int:
    """MathUtils.calculateCompoundedInterest, in ray, with its integer divisions."""
    if seconds == 0:
        return RAY
    minus_one, minus_two = seconds - 1, max(seconds - 2, 0)
    base_power_two = rate_ray * rate_ray // RAY // (SECONDS_PER_YEAR * SECONDS_PER_YEAR)
    base_power_three = base_power_two * rate_ray // RAY // SECONDS_PER_YEAR
    second_term = seconds * minus_one * base_power_two // 2
    third_term = seconds * minus_one * minus_two * base_power_three // 6
    return RAY + rate_ray * seconds // SECONDS_PER_YEAR + second_term + third_term


def ray_mul(a: int, b: int) -> int:
    """WadRayMath.rayMul: half up."""
    return (a * b + RAY // 2) // RAY


async def _borrow(world: World, role: str, weth: float, usdc: float) -> str:
    account = world.account(role)
    pool = world.contract("aave.pool")
    token = world.contract("token.WETH")
    amount = int(weth * 1e18)
    await token.send("deposit", sender=account, value=amount)
    await token.send("approve", pool.address, amount, sender=account)
    await pool.send("supply", token.address, amount, account, 0, sender=account)
    usdc_address = world.contract("token.USDC").address
    await pool.send("borrow", usdc_address, int(usdc * 1e6), 2, 0, account, sender=account)
    return account


async def _set_eth_price(world: World, price: float) -> None:
    feed = world.contract("chainlink.ETH_USD")
    await feed.send("transmit", round(price * 1e8), sender=world.account("deployer"))


async def _liquidate(world: World, account: str) -> dict[str, int]:
    liquidator = world.account("liquidator")
    pool = world.contract("aave.pool")
    usdc = world.contract("token.USDC")
    await usdc.send("approve", pool.address, MAX_UINT256, sender=liquidator)
    weth = world.contract("token.WETH").address
    receipt = await pool.send(
        "liquidationCall", weth, usdc.address, account, MAX_UINT256, False, sender=liquidator
    )
    return next(args for name, args in pool.events(receipt) if name == "LiquidationCall")


async def test_liquidation_boundary_close_factor_and_bonus(world: World) -> None:
    account = await _borrow(world, "trader", weth=10.0, usdc=22_000.0)
    pool = world.contract("aave.pool")
    # Health factor 1 at 10 x 0.825 x P = 22,000: P = 2666.67. A cent above it the real
    # Pool refuses with error 45; a dollar below it liquidates half the debt.
    boundary = 22_000.0 / (10 * WETH_LIQUIDATION_THRESHOLD)
    await _set_eth_price(world, boundary + 0.5)
    assert (await pool.read("getUserAccountData", account))[5] > WAD
    with pytest.raises(RejectedError, match=rf"\b{HEALTH_FACTOR_NOT_BELOW_THRESHOLD}\b"):
        await _liquidate(world, account)

    price = boundary - 1.0
    await _set_eth_price(world, price)
    health = (await pool.read("getUserAccountData", account))[5]
    assert 0.95 * WAD < health < WAD
    debt_before = await world.contract("aave.variableDebt.USDC").read_one("balanceOf", account)
    event = await _liquidate(world, account)
    # Close factor 50% (health above 0.95), computed on the debt at execution.
    assert event["debtToCover"] == pytest.approx(debt_before / 2, abs=2)
    # Bonus 5% on WETH: collateral = debt x price_USDC x 1.05 / price_ETH (oracle units).
    seized = event["debtToCover"] * 10**12 * 10_500 // 10_000 * 10**8 // round(price * 1e8)
    assert event["liquidatedCollateralAmount"] == pytest.approx(seized, rel=1e-12)


async def test_variable_debt_and_supply_accrue_by_block_timestamp(world: World) -> None:
    account = await _borrow(world, "trader", weth=10.0, usdc=10_000.0)
    usdc = world.manifest.token("USDC").address
    pool = world.contract("aave.pool")
    data_provider = world.contract("aave.data_provider")
    lender = world.account("lender")
    a_usdc = world.contract("aave.aToken.USDC")
    reserve = await pool.read_one("getReserveData", usdc)
    liquidity_index, liquidity_rate = reserve[1], reserve[2]
    borrow_index, borrow_rate, updated = reserve[3], reserve[4], reserve[6]
    scaled_debt = (await data_provider.read("getUserReserveData", usdc, account))[4]
    scaled_supply = await a_usdc.read_one("scaledBalanceOf", lender)
    health_before = (await pool.read("getUserAccountData", account))[5]

    one_year_later = updated + SECONDS_PER_YEAR
    await world.chain.mine(one_year_later)

    # Views compute the index at block.timestamp without a transaction.
    expected_borrow_index = ray_mul(
        compounded_interest(borrow_rate, SECONDS_PER_YEAR), borrow_index
    )
    debt = await world.contract("aave.variableDebt.USDC").read_one("balanceOf", account)
    assert debt == ray_mul(scaled_debt, expected_borrow_index)
    assert debt > 10_000 * 10**6 * (1 + borrow_rate / RAY)  # compounding beats simple
    linear = RAY + liquidity_rate * SECONDS_PER_YEAR // SECONDS_PER_YEAR
    supplied = await a_usdc.read_one("balanceOf", lender)
    assert supplied == ray_mul(scaled_supply, ray_mul(linear, liquidity_index))
    assert (await pool.read("getUserAccountData", account))[5] < health_before
    # The reserve factor's share reaches the treasury once an action updates the state.
    await world.contract("token.USDC").send("approve", pool.address, 1, sender=lender)
    await world.contract("token.USDC").send("mint", lender, 1, sender=world.account("deployer"))
    await pool.send("supply", usdc, 1, lender, 0, sender=lender)
    assert (await pool.read_one("getReserveData", usdc))[12] > 0  # accruedToTreasury


async def test_the_keeper_liquidates_stable_debt(world: World) -> None:
    """A stable-rate borrower is liquidated like a variable one (the keeper weighs both)."""
    usdc = world.contract("token.USDC").address
    configurator = world.contract("aave.configurator")
    await configurator.send(
        "setReserveStableRateBorrowing", usdc, True, sender=world.account("deployer")
    )
    trader = world.account("trader")
    pool = world.contract("aave.pool")
    token = world.contract("token.WETH")
    await token.send("deposit", sender=trader, value=10 * WAD)
    await token.send("approve", pool.address, 10 * WAD, sender=trader)
    await pool.send("supply", token.address, 10 * WAD, trader, 0, sender=trader)
    await pool.send("borrow", usdc, 22_000 * 10**6, 1, 0, trader, sender=trader)  # stable
    await _set_eth_price(world, 2400.0)
    liquidator = AaveLiquidator(
        world.chain, world.manifest, attach_all(world.chain, world.manifest)
    )
    state = MarketState(await world.chain.timestamp(), {"ETH": 2400.0}, {"ETH": 0.65})
    await liquidator.on_market(state)
    [record] = liquidator.records
    assert record.position == "WETH collateral / USDC debt"
    assert record.debt_repaid == pytest.approx(22_000.0, rel=1e-4)  # health 0.9: all of it
