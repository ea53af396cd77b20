"""A crash makes an Aave account liquidatable and the world's liquidator liquidates it
exactly by Aave's rules: the close factor caps the repaid debt and the bonus sets the
collateral seized."""

from __future__ import annotations

import pytest

from sim.market import MarketDriver
from sim.paths import Keyframe, KeyframePath
from sim.world import ChainOracles, Keepers
from tests.integration.conftest import World

pytestmark = pytest.mark.integration

WAD = 10**18
WETH_BONUS = 1.05


async def _borrower(world: World, weth: float, usdc_debt: float) -> str:
    """The trader supplies ``weth`` WETH and borrows ``usdc_debt`` USDC on Aave."""
    trader = world.account("trader")
    pool = world.contract("aave.pool")
    token = world.contract("token.WETH")
    amount = int(weth * 1e18)
    await token.send("deposit", sender=trader, value=amount)
    await token.send("approve", pool.address, amount, sender=trader)
    await pool.send("supply", token.address, amount, trader, 0, sender=trader)
    usdc = world.contract("token.USDC").address
    await pool.send("borrow", usdc, int(usdc_debt * 1e6), 2, 0, trader, sender=trader)
    return trader


async def _crash_to(world: World, eth_price: float) -> Keepers:
    start = await world.chain.timestamp()
    path = KeyframePath(
        [
            Keyframe(0, {"ETH": 3000.0, "BTC": 60000.0}),
            Keyframe(60, {"ETH": eth_price, "BTC": 60000.0}),
        ]
    )
    driver = MarketDriver(
        path, start_timestamp=start, chain=ChainOracles.attach(world.chain, world.manifest)
    )
    keepers = Keepers.attach(world.chain, world.manifest)
    keepers.listen(driver)
    await driver.advance(60)
    return keepers


async def _debt_and_collateral(world: World, account: str) -> tuple[int, int]:
    provider = world.contract("aave.data_provider")
    usdc = await provider.read("getUserReserveData", world.manifest.token("USDC").address, account)
    weth = await provider.read("getUserReserveData", world.manifest.token("WETH").address, account)
    return usdc[2], weth[0]


@pytest.mark.parametrize(
    ("crash_price", "close_factor"),
    [(2600.0, 0.5), (2400.0, 1.0)],
    ids=["hf-0.975-half-closed", "hf-0.90-fully-closed"],
)
async def test_crash_liquidation_follows_aave_rules(
    world: World, crash_price: float, close_factor: float
) -> None:
    account = await _borrower(world, weth=10.0, usdc_debt=22_000.0)
    pool = world.contract("aave.pool")
    assert (await pool.read("getUserAccountData", account))[5] > WAD

    keepers = await _crash_to(world, crash_price)

    [record] = keepers.liquidator.records
    assert record.account == account
    assert record.position == "WETH collateral / USDC debt"
    # Debt at liquidation time is the borrowed 22,000 plus seconds of interest.
    assert record.debt_repaid == pytest.approx(22_000.0 * close_factor, rel=1e-5)
    expected_seized = record.debt_repaid * 1.0 * WETH_BONUS / crash_price
    assert record.collateral_seized == pytest.approx(expected_seized, rel=1e-9)
    debt, collateral = await _debt_and_collateral(world, account)
    assert debt / 1e6 == pytest.approx(22_000.0 * (1 - close_factor), abs=0.01)
    assert collateral / 1e18 == pytest.approx(10.0 - expected_seized, rel=1e-9)


async def test_healthy_account_is_left_alone(world: World) -> None:
    account = await _borrower(world, weth=10.0, usdc_debt=15_000.0)
    keepers = await _crash_to(world, 2600.0)  # HF = 26,000 x 0.825 / 15,000 = 1.43
    assert keepers.liquidator.records == []
    debt, collateral = await _debt_and_collateral(world, account)
    assert collateral == 10 * WAD
    assert debt >= 15_000 * 10**6
