"""Aave v3 market of the local world, deployed in the order Pool.sol documents.

Reserves mirror Aave v3 Ethereum's risk parameters (LTV, liquidation threshold and
bonus in basis points) and interest-rate strategies (ray). The lender seeds supply on
every reserve and borrows some USDC, so rates and indexes move from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.deploy.base import Deployment

RAY = 10**27
MARKET_ID = "Ballast Local Market"


@dataclass(frozen=True)
class ReserveParameters:
    symbol: str
    ltv_bps: int
    liquidation_threshold_bps: int
    liquidation_bonus_bps: int
    reserve_factor_bps: int
    optimal_usage: float
    base_rate: float
    slope1: float
    slope2: float
    seed_supply: float  # whole tokens the lender supplies


RESERVES = (
    ReserveParameters("WETH", 8000, 8250, 10500, 1500, 0.90, 0.0, 0.027, 0.80, 5_000.0),
    ReserveParameters("USDC", 7500, 7800, 10450, 1000, 0.90, 0.0, 0.060, 0.60, 20_000_000.0),
    ReserveParameters("WBTC", 7300, 7800, 10500, 2000, 0.80, 0.0, 0.040, 3.00, 200.0),
)
SEED_USDC_BORROW = 5_000_000.0  # by the lender, against its WETH


def _ray(rate: float) -> int:
    return round(rate * RAY)


async def deploy_aave(world: Deployment) -> None:
    deployer = world.deployer
    provider = await world.deploy(
        "aave.addresses_provider", "PoolAddressesProvider", MARKET_ID, deployer
    )
    pool = await world.deploy("aave.pool", "Pool", provider.address)
    await provider.send("setPoolImpl", pool.address, sender=deployer)
    symbols = [r.symbol for r in RESERVES]
    assets = [world.token(s).address for s in symbols]
    sources = [world.feeds[_underlying(s)].address for s in symbols]
    oracle = await world.deploy(
        "aave.oracle", "AaveOracle", provider.address, assets, sources, _ZERO, _ZERO, 10**8
    )
    await provider.send("setPriceOracle", oracle.address, sender=deployer)
    data_provider = await world.deploy(
        "aave.data_provider", "AaveProtocolDataProvider", provider.address
    )
    await provider.send("setPoolDataProvider", data_provider.address, sender=deployer)
    for reserve in RESERVES:
        await _init_reserve(world, reserve)
    await _seed(world)


_ZERO = "0x0000000000000000000000000000000000000000"


def _underlying(symbol: str) -> str:
    return {"WETH": "ETH", "WBTC": "BTC", "USDC": "USDC"}[symbol]


async def _init_reserve(world: Deployment, reserve: ReserveParameters) -> None:
    deployer = world.deployer
    pool = world.contracts["aave.pool"]
    provider = world.contracts["aave.addresses_provider"]
    asset = world.token(reserve.symbol).address
    symbol = reserve.symbol
    a_token = await world.deploy(
        f"aave.aToken.{symbol}",
        "AToken",
        pool.address,
        asset,
        deployer,
        f"Aave Local {symbol}",
        f"aLoc{symbol}",
    )
    debt = await world.deploy(
        f"aave.variableDebt.{symbol}",
        "VariableDebtToken",
        pool.address,
        asset,
        f"Aave Local Variable Debt {symbol}",
        f"variableDebtLoc{symbol}",
    )
    strategy = await world.deploy(
        f"aave.rateStrategy.{symbol}",
        "DefaultReserveInterestRateStrategy",
        provider.address,
        _ray(reserve.optimal_usage),
        _ray(reserve.base_rate),
        _ray(reserve.slope1),
        _ray(reserve.slope2),
    )
    await pool.send(
        "initReserve",
        asset,
        a_token.address,
        _ZERO,
        debt.address,
        strategy.address,
        sender=deployer,
    )
    await pool.send(
        "configureReserve",
        asset,
        reserve.ltv_bps,
        reserve.liquidation_threshold_bps,
        reserve.liquidation_bonus_bps,
        reserve.reserve_factor_bps,
        True,
        sender=deployer,
    )


async def _seed(world: Deployment) -> None:
    lender = world.accounts["lender"]
    pool = world.contracts["aave.pool"]
    for reserve in RESERVES:
        amount = world.units(reserve.symbol, reserve.seed_supply)
        await world.fund(lender, reserve.symbol, amount)
        token = world.token(reserve.symbol)
        await token.send("approve", pool.address, amount, sender=lender)
        await pool.send("supply", token.address, amount, lender, 0, sender=lender)
    usdc = world.token("USDC").address
    await pool.send(
        "borrow", usdc, world.units("USDC", SEED_USDC_BORROW), 2, 0, lender, sender=lender
    )
