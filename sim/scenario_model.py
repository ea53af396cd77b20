"""Scenario files: what ``ballast simulate`` runs, as frozen, validated models.

A scenario is one TOML file (see README, "Scenarios"): the initial book (``BookPlan``
fields), a market path (keyframes of price and implied vol in chain time, GBM with
jumps from a seed, or a CSV replay), funding and borrow regimes, faults with their
times, agent config overrides, the duration and the step, and what the scenario is
meant to do to a book nobody hedges. Times are seconds of chain time since the start.
Unknown keys are refused; every error names the file and the field.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    model_validator,
)

from agent.config.health import Frozen
from agent.errors import ConfigError
from sim.book_plan import BookPlan
from sim.deploy.base import INITIAL_IMPLIED_VOLS, INITIAL_PRICES
from sim.paths import GbmJumpPath, JumpDiffusion, Keyframe, KeyframePath, MarketPath, MarketPoint
from sim.paths import csv_path as read_csv_path
from sim.scenario_faults import FAULT_KINDS, BorrowChange, Fault, FundingChange

# Underlyings the local world prices (oracles, pools, venue books); a path that leaves
# one out holds it at the world's initial price and vol.
WORLD_UNDERLYINGS = ("BTC", "ETH")
# A fixed chain time to start from (a Monday, 00:00 UTC), so that maturities, funding
# and interest are the same on every run: scenarios never start at the wall clock.
DEFAULT_START = datetime(2025, 1, 6, tzinfo=UTC)
VENUES = Literal["aave", "gmx", "deribit", "hyperliquid"]


class BookSpec(Frozen):
    """The book seeded before the agent starts: ``sim.book_plan.BookPlan``'s fields (coin or
    token amounts; ``call_strike`` in USD) and the exchange accounts' opening cash
    (Deribit's ETH and USDC accounts, Hyperliquid's USDC)."""

    deribit_eth: NonNegativeFloat = 100.0
    deribit_usdc: NonNegativeFloat = 100_000.0
    hyperliquid_usdc: NonNegativeFloat = 500_000.0

    wallet_weth: NonNegativeFloat = BookPlan.wallet_weth
    wallet_usdc: NonNegativeFloat = BookPlan.wallet_usdc
    aave_supply_weth: NonNegativeFloat = BookPlan.aave_supply_weth
    aave_borrow_usdc: NonNegativeFloat = BookPlan.aave_borrow_usdc
    deribit_short_calls: NonNegativeFloat = BookPlan.deribit_short_calls
    premia_short_calls: NonNegativeFloat = BookPlan.premia_short_calls
    hyperliquid_short: NonNegativeFloat = BookPlan.hyperliquid_short
    gmx_short: NonNegativeFloat = BookPlan.gmx_short
    call_strike: PositiveFloat = BookPlan.call_strike

    def plan(self) -> BookPlan:
        return BookPlan(
            wallet_weth=self.wallet_weth,
            wallet_usdc=self.wallet_usdc,
            aave_supply_weth=self.aave_supply_weth,
            aave_borrow_usdc=self.aave_borrow_usdc,
            deribit_short_calls=self.deribit_short_calls,
            premia_short_calls=self.premia_short_calls,
            hyperliquid_short=self.hyperliquid_short,
            gmx_short=self.gmx_short,
            call_strike=self.call_strike,
        )


# --- market paths -------------------------------------------------------------------


class KeyframeSpec(Frozen):
    """Prices (USD) and implied vols (annualised, 0.6 = 60%) at ``at_s``; an underlying
    left out keeps the previous keyframe's value (the world's initial one at first)."""

    at_s: NonNegativeFloat
    prices: dict[str, PositiveFloat] = Field(default_factory=dict)
    implied_vols: dict[str, PositiveFloat] = Field(default_factory=dict)


class KeyframeMarket(Frozen):
    """Linear interpolation between keyframes; flat after the last one."""

    kind: Literal["keyframes"]
    keyframes: list[KeyframeSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        times = [frame.at_s for frame in self.keyframes]
        if any(later <= earlier for earlier, later in pairwise(times)):
            raise ValueError("keyframes must be in strictly increasing at_s order")
        return self

    def path(self, base_dir: Path, duration_s: float, seed: int) -> MarketPath:
        prices = {u: INITIAL_PRICES[u] for u in WORLD_UNDERLYINGS}
        vols = {u: INITIAL_IMPLIED_VOLS[u] for u in WORLD_UNDERLYINGS}
        frames = []
        for spec in self.keyframes:
            prices = {**prices, **spec.prices}
            vols = {**vols, **spec.implied_vols}
            frames.append(Keyframe(spec.at_s, dict(prices), dict(vols)))
        return KeyframePath(frames)


class GbmUnderlying(Frozen):
    """Merton jump-diffusion, annualised: ``vol`` of the diffusion, ``jumps_per_year``
    jumps of log size N(``jump_mean``, ``jump_std``); ``implied_vol`` quoted by the
    option venues (defaults to ``vol``)."""

    spot: PositiveFloat
    vol: PositiveFloat
    drift: float = 0.0
    jumps_per_year: NonNegativeFloat = 0.0
    jump_mean: float = 0.0
    jump_std: NonNegativeFloat = 0.0
    implied_vol: PositiveFloat | None = None


class GbmMarket(Frozen):
    """GBM with jumps from the scenario's seed (``--seed`` overrides it), simulated on a
    ``grid_s`` grid."""

    kind: Literal["gbm"]
    grid_s: PositiveFloat = 10.0
    underlyings: dict[str, GbmUnderlying] = Field(min_length=1)

    def path(self, base_dir: Path, duration_s: float, seed: int) -> MarketPath:
        parameters = {
            name: JumpDiffusion(
                spot=u.spot,
                vol=u.vol,
                drift=u.drift,
                jumps_per_year=u.jumps_per_year,
                jump_mean=u.jump_mean,
                jump_std=u.jump_std,
                implied_vol=u.implied_vol,
            )
            for name, u in sorted(self.underlyings.items())
        }
        return GbmJumpPath(parameters, duration_s=duration_s, seed=seed, grid_s=self.grid_s)


class CsvMarket(Frozen):
    """A replay of ``file`` (relative to the scenario file): columns ``t_s``, then per
    underlying ``<NAME>`` (price, USD) and optionally ``<NAME>_iv``."""

    kind: Literal["csv"]
    file: str

    def path(self, base_dir: Path, duration_s: float, seed: int) -> MarketPath:
        return read_csv_path(base_dir / self.file)


Market = Annotated[KeyframeMarket | GbmMarket | CsvMarket, Field(discriminator="kind")]


class CompletedPath:
    """A path with every world underlying: the ones it leaves out held at the world's
    initial price and implied vol."""

    def __init__(self, path: MarketPath) -> None:
        self._path = path
        self._missing = [u for u in WORLD_UNDERLYINGS if u not in path.underlyings]

    @property
    def underlyings(self) -> Sequence[str]:
        return sorted([*self._path.underlyings, *self._missing])

    def at(self, elapsed_s: float) -> MarketPoint:
        point = self._path.at(elapsed_s)
        prices = {**{u: INITIAL_PRICES[u] for u in self._missing}, **point.prices}
        vols = {**{u: INITIAL_IMPLIED_VOLS[u] for u in self._missing}, **point.implied_vols}
        return MarketPoint(prices, vols)


class ShortVersion(Frozen):
    """The quick version the test suite runs (``ballast simulate --short``): the same
    file cut to ``duration_s`` and stepped every ``step_s``."""

    duration_s: PositiveInt
    step_s: PositiveInt


class Expectation(Frozen):
    """What the scenario is meant to do to the book when nobody hedges it."""

    liquidations_without_agent: list[VENUES] = Field(default_factory=list)


class Scenario(Frozen):
    """One scenario file. ``agent`` is merged into the local world's config document
    (config/local.toml), e.g. ``[agent.underlyings.ETH.band]``."""

    name: str = Field(min_length=1)
    description: str = ""
    duration_s: PositiveInt
    step_s: PositiveInt
    seed: NonNegativeInt = 0
    start: AwareDatetime = DEFAULT_START
    book: BookSpec = Field(default_factory=BookSpec)
    market: Market
    # Order-book depth of the venue simulators, a multiple of their normal depth
    # (sim/venues/depth.py); under 1 a crash meets thin books and orders fill partially.
    liquidity: PositiveFloat = 1.0
    funding: list[FundingChange] = Field(default_factory=list)
    borrow: list[BorrowChange] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list)
    agent: dict[str, Any] = Field(default_factory=dict)
    expect: Expectation = Field(default_factory=Expectation)
    short: ShortVersion | None = None

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.step_s > self.duration_s:
            raise ValueError("step_s is longer than duration_s")
        if self.short is not None and self.short.step_s > self.short.duration_s:
            raise ValueError("short.step_s is longer than short.duration_s")
        return self

    @property
    def steps(self) -> int:
        """Market steps of ``step_s`` after the first tick (the last may be shorter)."""
        return math.ceil(self.duration_s / self.step_s)

    def shortened(self, steps: int = 8) -> Scenario:
        """The quick version: the file's ``[short]`` table, else the whole duration in
        about ``steps`` steps."""
        if self.short is not None:
            update = {"duration_s": self.short.duration_s, "step_s": self.short.step_s}
        else:
            update = {"step_s": min(max(math.ceil(self.duration_s / steps), 1), self.duration_s)}
        return self.model_copy(update=update)

    def market_path(self, base_dir: Path, seed: int | None = None) -> MarketPath:
        """The path every venue follows, with every world underlying priced."""
        chosen = self.seed if seed is None else seed
        return CompletedPath(self.market.path(base_dir, self.duration_s, chosen))


_BRANCH_TAGS = frozenset({"keyframes", "gbm", "csv", *FAULT_KINDS})


def _field(location: Sequence[int | str]) -> str:
    """Dotted path of a field as written in the file (``faults[1].until_s``), without
    the discriminated unions' branch tags pydantic puts in its locations."""
    parts: list[str] = []
    for index, part in enumerate(location):
        previous = location[index - 1] if index else None
        in_faults = isinstance(previous, int) and index >= 2 and location[index - 2] == "faults"
        if part in _BRANCH_TAGS and (previous == "market" or in_faults):
            continue
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)


def validate_scenario(document: Mapping[str, Any], *, source: str) -> Scenario:
    """Validate a parsed scenario; every problem is listed, each with its field."""
    try:
        return Scenario.model_validate(document)
    except ValidationError as error:
        problems = [f"{source}:{_field(e['loc'])}: {e['msg']}" for e in error.errors()]
        raise ConfigError(
            f"{len(problems)} problem(s)\n  " + "\n  ".join(problems),
            field=_field(error.errors()[0]["loc"]),
        ) from None


def load_scenario(path: Path) -> Scenario:
    """Read, validate and try the market path of one scenario file."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read scenario: {error.strerror}", source=str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML: {error}", source=str(path)) from None
    scenario = validate_scenario(document, source=str(path))
    try:
        scenario.market_path(path.parent)
    except ConfigError as error:
        if error.source:
            raise
        raise ConfigError(str(error), source=str(path), field="market") from None
    return scenario
