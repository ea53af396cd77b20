"""The configuration's shape: frozen pydantic models, unknown keys refused.

Units are in field names (``_s`` seconds, ``_usd`` dollars, ``_coin`` units of the
underlying, ``_gwei`` gwei per gas, ``_bps`` basis points); ratios are fractions.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from agent.config.addresses import Address
from agent.config.health import Fraction, Frozen
from agent.config.health import HealthSettings as HealthSettings  # re-exported
from agent.config.health import JumpSettings as JumpSettings  # re-exported
from agent.config.leadership import LeadershipSettings
from agent.config.secrets import ExpandedPath, Secret, SecretUrl
from agent.config.venues import AaveVenue, GmxVenue, UniswapVenue, Venue
from agent.errors import ConfigError
from agent.execution.journal_db import BOOK_NAME, DEFAULT_BOOK, check_url, is_database_url
from agent.intents import KillState

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"


# --- chains -----------------------------------------------------------------------


class TokenSettings(Frozen):
    address: Address
    decimals: int = Field(ge=0, le=36)
    underlying: str


class GasSettings(Frozen):
    """EIP-1559 caps in gwei; the emergency caps apply only to risk-reducing work."""

    max_fee_gwei: PositiveFloat
    max_priority_fee_gwei: NonNegativeFloat
    emergency_max_fee_gwei: PositiveFloat
    emergency_max_priority_fee_gwei: NonNegativeFloat

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_priority_fee_gwei > self.max_fee_gwei:
            raise ValueError("max_priority_fee_gwei exceeds max_fee_gwei")
        if self.emergency_max_fee_gwei < self.max_fee_gwei:
            raise ValueError("emergency_max_fee_gwei is lower than max_fee_gwei")
        if self.emergency_max_priority_fee_gwei < self.max_priority_fee_gwei:
            raise ValueError("emergency_max_priority_fee_gwei is lower than max_priority_fee_gwei")
        return self


RemoteSignerApi = Literal["eth_signTransaction", "account_signTransaction"]


class AccountSettings(Frozen):
    """The key that signs on this chain, from exactly one source.

    ``private_key``: a raw key by reference (development). ``keystore``: an encrypted
    eth-account (Web3 Secret Storage) file, ``${NAME}`` expanded, unlocked with
    ``keystore_password``. ``remote_signer``: the URL of a signer that holds the key and
    answers ``remote_signer_api`` (``eth_signTransaction``: Web3Signer;
    ``account_signTransaction``: Clef), optionally behind a bearer
    ``remote_signer_token``; each call times out after ``remote_signer_timeout_s``.
    """

    address: Address
    private_key: Secret | None = None
    keystore: ExpandedPath | None = None
    keystore_password: Secret | None = None
    remote_signer: SecretUrl | None = None
    remote_signer_api: RemoteSignerApi = "eth_signTransaction"
    remote_signer_token: Secret | None = None
    remote_signer_timeout_s: PositiveFloat = 10.0

    @field_validator("keystore")
    @classmethod
    def _keystore_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"no keystore file at {path}")
        return path

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        sources = (self.private_key, self.keystore, self.remote_signer)
        if sum(source is not None for source in sources) != 1:
            raise ValueError("give exactly one of private_key, keystore or remote_signer")
        if self.keystore is not None and self.keystore_password is None:
            raise ValueError("a keystore needs keystore_password")
        if self.keystore is None and self.keystore_password is not None:
            raise ValueError("keystore_password is given without a keystore")
        if self.remote_signer is None and self.remote_signer_token is not None:
            raise ValueError("remote_signer_token is given without a remote_signer")
        return self


class ChainSettings(Frozen):
    chain_id: PositiveInt
    rpc_urls: Annotated[list[SecretUrl], Field(min_length=1)]
    account: AccountSettings
    gas: GasSettings
    tokens: dict[str, TokenSettings]
    multicall3: Address = MULTICALL3
    confirmations: PositiveInt = 1
    finality_depth: PositiveInt | None = None  # where the node has no `finalized` tag
    max_lag_blocks: PositiveInt = 5
    block_time_s: PositiveFloat | None = None  # None: the chain's known one, if any
    rpc_timeout_s: PositiveFloat = 10.0
    replace_after_s: PositiveFloat = 30.0


# --- what the agent keeps the book inside of ----------------------------------------


class BandSettings(Frozen):
    """The no-trade band around the delta target.

    ``fixed``: +-``half_width_coin``. ``whalley_wilmott``: the half-width in coin from
    the book's gamma (coin per USD) and the all-in proportional hedge cost k,
    (3/2 k S gamma^2 / risk_aversion_per_usd)^(1/3) with S in USD per coin and the
    risk aversion in 1/USD (Whalley and Wilmott, 1997), floored at ``half_width_coin``.
    """

    mode: Literal["fixed", "whalley_wilmott"] = "fixed"
    half_width_coin: PositiveFloat
    risk_aversion_per_usd: PositiveFloat = 1e-4


class UnderlyingSettings(Frozen):
    delta_target_coin: float = 0.0
    band: BandSettings
    hedge_to: Literal["edge", "target"] = "target"
    max_rebalance_interval_s: PositiveInt = 3_600
    max_slice_coin: PositiveFloat
    hedge_venues: Annotated[list[str], Field(min_length=1)]
    expected_holding_s: PositiveInt = 86_400


Severity = Literal["info", "warning", "critical"]


class WebhookSettings(Frozen):
    """One place alerts are posted to, in its own message format.

    ``url`` is a secret (Slack and Discord webhook URLs and Telegram bot URLs carry
    their credentials): give it as ``env:`` or ``file:``. Telegram posts to
    ``https://api.telegram.org/bot<token>/sendMessage`` and needs ``chat_id``. Only
    notices at ``min_severity`` or above are sent.
    """

    format: Literal["json", "slack", "discord", "telegram"]
    url: SecretUrl
    name: str | None = None
    chat_id: str | None = None
    min_severity: Severity = "warning"

    @model_validator(mode="after")
    def _telegram_chat(self) -> Self:
        if (self.format == "telegram") != (self.chat_id is not None):
            raise ValueError("chat_id is required for telegram and only for telegram")
        return self


class AlertDeliverySettings(Frozen):
    """How notices are delivered without ever holding up a tick.

    The same notice (same key) is repeated at most every ``repeat_after_s``; each
    webhook gets at most ``max_per_minute`` posts; at most ``queue_size`` notices
    wait (newer ones are dropped and counted when full); each post times out after
    ``timeout_s``. ``failure_streak`` consecutive failures (ticks, reads of one venue,
    intents) make a "repeated failures" notice.
    """

    repeat_after_s: PositiveFloat = 900.0
    max_per_minute: PositiveInt = 10
    queue_size: PositiveInt = 100
    timeout_s: PositiveFloat = 5.0
    failure_streak: PositiveInt = 3


class AlertSettings(Frozen):
    max_abs_gamma: dict[str, PositiveFloat] = Field(default_factory=dict)
    max_abs_vega_usd: dict[str, PositiveFloat] = Field(default_factory=dict)
    max_stress_loss_usd: PositiveFloat | None = None
    min_liquidation_distance: Fraction | None = None
    venue_greek_tolerance: PositiveFloat = 0.05
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    delivery: AlertDeliverySettings = Field(default_factory=AlertDeliverySettings)


class ExposureCapSettings(Frozen):
    max_usd: PositiveFloat
    max_fraction_of_book: float = Field(default=1.0, gt=0, le=1)


class LimitSettings(Frozen):
    """What the guard enforces on every intent.

    The stress gate (each off when unset): ``max_stress_loss_usd`` bounds the worst loss
    over the stress grid, ``min_liquidation_move`` the nearest move of an underlying
    (a fraction of spot) that liquidates any account, and
    ``max_loss_on_venue_failure_usd`` per venue what its failure would cost; an intent
    that would push past one, and further than the book already is, is refused.
    """

    max_notional_per_action_usd: PositiveFloat
    max_notional_per_hour_usd: PositiveFloat
    max_slippage: Fraction = 0.01
    max_reference_deviation: Fraction = 0.02
    max_input_age_s: PositiveFloat = 60.0
    max_intent_age_s: PositiveFloat = 30.0
    venue_caps: dict[str, ExposureCapSettings]
    protocol_caps: dict[str, ExposureCapSettings] = Field(default_factory=dict)
    max_stress_loss_usd: PositiveFloat | None = None
    min_liquidation_move: Fraction | None = None
    max_loss_on_venue_failure_usd: dict[str, PositiveFloat] = Field(default_factory=dict)


class KillSwitchSettings(Frozen):
    """Automatic triggers: each only tightens the state; only an operator loosens it."""

    on_stale_data: KillState = KillState.REDUCE_ONLY
    on_venue_down: KillState = KillState.REDUCE_ONLY
    venue_down_after_s: PositiveFloat = 60.0
    on_reconciliation_failure: KillState = KillState.HALTED
    max_consecutive_reverts: PositiveInt = 3
    on_reverts: KillState = KillState.HALTED
    max_drawdown_usd: PositiveFloat | None = None
    on_drawdown: KillState = KillState.REDUCE_ONLY


class AdminSettings(Frozen):
    socket: Path = Path("ballast-admin.sock")
    tcp_host: str | None = None
    tcp_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    tcp_token: Secret | None = None

    @model_validator(mode="after")
    def _tcp_needs_token(self) -> Self:
        if (self.tcp_port is not None) and self.tcp_token is None:
            raise ValueError("a TCP admin listener needs tcp_token")
        return self


def _journal_target(value: object) -> object:
    """A ``postgresql://`` URL (kept as text, no password in it) or a SQLite path."""
    if is_database_url(value):
        try:
            return check_url(str(value))
        except ConfigError as error:
            raise ValueError(str(error).removeprefix("agent.journal: ")) from None
    return Path(value) if isinstance(value, str) else value


