"""Premia v3 of the local world, deployed as contracts/test/premia/PremiaFixture.sol does.

Sequence: ChainlinkAdapter with one token/USD feed per token (WETH on the ETH / USD feed);
the VolatilityOracle at the market driver's initial implied vols (risk-free rate 0, as on
the venue simulators); a PremiaPool implementation; the PoolFactory (which creates the
ERC20Router); then a grid of WETH/USDC pools, calls and puts, seeded by the deployer (the
factory owner, who alone may withdraw pool capital).

Maturities follow Premia's rules relative to chain time at deployment (wall-clock time):
08:00 UTC; any day under 3 days out; a Friday from 3 to 35 days; the last Friday of a
month beyond 35 days; at most 365 days. The grid takes the first 08:00 UTC at least a day
out, the first Friday at least a week out, and the first month-end Friday beyond 35 days.
Pools are recorded as ``premia.pool.<Premia pool name>`` (e.g.
``premia.pool.WETH-USDC-30JAN2026-3000-C``) and are also listed by the factory.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from sim.deploy.base import INITIAL_IMPLIED_VOLS, UNDERLYING_TOKEN, Deployment

WAD = 10**18
DAY_S = 86_400
CHAINLINK_USD = "0x0000000000000000000000000000000000000348"  # Denominations.USD
AMM_SPREAD = 0.05  # the pools quote Black-Scholes x (1 +/- 5%)
STRIKES = (2_600, 2_800, 3_000, 3_200, 3_400)  # Premia's grid at 3000 is 100: all valid
SEED_CALL_WETH = 200.0  # capital per call pool, in WETH
SEED_PUT_USDC = 600_000.0  # capital per put pool, in USDC


def _eight_utc(day: datetime) -> datetime:
    return day.replace(hour=8, minute=0, second=0, microsecond=0)


def _is_last_friday(moment: datetime) -> bool:
    days = calendar.monthrange(moment.year, moment.month)[1]
    return moment.weekday() == calendar.FRIDAY and days - moment.day < 7


def maturities(now: int) -> tuple[int, int, int]:
    """(daily, weekly, monthly) maturities valid under Premia's rules at chain time ``now``."""
    start = datetime.fromtimestamp(now, tz=UTC)
    daily = _eight_utc(start)
    while daily < start + timedelta(days=1):
        daily += timedelta(days=1)
    weekly = _eight_utc(start + timedelta(days=7))
    while weekly < start + timedelta(days=7) or weekly.weekday() != calendar.FRIDAY:
        weekly += timedelta(days=1)
    monthly = _eight_utc(start + timedelta(days=36))
    while not _is_last_friday(monthly):
        monthly += timedelta(days=1)
    return int(daily.timestamp()), int(weekly.timestamp()), int(monthly.timestamp())


async def deploy_premia(world: Deployment) -> None:
    """Deploy the adapter, IV oracle, factory and the seeded pool grid."""
    deployer = world.deployer
    adapter = await world.deploy("premia.oracle_adapter", "ChainlinkAdapter")
    feeds = [
        (world.token(symbol).address, CHAINLINK_USD, world.feeds[underlying].address)
        for underlying, symbol in UNDERLYING_TOKEN.items()
    ]
    await adapter.send("batchRegisterFeedMappings", feeds, sender=deployer)
    vol_oracle = await world.deploy("premia.vol_oracle", "VolatilityOracle")
    for underlying, vol in INITIAL_IMPLIED_VOLS.items():
        token = world.token(UNDERLYING_TOKEN[underlying]).address
        await vol_oracle.send("setVolatility", token, round(vol * WAD), sender=deployer)
    implementation = await world.deploy("premia.pool_implementation", "PremiaPool")
    factory = await world.deploy(
        "premia.factory",
        "PoolFactory",
        implementation.address,
        vol_oracle.address,
        deployer,
        round(AMM_SPREAD * WAD),
    )
    router = await factory.read_one("ROUTER")
    world.contracts["premia.router"] = world.chain_contract("ERC20Router", router)
    world.artifacts["premia.router"] = "ERC20Router.sol:ERC20Router"
    await _deploy_pools(world, maturities(await world.chain.timestamp()))


async def _deploy_pools(world: Deployment, maturity_grid: tuple[int, ...]) -> None:
    deployer = world.deployer
    factory = world.contracts["premia.factory"]
    router = world.contracts["premia.router"].address
    weth, usdc = world.token("WETH"), world.token("USDC")
    count = len(STRIKES) * len(maturity_grid)
    seeds = {True: world.units("WETH", SEED_CALL_WETH), False: world.units("USDC", SEED_PUT_USDC)}
    await world.fund(deployer, "WETH", seeds[True] * count)
    await world.fund(deployer, "USDC", seeds[False] * count)
    await weth.send("approve", router, seeds[True] * count, sender=deployer)
    await usdc.send("approve", router, seeds[False] * count, sender=deployer)
    adapter = world.contracts["premia.oracle_adapter"].address
    for maturity in maturity_grid:
        for strike in STRIKES:
            for is_call in (True, False):
                key = (weth.address, usdc.address, adapter, strike * WAD, maturity, is_call)
                receipt = await factory.send("deployPool", key, sender=deployer)
                deployed = next(a for n, a in factory.events(receipt) if n == "PoolDeployed")
                pool = world.chain_contract("PremiaPool", deployed["poolAddress"])
                role = f"premia.pool.{await pool.read_one('name')}"
                world.contracts[role] = pool
                world.artifacts[role] = "PremiaPool.sol:PremiaPool"
                await pool.send("seedLiquidity", seeds[is_call], sender=deployer)
