"""What the agent's account is worth, read from the world itself (not the agent's book).

Per venue, in USD at the market driver's prices: wallet tokens; Aave supply less debt;
GMX positions' collateral plus P&L at the oracle price (pending funding and borrowing
fees, and collateral of orders the keeper has not executed yet, are left out); Premia
options at the simulators' Black-Scholes and the market's implied vol, shorts with the
collateral they lock; Deribit accounts' equity; Hyperliquid's account value. Native
ether is gas money and is left out (gas is counted from receipts).

Scenario reports take execution costs and total P&L from these figures, so they do
not depend on how the agent values its own book.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.chain import Contract, DevChain, attach
from sim.local_config import DERIBIT_CLIENT_ID
from sim.manifest import Manifest
from sim.stack import LocalStack
from sim.venues.blackscholes import value as black_scholes

SECONDS_PER_YEAR = 365 * 86_400
SHORT, LONG = 0, 1
WAD = 10**18
GMX_USD = 10**30
TOKEN_UNDERLYING = {"WETH": "ETH", "WBTC": "BTC", "USDC": "USDC"}


@dataclass(frozen=True)
class OptionPool:
    contract: Contract
    strike: float
    maturity: int
    is_call: bool


class EquityMeter:
    """Reads the agent's equity per venue; contract handles and pool terms are cached."""

    def __init__(self, stack: LocalStack) -> None:
        assert stack.world.manifest is not None
        self.stack = stack
        self.chain: DevChain = stack.world.chain
        self.manifest: Manifest = stack.world.manifest
        self.agent = self.manifest.accounts["agent"]
        self.tokens = {s: attach(self.chain, self.manifest, f"token.{s}") for s in TOKEN_UNDERLYING}
        self.supplied = {
            s: attach(self.chain, self.manifest, f"aave.aToken.{s}") for s in TOKEN_UNDERLYING
        }
        self.borrowed = {
            s: attach(self.chain, self.manifest, f"aave.variableDebt.{s}") for s in TOKEN_UNDERLYING
        }
        self.reader = attach(self.chain, self.manifest, "gmx.reader")
        self.pools: list[OptionPool] | None = None

    def _price(self, symbol: str) -> float:
        underlying = TOKEN_UNDERLYING.get(symbol, symbol)
        return 1.0 if underlying == "USDC" else self.stack.driver.state.prices[underlying]

    def _decimals(self, symbol: str) -> int:
        return self.manifest.tokens[symbol].decimals

    async def measure(self) -> dict[str, float]:
        """USD per venue ("wallet", "aave", "gmx", "premia", "deribit", "hyperliquid")."""
        return {
            "wallet": await self._holdings(self.tokens, 1),
            "aave": await self._holdings(self.supplied, 1)
            + await self._holdings(self.borrowed, -1),
            "gmx": await self._gmx(),
            "premia": await self._premia(),
            "deribit": self._deribit(),
            "hyperliquid": self._hyperliquid(),
        }

    async def _holdings(self, contracts: dict[str, Contract], sign: int) -> float:
        total = 0.0
        for symbol, contract in contracts.items():
            raw = await contract.read_one("balanceOf", self.agent)
            total += sign * raw / 10 ** self._decimals(symbol) * self._price(symbol)
        return total

    async def _gmx(self) -> float:
        store = self.manifest.contract("gmx.data_store")
        symbols = {info.address.lower(): s for s, info in self.manifest.tokens.items()}
        markets = {self.manifest.contract(f"gmx.market.{u}").lower(): u for u in ("ETH", "BTC")}
        (positions,) = await self.reader.read("getAccountPositions", store, self.agent, 0, 100)
        total = 0.0
        for addresses, numbers, flags in positions:
            collateral = symbols[addresses[2].lower()]
            price = self.stack.driver.state.prices[markets[addresses[1].lower()]]
            size_usd, size_tokens = numbers[0] / GMX_USD, numbers[1] / WAD
            pnl = size_tokens * price - size_usd if flags[0] else size_usd - size_tokens * price
            amount = numbers[2] / 10 ** self._decimals(collateral)
            total += amount * self._price(collateral) + pnl
        return total

    async def _option_pools(self) -> list[OptionPool]:
        if self.pools is None:
            self.pools = []
            for role in sorted(self.manifest.contracts):
                if role.startswith("premia.pool."):
                    pool = attach(self.chain, self.manifest, role)
                    _, _, _, strike, maturity, is_call = await pool.read("getPoolSettings")
                    self.pools.append(OptionPool(pool, strike / WAD, maturity, bool(is_call)))
        return self.pools

    async def _premia(self) -> float:
        """Longs at Black-Scholes; shorts as the collateral they lock less the option."""
        state = self.stack.driver.state
        spot, vol = state.prices["ETH"], state.implied_vols["ETH"]
        pools = await self._option_pools()
        balances = await self._option_balances(pools)
        total = 0.0
        for pool, (long, short) in zip(pools, balances, strict=True):
            if long == 0 and short == 0:
                continue
            years = max(pool.maturity - state.timestamp, 0) / SECONDS_PER_YEAR
            option = black_scholes(spot, pool.strike, years, vol, pool.is_call).price_usd
            locked = spot if pool.is_call else pool.strike
            total += long * option + short * (locked - option)
        return total

    async def _option_balances(self, pools: list[OptionPool]) -> list[tuple[float, float]]:
        """(long, short) contracts the agent holds in each pool, in one JSON-RPC batch."""
        calls = [
            (
                "eth_call",
                [{"to": pool.contract.address, "data": _hex(pool.contract.abi.encode(
                    "balanceOf", self.agent, side))}, "latest"],
            )
            for pool in pools
            for side in (LONG, SHORT)
        ]  # fmt: skip
        replies = await self.chain.rpc.batch(calls) if calls else []
        amounts = [int(str(reply), 16) / WAD for reply in replies]
        return list(zip(amounts[0::2], amounts[1::2], strict=True))

    def _deribit(self) -> float:
        assert self.stack.deribit is not None
        exchange = self.stack.deribit.exchange
        account = exchange.accounts[DERIBIT_CLIENT_ID]
        return math.fsum(
            exchange.figures(account, currency).equity * self._price(currency)
            for currency in exchange.currencies
        )

    def _hyperliquid(self) -> float:
        assert self.stack.hyperliquid is not None
        house = self.stack.hyperliquid.house
        user = house.users.get(self.agent.lower())
        return 0.0 if user is None else house.account_value(user)


def _hex(data: bytes) -> str:
    return "0x" + data.hex()
