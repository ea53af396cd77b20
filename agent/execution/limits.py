"""The guard's limits: one frozen, validated object (the config issue maps TOML onto it).

Units are in the field names: ``_usd`` in US dollars, ``_wei`` in wei per gas, ``_s``
in seconds; fractions are plain ratios (0.01 = 1 %).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Self, TypeVar

from eth_utils.abi import function_signature_to_4byte_selector
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

PLAIN_TRANSFER = ""  # the allowlist's name for a call with empty calldata (ETH transfer)


K = TypeVar("K")
V = TypeVar("V")


def _frozen_mapping(value: Mapping[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(value))


def _normalise_allowlist(value: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
    normalised: dict[str, frozenset[str]] = {}
    for address, functions in value.items():
        if not (address.startswith("0x") and len(address) == 42):
            raise ValueError(f"allowlist key {address!r} is not a 20-byte hex address")
        normalised[address.lower()] = frozenset(f.replace(" ", "") for f in functions)
    return MappingProxyType(normalised)


def selector(function: str) -> bytes:
    """The 4-byte selector of a function signature; empty for a plain transfer."""
    if function == PLAIN_TRANSFER:
        return b""
    return function_signature_to_4byte_selector(function)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExposureCap(_Frozen):
    """Largest exposure allowed on one venue or protocol: the lower of both bounds."""

    max_usd: PositiveFloat
    max_fraction_of_book: float = Field(gt=0, le=1)

    def cap_usd(self, book_value_usd: float) -> float:
        """The binding cap in USD for a book worth ``book_value_usd``."""
        return min(self.max_usd, self.max_fraction_of_book * max(book_value_usd, 0.0))


class GasCaps(_Frozen):
    """EIP-1559 fee caps in wei per gas."""

    max_fee_per_gas_wei: PositiveInt
    max_priority_fee_per_gas_wei: NonNegativeInt

    @model_validator(mode="after")
    def _priority_within_max(self) -> Self:
        if self.max_priority_fee_per_gas_wei > self.max_fee_per_gas_wei:
            raise ValueError("max_priority_fee_per_gas_wei exceeds max_fee_per_gas_wei")
        return self


FrozenCaps = Annotated[Mapping[str, ExposureCap], AfterValidator(_frozen_mapping)]
FrozenNames = Annotated[Mapping[str, str], AfterValidator(_frozen_mapping)]
Allowlist = Annotated[Mapping[str, frozenset[str]], AfterValidator(_normalise_allowlist)]


class GuardLimits(_Frozen):
    """Everything the guard enforces, independently of the policy.

    ``venue_caps`` must name every venue the agent may act on (unknown venues are
    refused); ``protocol_of_venue`` groups venues under a protocol capped by
    ``protocol_caps``. ``allowlist`` maps a contract address to the function
    signatures that may be called on it (``PLAIN_TRANSFER`` for empty calldata).
    ``emergency_gas`` applies only to risk-reducing intents and must not be lower
    than ``gas``. ``chain_gas`` holds (gas, emergency_gas) per chain id where a chain's
    caps differ from the default pair (Ethereum's gwei are not Arbitrum's).
    """

    max_notional_per_action_usd: PositiveFloat
    max_notional_per_hour_usd: PositiveFloat
    venue_caps: FrozenCaps
    protocol_caps: FrozenCaps = Field(default_factory=dict)
    protocol_of_venue: FrozenNames = Field(default_factory=dict)
    max_slippage: float = Field(gt=0, lt=1)
    max_reference_deviation: float = Field(gt=0, lt=1)
    gas: GasCaps
    emergency_gas: GasCaps
    chain_gas: Mapping[int, tuple[GasCaps, GasCaps]] = Field(default_factory=dict)
    allowlist: Allowlist = Field(default_factory=dict)
    max_input_age_s: PositiveFloat
    max_intent_age_s: PositiveFloat
    native_asset: str = "ETH"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for normal, emergency in [(self.gas, self.emergency_gas), *self.chain_gas.values()]:
            if (
                emergency.max_fee_per_gas_wei < normal.max_fee_per_gas_wei
                or emergency.max_priority_fee_per_gas_wei < normal.max_priority_fee_per_gas_wei
            ):
                raise ValueError("emergency_gas must not be lower than gas")
        for venue, protocol in self.protocol_of_venue.items():
            if protocol not in self.protocol_caps:
                raise ValueError(f"venue {venue!r}: protocol {protocol!r} has no cap")
        return self

    def gas_caps(self, *, emergency: bool, chain_id: int | None = None) -> GasCaps:
        """The emergency caps for risk-reducing work, the normal caps otherwise: the
        chain's own when ``chain_gas`` has them."""
        pair = self.chain_gas.get(chain_id) if chain_id is not None else None
        normal, urgent = pair or (self.gas, self.emergency_gas)
        return urgent if emergency else normal
