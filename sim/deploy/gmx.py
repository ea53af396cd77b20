"""GMX v2 of the local world, deployed and configured as contracts/test/gmx/GmxFixture.sol does.

Sequence (the contracts' headers): RoleStore, DataStore, EventEmitter, Router, OrderVault,
the increase and decrease executors, OrderHandler, LiquidationHandler, ExchangeRouter,
Reader, MarketFactory, Config, PoolSeeder; CONTROLLER to every contract that writes the
store, ROUTER_PLUGIN to the ExchangeRouter, CONFIG_KEEPER and MARKET_KEEPER to the deployer,
ORDER_KEEPER to the world's keeper and LIQUIDATION_KEEPER to its liquidator; then the
general config, one Chainlink feed per token (price = answer * 10^(60 - token decimals -
feed decimals) / 1e30), the ETH/USD and BTC/USD markets with the parameters of
gmx-synthetics v2.2 config/markets.ts (baseMarketConfig), and seeded pools.

Funding in GMX v2 flows only while both sides have open interest, so the trader keeps a
background long and a smaller short in each market at 1x (USDC collateral, far from any
liquidation): longs pay a few percent a year, as the market driver's default regime says.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address

from connectors.evm.gmx_v2.events import decode_event_records
from connectors.evm.gmx_v2.keys import USD_SCALE, base_key, usd_to_price
from sim.chain import Contract
from sim.deploy.base import (
    FEED_DECIMALS,
    FEED_HEARTBEAT_S,
    INITIAL_PRICES,
    UNDERLYING_TOKEN,
    Deployment,
)

MARKET_TYPE = base_key("basic-v1")  # keccak256(abi.encode("basic-v1")), the real market type
SECONDS_PER_YEAR = 365 * 86_400
# Keepers send a fixed gas limit: executeOrder catches the order's failure, so an estimate
# can stop at a limit where the order runs out of gas inside the try (and the call reverts).
KEEPER_GAS = 8_000_000
SEED_EXECUTION_FEE_WEI = 10**16  # budget of the trader's seeding orders; the excess is refunded

# gmx-synthetics v2.2 config/general.ts (Arbitrum).
GENERAL_UINTS = (
    ("REQUEST_EXPIRATION_TIME", 300),  # seconds before a user may cancel a market order
    ("MIN_COLLATERAL_USD", 1 * USD_SCALE),
    ("MIN_POSITION_SIZE_USD", 1 * USD_SCALE),
    ("ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1", 600_000),
    ("ESTIMATED_GAS_FEE_PER_ORACLE_PRICE", 250_000),
    ("ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR", USD_SCALE),
    ("EXECUTION_GAS_FEE_BASE_AMOUNT_V2_1", 600_000),
    ("EXECUTION_GAS_FEE_PER_ORACLE_PRICE", 250_000),
    ("EXECUTION_GAS_FEE_MULTIPLIER_FACTOR", USD_SCALE),
    ("INCREASE_ORDER_GAS_LIMIT", 3_500_000),
    ("DECREASE_ORDER_GAS_LIMIT", 3_500_000),
)


def _percent(value: float) -> int:
    return round(value / 100 * USD_SCALE)


# gmx-synthetics v2.2 config/markets.ts baseMarketConfig; factors scaled by 1e30.
MIN_COLLATERAL_FACTOR = _percent(1)  # 1%: 100x maximum leverage
MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION = _percent(1)
RESERVE_FACTOR = _percent(95)
POSITION_FEE_FACTOR_IMPROVED = _percent(0.04)  # balance improved (positive impact)
POSITION_FEE_FACTOR_WORSENED = _percent(0.06)
BORROWING_FACTOR = 625 * 10**19  # 6.25e-9 per second at 100% usage (~19.7% a year)
FUNDING_FACTOR = 2 * 10**22  # 2e-8 per second at 100% skew (~63% a year)
MAX_FUNDING_FACTOR_PER_SECOND = _percent(90) // SECONDS_PER_YEAR  # 90% a year


@dataclass(frozen=True)
class GmxMarketParameters:
    """One market: index = long token (WETH or WBTC), short token USDC, seeded pools (whole
    tokens) and the trader's background open interest (USD)."""

    underlying: str
    long_token: str
    short_token: str
    seed_long: float
    seed_short: float
    background_long_usd: float
    background_short_usd: float


MARKETS = (
    GmxMarketParameters("ETH", "WETH", "USDC", 5_000.0, 15_000_000.0, 3_000_000.0, 2_700_000.0),
    GmxMarketParameters("BTC", "WBTC", "USDC", 250.0, 15_000_000.0, 2_000_000.0, 1_800_000.0),
)

