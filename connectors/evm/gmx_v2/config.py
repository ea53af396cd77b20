"""Where a GMX v2 deployment is and which of its markets the connector trades."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agent.errors import ConfigError
from connectors.evm.tokens import TokenConfig


@dataclass(frozen=True)
class GmxAddresses:
    """The contracts the connector calls. Users approve ``router`` (the Router, not the
    ExchangeRouter); collateral and execution fees go to ``order_vault``."""

    exchange_router: str
    router: str
    order_vault: str
    reader: str
    data_store: str
    event_emitter: str

    @classmethod
    def from_roles(cls, contracts: Mapping[str, str], prefix: str = "gmx.") -> GmxAddresses:
        """From a role -> address mapping such as the local world's manifest contracts
        (``gmx.exchange_router``, ``gmx.router``, ...)."""
        try:
            return cls(**{field: contracts[prefix + field] for field in cls.__dataclass_fields__})
        except KeyError as missing:
            raise ConfigError(f"no GMX contract {missing} in the deployment") from None


@dataclass(frozen=True)
class GmxMarketConfig:
    """One GMX v2 market (``address`` is its market token) and the collateral the connector
    posts for new positions (default: the short token, a stablecoin)."""

    address: str
    underlying: str
    index_token: TokenConfig
    long_token: TokenConfig
    short_token: TokenConfig
    collateral: TokenConfig | None = None

    @property
    def collateral_token(self) -> TokenConfig:
        return self.collateral or self.short_token

    def token(self, address: str) -> TokenConfig:
        for token in (self.long_token, self.short_token, self.index_token):
            if token.address.lower() == address.lower():
                return token
        raise ConfigError(f"{address} is not a token of GMX market {self.address}")


@dataclass(frozen=True)
class PriceFeed:
    """GMX's Chainlink feed of one token (DataStore PRICE_FEED keys): GMX price =
    answer * multiplier / 1e30, stale after ``heartbeat_s``."""

    address: str
    multiplier: int
    heartbeat_s: int


@dataclass(frozen=True)
class GasConfig:
    """The DataStore gas keys that set the minimum execution fee (GasUtils)."""

    base: int
    per_oracle_price: int
    multiplier_factor: int
    increase_order: int
    decrease_order: int

    def execution_gas(self, is_increase: bool, oracle_prices: int = 3) -> int:
        """GasUtils.estimateExecuteOrderGasLimit + the base: what the fee must cover."""
        limit = self.increase_order if is_increase else self.decrease_order
        return (
            self.base
            + self.per_oracle_price * oracle_prices
            + limit * self.multiplier_factor // 10**30
        )