JournalTarget = Annotated[Path | str, BeforeValidator(_journal_target)]


class AgentSettings(Frozen):
    """``journal`` is a SQLite file (the embedded default) or a ``postgresql://`` URL
    without a password (``journal_password`` gives it by reference); ``book`` names this
    daemon's book on a shared database (see agent.execution.journal_db).

    ``tick_on_new_blocks`` also starts a tick when the chain head moves (polled every
    ``block_poll_s``), but never sooner than ``min_tick_interval_s`` after the last.
    ``intent_wait_s``: how long a tick waits for an intent's outcome before following it
    in the background; with ``venue_timeout_s`` it bounds a healthy tick, so systemd's
    ``WatchdogSec`` must exceed their sum (checked at start-up)."""

    name: str = "ballast"
    book: Annotated[str, Field(pattern=BOOK_NAME.pattern)] = DEFAULT_BOOK
    tick_interval_s: PositiveFloat = 10.0
    tick_on_new_blocks: bool = False
    min_tick_interval_s: PositiveFloat = 2.0
    block_poll_s: PositiveFloat = 1.0
    journal: JournalTarget = Path("ballast-journal.sqlite")
    journal_password: Secret | None = None
    venue_timeout_s: PositiveFloat = 5.0
    intent_wait_s: PositiveFloat = 120.0

    @model_validator(mode="after")
    def _password_needs_a_database(self) -> Self:
        if self.journal_password is not None and isinstance(self.journal, Path):
            raise ValueError("journal_password is set but journal is a SQLite file, not a URL")
        return self