_CONTRACTS = (  # (role, contract, source, constructor argument roles)
    ("gmx.role_store", "RoleStore", "RoleStore.sol", ()),
    ("gmx.data_store", "DataStore", "DataStore.sol", ("gmx.role_store",)),
    ("gmx.event_emitter", "EventEmitter", "EventEmitter.sol", ("gmx.role_store",)),
    ("gmx.router", "Router", "ExchangeRouter.sol", ("gmx.role_store",)),
    ("gmx.order_vault", "OrderVault", "Bank.sol", ("gmx.role_store", "gmx.data_store")),
    (
        "gmx.increase_executor",
        "IncreaseOrderExecutor",
        "IncreaseOrderExecutor.sol",
        ("gmx.role_store", "gmx.data_store", "gmx.event_emitter"),
    ),
    (
        "gmx.decrease_executor",
        "DecreaseOrderExecutor",
        "DecreaseOrderExecutor.sol",
        ("gmx.role_store", "gmx.data_store", "gmx.event_emitter"),
    ),
    (
        "gmx.order_handler",
        "OrderHandler",
        "OrderHandler.sol",
        (
            "gmx.role_store",
            "gmx.data_store",
            "gmx.event_emitter",
            "gmx.order_vault",
            "gmx.increase_executor",
            "gmx.decrease_executor",
        ),
    ),
    (
        "gmx.liquidation_handler",
        "LiquidationHandler",
        "LiquidationHandler.sol",
        ("gmx.role_store", "gmx.data_store", "gmx.event_emitter", "gmx.decrease_executor"),
    ),
    (
        "gmx.exchange_router",
        "ExchangeRouter",
        "ExchangeRouter.sol",
        (
            "gmx.router",
            "gmx.role_store",
            "gmx.data_store",
            "gmx.event_emitter",
            "gmx.order_handler",
        ),
    ),
    ("gmx.reader", "Reader", "Reader.sol", ()),
    (
        "gmx.market_factory",
        "MarketFactory",
        "MarketFactory.sol",
        ("gmx.role_store", "gmx.data_store", "gmx.event_emitter"),
    ),
    ("gmx.config", "Config", "MarketFactory.sol", ("gmx.role_store", "gmx.data_store")),
    ("gmx.pool_seeder", "PoolSeeder", "MarketFactory.sol", ("gmx.role_store", "gmx.data_store")),
)
_CONTROLLERS = (
    "gmx.order_handler",
    "gmx.liquidation_handler",
    "gmx.increase_executor",
    "gmx.decrease_executor",
    "gmx.exchange_router",
    "gmx.market_factory",
    "gmx.config",
    "gmx.pool_seeder",
)


async def deploy_gmx(world: Deployment) -> None:
    """Deploy, wire, configure and seed GMX v2; markets are ``gmx.market.<underlying>``."""
    for role, contract, source, argument_roles in _CONTRACTS:
        arguments = [world.contracts[r].address for r in argument_roles]
        await world.deploy(role, contract, *arguments, source=source)
    await _grant_roles(world)
    await _configure(world)
    for market in MARKETS:
        await _create_market(world, market)
    for market in MARKETS:
        await _seed_open_interest(world, market)


async def _grant_roles(world: Deployment) -> None:
    role_store = world.contracts["gmx.role_store"]
    grants: list[tuple[str, str]] = [
        (world.contracts[role].address, "CONTROLLER") for role in _CONTROLLERS
    ]
    grants += [
        (world.contracts["gmx.exchange_router"].address, "ROUTER_PLUGIN"),
        (world.deployer, "CONFIG_KEEPER"),
        (world.deployer, "MARKET_KEEPER"),
        (world.accounts["keeper"], "ORDER_KEEPER"),
        (world.accounts["liquidator"], "LIQUIDATION_KEEPER"),
    ]
    for account, role in grants:
        await role_store.send("grantRole", account, base_key(role), sender=world.deployer)


async def _set_uint(world: Deployment, name: str, data: bytes, value: int) -> None:
    config = world.contracts["gmx.config"]
    await config.send("setUint", base_key(name), data, value, sender=world.deployer)


async def _configure(world: Deployment) -> None:
    config = world.contracts["gmx.config"]
    weth = world.token("WETH").address
    await config.send("setAddress", base_key("WNT"), b"", weth, sender=world.deployer)
    for name, value in GENERAL_UINTS:
        await _set_uint(world, name, b"", value)
    for underlying, symbol in UNDERLYING_TOKEN.items():
        token = world.token(symbol).address
        data = abi_encode(["address"], [token])
        decimals = world.token_info[symbol].decimals
        await config.send(
            "setAddress",
            base_key("PRICE_FEED"),
            data,
            world.feeds[underlying].address,
            sender=world.deployer,
        )
        await _set_uint(world, "PRICE_FEED_MULTIPLIER", data, 10 ** (60 - decimals - FEED_DECIMALS))
        # the keeper refuses rounds older than the feed's own heartbeat
        heartbeat = FEED_HEARTBEAT_S[underlying]
        await _set_uint(world, "PRICE_FEED_HEARTBEAT_DURATION", data, heartbeat)


