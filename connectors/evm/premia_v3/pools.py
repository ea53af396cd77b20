"""Premia v3 pools as the connector is configured with them, and reading that config
from the pools themselves (getPoolSettings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from agent.errors import ConfigError
from agent.ports import Call, ChainReader
from connectors.evm.abi import ContractAbi
from connectors.evm.tokens import TokenConfig
from connectors.evm.venue import require

POOL = ContractAbi.load("IPremiaV3Pool")
FACTORY = ContractAbi.load("IPremiaV3PoolFactory")
WAD = 10**18  # UD60x18: sizes, strikes, prices and vols are 18-decimal fixed point


@dataclass(frozen=True)
class OptionPoolConfig:
    """One pool: ``strike`` in quote per base, ``maturity`` unix seconds (08:00 UTC),
    ``quote_size`` the contracts quoted each way per tick."""

    address: str
    underlying: str
    base: TokenConfig
    quote: TokenConfig
    strike: float
    maturity: int
    is_call: bool
    quote_size: float = 1.0

    @property
    def collateral(self) -> TokenConfig:
        """The pool token: base for calls, quote for puts."""
        return self.base if self.is_call else self.quote

    @property
    def strike_wad(self) -> int:
        return int(Fraction(self.strike) * WAD)


async def read_pools(
    reader: ChainReader,
    addresses: Sequence[str],
    tokens: Sequence[TokenConfig],
    *,
    quote_size: float = 1.0,
    factory: str | None = None,
) -> list[OptionPoolConfig]:
    """Pool configs from their own getPoolSettings (one batch); ``tokens`` must include
    every base and quote (their ``underlying`` names the pool's underlying). With
    ``factory``, each address must be one of its pools (PoolFactory.isPool, same batch):
    a look-alike contract answering getPoolSettings is refused."""
    by_address = {t.address.lower(): t for t in tokens}
    calls = [Call(a, POOL.encode("getPoolSettings")) for a in addresses]
    if factory is not None:
        calls += [Call(factory, FACTORY.encode("isPool", a)) for a in addresses]
    _, results = await reader.read(calls)
    for address, result in zip(addresses, results[len(addresses) :], strict=False):
        if not FACTORY.decode_one("isPool", require(result, f"PoolFactory.isPool({address})")):
            raise ConfigError(f"premia pool {address} is not a pool of factory {factory}")
    pools = []
    for address, result in zip(addresses, results[: len(addresses)], strict=True):
        base, quote, _, strike, maturity, is_call = POOL.decode(
            "getPoolSettings", require(result, f"{address} getPoolSettings")
        )
        if base.lower() not in by_address or quote.lower() not in by_address:
            raise ConfigError(f"premia pool {address} trades unknown tokens {base}/{quote}")
        base_token = by_address[base.lower()]
        pools.append(
            OptionPoolConfig(
                address, base_token.underlying, base_token, by_address[quote.lower()],
                float(Fraction(strike, WAD)), maturity, bool(is_call), quote_size,
            )
        )  # fmt: skip
    return pools