class Config(Frozen):
    """One Ballast deployment: its chains, venues, book rules, limits and controls."""

    agent: AgentSettings = Field(default_factory=AgentSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)
    chains: dict[str, ChainSettings] = Field(default_factory=dict)
    venues: dict[str, Venue]
    underlyings: dict[str, UnderlyingSettings]
    health: HealthSettings = Field(default_factory=HealthSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    limits: LimitSettings
    kill_switch: KillSwitchSettings = Field(default_factory=KillSwitchSettings)
    leadership: LeadershipSettings = Field(default_factory=LeadershipSettings)

    @model_validator(mode="after")
    def _one_chain_per_id(self) -> Self:
        ids = [chain.chain_id for chain in self.chains.values()]
        if len(set(ids)) != len(ids):
            raise ValueError(f"two chains share a chain_id: {sorted(ids)}")
        return self

    @model_validator(mode="after")
    def _references_exist(self) -> Self:
        for name, settings in self.venues.items():
            chain = getattr(settings, "chain", None)
            if chain is not None and chain not in self.chains:
                raise ValueError(f"venue {name!r} is on chain {chain!r}, which is not configured")
            if chain is not None:
                unknown = sorted(_token_symbols(settings) - set(self.chains[chain].tokens))
                if unknown:
                    raise ValueError(
                        f"venue {name!r} names tokens {unknown} that chains.{chain}.tokens lacks"
                    )
        for underlying, rules in self.underlyings.items():
            for name in rules.hedge_venues:
                if name not in self.venues:
                    raise ValueError(f"underlying {underlying!r} hedges on unknown venue {name!r}")
        limited: dict[str, Iterable[str]] = {
            "limits.venue_caps": self.limits.venue_caps,
            "limits.max_loss_on_venue_failure_usd": self.limits.max_loss_on_venue_failure_usd,
        }
        for where, names in limited.items():
            unknown = [name for name in names if name not in self.venues]
            if unknown:
                raise ValueError(f"{where} names unknown venue {unknown[0]!r}")
        return self


def _token_symbols(venue: BaseModel) -> set[str]:
    """The chain tokens a venue names by symbol."""
    if isinstance(venue, AaveVenue):
        return set(venue.assets)
    if isinstance(venue, UniswapVenue):
        return {symbol for pool in venue.pools for symbol in (pool.base, pool.quote)}
    if isinstance(venue, GmxVenue):
        return {
            symbol
            for market in venue.markets.values()
            for symbol in (market.index_token, market.long_token, market.short_token)
        }
    return set()
