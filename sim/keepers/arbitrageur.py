"""The arbitrageur: trades each Uniswap pool back toward the oracle price.

When a pool's price is further from the oracle than its fee tier plus a margin, it
swaps through the router with ``sqrtPriceLimitX96`` at the target price, so the pool
stops exactly there and takes only the input it needs. Full-range pools make the
required input a closed form: amount0 = L (1/t - 1/s), amount1 = L (t - s), with s and
t the current and target sqrt prices in raw units, grossed up by the fee.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.chain import Contract
from sim.deploy.base import UNDERLYING_TOKEN
from sim.manifest import Manifest
from sim.market import MarketState

Q96 = 2**96


@dataclass(frozen=True)
class ArbPool:
    pool: Contract
    base: str  # token symbol, e.g. WETH
    quote: str
    fee: int


class Arbitrageur:
    """A MarketListener that re-aligns pools with the oracle after every step."""

    def __init__(
        self,
        manifest: Manifest,
        contracts: dict[str, Contract],
        pools: list[ArbPool],
        *,
        margin: float = 0.001,
    ) -> None:
        self.manifest = manifest
        self.router = contracts["uniswap.router"]
        self.tokens = {symbol: contracts[f"token.{symbol}"] for symbol in manifest.tokens}
        self.pools = pools
        self.margin = margin
        self.account = manifest.accounts["arbitrageur"]
        self.trades = 0
        self.enabled = True
        self._approved = False

    async def on_market(self, state: MarketState) -> None:
        if not self.enabled:
            return
        if not self._approved:
            for token in self.tokens.values():
                await token.send("approve", self.router.address, 2**256 - 1, sender=self.account)
            self._approved = True
        for arb in self.pools:
            underlying = next(u for u, t in UNDERLYING_TOKEN.items() if t == arb.base)
            await self.align(arb, state.prices[underlying])

    def _raw_sqrt_target(self, arb: ArbPool, price_usd: float) -> float:
        """sqrt(token1 raw per token0 raw) at ``price_usd`` per base coin."""
        base, quote = self.manifest.tokens[arb.base], self.manifest.tokens[arb.quote]
        raw_quote_per_base = price_usd * 10 ** (quote.decimals - base.decimals)
        base_is_token0 = int(base.address, 16) < int(quote.address, 16)
        return math.sqrt(raw_quote_per_base if base_is_token0 else 1 / raw_quote_per_base)

    async def align(self, arb: ArbPool, oracle_price: float) -> bool:
        """Swap ``arb`` toward ``oracle_price``; True if a trade was made."""
        sqrt_price_x96 = (await arb.pool.read("slot0"))[0]
        liquidity = await arb.pool.read_one("liquidity")
        current = sqrt_price_x96 / Q96
        target = self._raw_sqrt_target(arb, oracle_price)
        if abs((target / current) ** 2 - 1) <= arb.fee / 1e6 + self.margin:
            return False
        token0 = await arb.pool.read_one("token0")
        token1 = await arb.pool.read_one("token1")
        fee_factor = 1 - arb.fee / 1e6
        if target < current:  # sell token0 into the pool
            token_in, token_out = token0, token1
            amount_in = liquidity * (1 / target - 1 / current) / fee_factor
        else:
            token_in, token_out = token1, token0
            amount_in = liquidity * (target - current) / fee_factor
        params = (
            token_in,
            token_out,
            arb.fee,
            self.account,
            int(amount_in * 1.01) + 1,
            0,
            int(target * Q96),
        )
        await self.router.send(
            "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
            params,
            sender=self.account,
        )
        self.trades += 1
        return True
