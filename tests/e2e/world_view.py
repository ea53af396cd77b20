"""The agent's book as the chain and the venue simulators hold it, valued without the
agent's risk engine: the test's independent view of what the agent did.

Option deltas use the simulators' own Black-Scholes (sim/venues/blackscholes.py) at the
market driver's implied vol; everything else is quantities read from contracts and
simulator state (Deribit's ETH account balance and a Premia call writer's locked WETH
are ETH the agent holds).
"""

from __future__ import annotations

from sim.chain import DevChain, attach
from sim.manifest import Manifest
from sim.stack import LocalStack
from sim.venues.blackscholes import value as black_scholes

SECONDS_PER_YEAR = 365 * 86_400
SHORT, LONG = 0, 1


async def eth_delta(stack: LocalStack, chain: DevChain, manifest: Manifest) -> float:
    """The agent's net ETH delta in coin, from contracts and simulators."""
    agent = manifest.accounts["agent"]
    state = stack.driver.state
    spot, vol, now = state.prices["ETH"], state.implied_vols["ETH"], state.timestamp
    delta = await attach(chain, manifest, "token.WETH").read_one("balanceOf", agent) / 1e18
    delta += await attach(chain, manifest, "aave.aToken.WETH").read_one("balanceOf", agent) / 1e18
    delta += await gmx_eth(chain, manifest, agent)
    delta += await _premia(chain, manifest, agent, spot, vol, now)
    delta += hyperliquid_eth(stack, agent)
    delta += _deribit(stack, spot, vol, now)
    return delta


async def aave_health(chain: DevChain, manifest: Manifest) -> float:
    data = await attach(chain, manifest, "aave.pool").read(
        "getUserAccountData", manifest.accounts["agent"]
    )
    return float(data[5]) / 1e18


async def gmx_eth(chain: DevChain, manifest: Manifest, agent: str) -> float:
    """The agent's signed ETH perp size on GMX (coin)."""
    reader = attach(chain, manifest, "gmx.reader")
    store = manifest.contract("gmx.data_store")
    eth_market = manifest.contract("gmx.market.ETH").lower()
    (positions,) = await reader.read("getAccountPositions", store, agent, 0, 100)
    total = 0.0
    for addresses, numbers, flags in positions:
        if addresses[1].lower() == eth_market:
            total += (1 if flags[0] else -1) * numbers[1] / 1e18
    return total


async def _premia(
    chain: DevChain, manifest: Manifest, agent: str, spot: float, vol: float, now: int
) -> float:
    total = 0.0
    for role in manifest.contracts:
        if not role.startswith("premia.pool."):
            continue
        pool = attach(chain, manifest, role)
        long = await pool.read_one("balanceOf", agent, LONG)
        short = await pool.read_one("balanceOf", agent, SHORT)
        if long == short:
            continue
        _, _, _, strike, maturity, is_call = await pool.read("getPoolSettings")
        years = max(maturity - now, 0) / SECONDS_PER_YEAR
        option = black_scholes(spot, strike / 1e18, years, vol, bool(is_call))
        total += (long - short) / 1e18 * option.delta
        if is_call:  # a call writer's locked collateral (1 WETH per contract) is still held
            total += short / 1e18
    return total


def hyperliquid_eth(stack: LocalStack, agent: str) -> float:
    """The agent's signed ETH perp size on Hyperliquid (coin)."""
    assert stack.hyperliquid is not None
    users = stack.hyperliquid.house.users
    user = users.get(agent) or users.get(agent.lower())
    position = user.positions.get("ETH") if user else None
    return position.szi if position else 0.0


def _deribit(stack: LocalStack, spot: float, vol: float, now: int) -> float:
    assert stack.deribit is not None
    exchange = stack.deribit.exchange
    total = 0.0
    for account in exchange.accounts.values():
        total += account.balances.get("ETH", 0.0)  # coin collateral is ETH held
        for name, holding in account.holdings.items():
            instrument = exchange.instruments[name]
            if instrument.base != "ETH" or holding.size == 0:
                continue
            if instrument.kind == "option":
                years = instrument.years_left(now)
                option = black_scholes(
                    spot,
                    float(instrument.strike or 0),
                    years,
                    vol,
                    instrument.option_type == "call",
                )
                total += holding.size * instrument.contract_size * option.delta
            elif instrument.inverse:
                total += holding.size / spot
            else:
                total += holding.size
    return total


def deribit_holdings(stack: LocalStack) -> dict[str, float]:
    """Every non-zero Deribit holding, by instrument name (contracts)."""
    assert stack.deribit is not None
    return {
        name: holding.size
        for account in stack.deribit.exchange.accounts.values()
        for name, holding in account.holdings.items()
        if holding.size
    }