async def _configure_market(world: Deployment, market: str) -> None:
    one = abi_encode(["address"], [market])
    await _set_uint(world, "MIN_COLLATERAL_FACTOR", one, MIN_COLLATERAL_FACTOR)
    await _set_uint(
        world, "MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION", one, MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION
    )
    await _set_uint(world, "FUNDING_FACTOR", one, FUNDING_FACTOR)
    await _set_uint(world, "MAX_FUNDING_FACTOR_PER_SECOND", one, MAX_FUNDING_FACTOR_PER_SECOND)
    for flag in (True, False):
        both = abi_encode(["address", "bool"], [market, flag])
        fee = POSITION_FEE_FACTOR_IMPROVED if flag else POSITION_FEE_FACTOR_WORSENED
        await _set_uint(world, "POSITION_FEE_FACTOR", both, fee)  # flag: balance was improved
        await _set_uint(world, "RESERVE_FACTOR", both, RESERVE_FACTOR)  # flag: isLong
        await _set_uint(world, "BORROWING_FACTOR", both, BORROWING_FACTOR)


async def _create_market(world: Deployment, parameters: GmxMarketParameters) -> None:
    factory = world.contracts["gmx.market_factory"]
    index = world.token(parameters.long_token).address
    short = world.token(parameters.short_token).address
    receipt = await factory.send(
        "createMarket", index, index, short, MARKET_TYPE, sender=world.deployer
    )
    emitter = world.contracts["gmx.event_emitter"].address
    [created] = decode_event_records(receipt["logs"], emitter, ["MarketCreated"])
    market = world.chain_contract(
        "MarketToken", to_checksum_address(created.items["marketToken"]), source="Bank.sol"
    )
    role = f"gmx.market.{parameters.underlying}"
    world.contracts[role] = market
    world.artifacts[role] = "Bank.sol:MarketToken"
    await _configure_market(world, market.address)
    seeder = world.contracts["gmx.pool_seeder"]
    for symbol, amount in (
        (parameters.long_token, parameters.seed_long),
        (parameters.short_token, parameters.seed_short),
    ):
        raw = world.units(symbol, amount)
        await world.fund(world.deployer, symbol, raw)
        await world.token(symbol).send("approve", seeder.address, raw, sender=world.deployer)
        await seeder.send(
            "seedPool", market.address, world.token(symbol).address, raw, sender=world.deployer
        )


async def _seed_open_interest(world: Deployment, parameters: GmxMarketParameters) -> None:
    """The trader's background long and short at 1x, each created and executed at once."""
    market = world.contracts[f"gmx.market.{parameters.underlying}"]
    price = INITIAL_PRICES[parameters.underlying]
    decimals = world.token_info[parameters.long_token].decimals
    for is_long, size_usd in (
        (True, parameters.background_long_usd),
        (False, parameters.background_short_usd),
    ):
        acceptable = usd_to_price(price * (1.01 if is_long else 0.99), decimals)
        key = await open_market_position(
            world, world.accounts["trader"], market, parameters.short_token, is_long, size_usd,
            collateral=size_usd, acceptable_price=acceptable,
        )  # fmt: skip
        await world.contracts["gmx.order_handler"].send(
            "executeOrder", key, ([], [], []), sender=world.accounts["keeper"], gas=KEEPER_GAS
        )


async def open_market_position(
    world: Deployment,
    account: str,
    market: Contract,
    collateral_symbol: str,
    is_long: bool,
    size_usd: float,
    *,
    collateral: float,
    acceptable_price: int,
) -> bytes:
    """Fund ``account`` and create a MarketIncrease order the way a user does (one multicall
    of sendWnt, sendTokens and createOrder); returns the order key (not yet executed)."""
    router = world.contracts["gmx.exchange_router"]
    vault = world.contracts["gmx.order_vault"].address
    token = world.token(collateral_symbol)
    amount = world.units(collateral_symbol, collateral)
    await world.fund(account, collateral_symbol, amount)
    await token.send("approve", world.contracts["gmx.router"].address, amount, sender=account)
    params: tuple[object, ...] = (
        (account, account, _ZERO, _ZERO, market.address, token.address, []),
        (round(size_usd * USD_SCALE), 0, 0, acceptable_price, SEED_EXECUTION_FEE_WEI, 0, 0, 0),
        2,  # Order.OrderType.MarketIncrease
        0,
        is_long,
        False,
        False,
        b"\x00" * 32,
        [],
    )
    calls = [
        router.abi.encode("sendWnt", vault, SEED_EXECUTION_FEE_WEI),
        router.abi.encode("sendTokens", token.address, vault, amount),
        router.abi.encode("createOrder", params),
    ]
    receipt = await router.send("multicall", calls, sender=account, value=SEED_EXECUTION_FEE_WEI)
    emitter = world.contracts["gmx.event_emitter"].address
    [created] = decode_event_records(receipt["logs"], emitter, ["OrderCreated"])
    key: bytes = created.items["key"]
    return key


_ZERO = "0x0000000000000000000000000000000000000000"
