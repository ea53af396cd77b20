"""Aave v3 market of the local world: the real v3.0.2 bytecode from ``@aave/core-v3``.

Deployed and configured in the order of ``@aave/deploy-v3``'s scripts, through the
protocol's own admin functions: the addresses provider and its ACL admin, the ACL
manager with a pool admin, the logic libraries, the Pool and PoolConfigurator
implementations behind the provider's proxies, the oracle (the world's Chainlink feeds as
its sources) and data provider, token implementations, then
``PoolConfigurator.initReserves`` and each reserve's collateral, borrowing and reserve
factor. Reserves take Aave v3 Ethereum's risk parameters (LTV, liquidation threshold
and bonus in basis points) and variable-rate strategies (ray); stable borrowing stays
off, as on Aave v3 Ethereum. The lender seeds supply on every reserve and borrows some
USDC, so rates and indexes move from the start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agent.errors import ConfigError
from sim.artifacts import Artifact
from sim.deploy.base import Deployment
from sim.deploy.releases import AAVE_LIBRARIES, release_source

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


_ZERO = "0x0000000000000000000000000000000000000000"
# The oracle's base currency: USD with 8 decimals, as on Aave v3 Ethereum (address 0
# and unit 1e8: aave-v3-core, contracts/misc/AaveOracle.sol, BASE_CURRENCY_UNIT).
BASE_CURRENCY_UNIT = 10**8


async def deploy_aave(world: Deployment) -> None:
    deployer = world.deployer
    provider = await world.deploy_release(
        "aave.addresses_provider", "PoolAddressesProvider", MARKET_ID, deployer
    )
    await provider.send("setACLAdmin", deployer, sender=deployer)
    acl = await world.deploy_release("aave.acl_manager", "ACLManager", provider.address)
    await provider.send("setACLManager", acl.address, sender=deployer)
    await acl.send("addPoolAdmin", deployer, sender=deployer)
    await acl.send("addEmergencyAdmin", deployer, sender=deployer)
    await _deploy_libraries(world)
    await _deploy_pool(world, provider.address)
    symbols = [r.symbol for r in RESERVES]
    assets = [world.token(s).address for s in symbols]
    sources = [world.feeds[_underlying(s)].address for s in symbols]
    oracle = await world.deploy_release(
        "aave.oracle", "AaveOracle", provider.address, assets, sources, _ZERO, _ZERO,
        BASE_CURRENCY_UNIT,
    )  # fmt: skip
    await provider.send("setPriceOracle", oracle.address, sender=deployer)
    data_provider = await world.deploy_release(
        "aave.data_provider", "AaveProtocolDataProvider", provider.address
    )
    await provider.send("setPoolDataProvider", data_provider.address, sender=deployer)
    await _init_reserves(world)
    await _seed(world)


async def _deploy_libraries(world: Deployment) -> None:
    """Each logic library once, a library that links others after them."""
    pending = list(AAVE_LIBRARIES)
    while pending:
        ready = [
            name
            for name in pending
            if all(
                lib in world.libraries
                for lib in Artifact.load(name, release_source(name)).libraries
            )
        ]
        if not ready:
            raise ConfigError(f"aave libraries {pending} link libraries that are not listed")
        for name in ready:
            library = await world.deploy_release(f"aave.library.{name}", name)
            world.libraries[name] = library.address
            pending.remove(name)


async def _deploy_pool(world: Deployment, provider: str) -> None:
    """Pool and PoolConfigurator implementations, each behind the provider's proxy."""
    deployer = world.deployer
    addresses = world.contracts["aave.addresses_provider"]
    pool_implementation = await world.deploy_release("aave.pool_implementation", "Pool", provider)
    await pool_implementation.send("initialize", provider, sender=deployer)
    await addresses.send("setPoolImpl", pool_implementation.address, sender=deployer)
    world.adopt("aave.pool", "Pool", await addresses.read_one("getPool"))
    configurator = await world.deploy_release(
        "aave.configurator_implementation", "PoolConfigurator"
    )
    await configurator.send("initialize", provider, sender=deployer)
    await addresses.send("setPoolConfiguratorImpl", configurator.address, sender=deployer)
    world.adopt(
        "aave.configurator", "PoolConfigurator", await addresses.read_one("getPoolConfigurator")
    )


def _underlying(symbol: str) -> str:
    return {"WETH": "ETH", "WBTC": "BTC", "USDC": "USDC"}[symbol]


async def _init_reserves(world: Deployment) -> None:
    deployer = world.deployer
    pool = world.contracts["aave.pool"].address
    implementations = {
        name: (await world.deploy_release(f"aave.implementation.{name}", name, pool)).address
        for name in ("AToken", "StableDebtToken", "VariableDebtToken")
    }
    inputs = [await _reserve_input(world, reserve, implementations) for reserve in RESERVES]
    configurator = world.contracts["aave.configurator"]
    await configurator.send("initReserves", inputs, sender=deployer)
    data_provider = world.contracts["aave.data_provider"]
    for reserve in RESERVES:
        asset = world.token(reserve.symbol).address
        await configurator.send(
            "configureReserveAsCollateral",
            asset,
            reserve.ltv_bps,
            reserve.liquidation_threshold_bps,
            reserve.liquidation_bonus_bps,
            sender=deployer,
        )
        await configurator.send("setReserveBorrowing", asset, True, sender=deployer)
        await configurator.send(
            "setReserveFactor", asset, reserve.reserve_factor_bps, sender=deployer
        )
        a_token, _, variable_debt = await data_provider.read("getReserveTokensAddresses", asset)
        world.adopt(f"aave.aToken.{reserve.symbol}", "AToken", a_token)
        world.adopt(f"aave.variableDebt.{reserve.symbol}", "VariableDebtToken", variable_debt)


async def _reserve_input(
    world: Deployment, reserve: ReserveParameters, implementations: Mapping[str, str]
) -> tuple[object, ...]:
    """One ``ConfiguratorInputTypes.InitReserveInput`` (aave-v3-core,
    contracts/protocol/libraries/types/ConfiguratorInputTypes.sol)."""
    symbol = reserve.symbol
    strategy = await world.deploy_release(
        f"aave.rateStrategy.{symbol}",
        "DefaultReserveInterestRateStrategy",
        world.contracts["aave.addresses_provider"].address,
        _ray(reserve.optimal_usage),
        _ray(reserve.base_rate),
        _ray(reserve.slope1),
        _ray(reserve.slope2),
        0, 0, 0, 0, 0,  # stable rate: slopes, offsets, optimal ratio (stable borrowing off)
    )  # fmt: skip
    return (
        implementations["AToken"],
        implementations["StableDebtToken"],
        implementations["VariableDebtToken"],
        world.token_info[symbol].decimals,
        strategy.address,
        world.token(symbol).address,
        world.deployer,  # treasury
        _ZERO,  # no incentives controller
        f"Aave Local {symbol}",
        f"aLoc{symbol}",
        f"Aave Local Variable Debt {symbol}",
        f"variableDebtLoc{symbol}",
        f"Aave Local Stable Debt {symbol}",
        f"stableDebtLoc{symbol}",
        b"",
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
