"""Vol-aware health: each account's probability of liquidation within a horizon, and
the health it acts at and restores to.

Every account's health is modelled as a function of one relative move s of all the
non-pegged underlyings it holds, moving together (crypto sells off together; the
stress grid makes the same assumption)::

    H(s) = (A + a s) / (R + r s)

Lending (Aave): A = N the threshold-weighted collateral, a its part in volatile assets;
R = D the debt, r its volatile part (both linear in the price). Margin: A = E the
equity, a = sum q_k P_k over perps and futures (plus the equity itself when the
account is margined in the coin); R = M the maintenance margin, r = M (maintenance is
a rate on notional). Options inside a margin account are left out of a (their delta
is not in the policy's input); the risk engine's full revaluation covers them in the
stress grid.

Liquidation is H(s*) = 1: s* = (R - A) / (a - r), a fall when s* < 0, a rise when
s* > 0. Its probability within the horizon is the first passage of the price to
(1 + s*) times spot (``agent.risk.liquidation_probability``): closed form under GBM, or
Merton's jump diffusion by seeded Monte Carlo (each path's extremes drawn once per
vol, so any level's probability and any probability's level come from one run). The
vol is the larger of the underlyings' implied and realized vols (the largest over the
account's underlyings).

The health an account must have for a probability p: the log-distance L with
P(touch e^-L) = p (or e^L upwards) is found by bisection (the probability falls
monotonically with L; it depends only on vol, horizon and direction, so it is solved
once per tick per vol, not per account), and turned into the health now whose
liquidation lies at that move:

- lending keeps the shares a/A and r/R (exact when collateral and debt are each all
  volatile or all stable, the common ETH-collateral, USDC-debt loan: a repay or a
  supply changes only the amount): H = (1 + (r/R) s) / (1 + (a/A) s);
- margin keeps a and r/R: adding collateral leaves them, and cutting a position
  scales a and R alike, so H = E/M = (1 + s) - (a / M) s is exact for both repairs
  (fees aside).

Projected health. The probability alone rarely acts before the static trigger: with
an hour's horizon a 0.1% ceiling is passed at health 1.3 only above ~750% vol, so in a
crash that takes hours the static trigger still decides, and the account is repaired
only once it is under it. A careful operator keeps the floors themselves out of reach
of a plausible move: the health the account would have after a ``projection_sigmas``
move of its underlyings over the horizon (log move k sigma sqrt(T) at the account's
vol, against it) must stay at or above the static trigger, and a repair restores the
health whose projection is the static target. The realized vol is zero-mean (a trend
counts as variance), so in a steady selloff sigma carries the trend: with ticks dt
apart, k sigma sqrt(T) covers the next tick's trend move whenever k^2 T >= dt (3
sigma over an hour: ticks up to nine hours apart). Three sigma is a move the price
ends beyond with probability 0.13% under normality, the order of the 0.1% ceiling;
in a calm market (65% vol) it raises 1.3 / 1.6 to about 1.33 / 1.63.

The account acts when its probability passes ``max_liquidation_probability``, its
projected health the static trigger, or its health the static trigger, and restores to
the largest of the static target, the health for ``target_liquidation_probability``
and the health whose projection is the static target (capped at ``max_*_target``).
``cause`` says which rule acts (the static trigger first, then the probability).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from agent.config.models import HealthSettings
from agent.model import Kind
from agent.policy.inputs import LendingAccount, MarginAccount
from agent.policy.probability_model import ProbabilityModel as ProbabilityModel  # re-exported
from agent.slots import draft_class


class Exposure(NamedTuple):
    """H(s) = (assets + moving_assets s) / (requirement + moving_requirement s), USD.

    A named tuple: one is made per account a tick, and it is never pickled."""

    assets: float
    moving_assets: float
    requirement: float
    moving_requirement: float
    lending: bool

    @property
    def health(self) -> float:
        if self.requirement <= 0:
            return math.inf
        return self.assets / self.requirement

    def liquidation_move(self) -> float | None:
        """s* with H(s*) = 1 inside (-1, inf); 0.0 when liquidatable now; None: never."""
        return liquidation_move(*self[:4])

    def health_for(self, move: float, level: float = 1.0) -> float:
        """The health now at which this account's health after ``move`` is ``level``
        (1: its liquidation lies at ``move``)."""
        if self.lending:
            asset_share = self.moving_assets / self.assets if self.assets > 0 else 0.0
            debt_share = self.moving_requirement / self.requirement
            return level * (1.0 + debt_share * move) / (1.0 + asset_share * move)
        return level * (1.0 + move) - self.moving_assets / self.requirement * move

    def health_after(self, move: float) -> float:
        """H(move): the health once the moving underlyings moved by ``move``."""
        requirement = self.requirement + self.moving_requirement * move
        if requirement <= 0:
            return math.inf
        return (self.assets + self.moving_assets * move) / requirement


def liquidation_move(
    assets: float, moving_assets: float, requirement: float, moving_requirement: float
) -> float | None:
    """``Exposure.liquidation_move`` of these terms (see ``Exposure``)."""
    if requirement <= 0:
        return None
    if assets < requirement:
        return 0.0
    slope = moving_assets - moving_requirement
    if slope == 0:
        return None
    move = (requirement - assets) / slope
    return move if move > -1.0 else None


def lending_figures(
    accounts: Iterable[LendingAccount], vols: Mapping[str, float]
) -> Iterator[tuple[Exposure, float | None, float]]:
    """Each lending account's exposure, vol and health factor (``lending_terms``)."""
    for account in accounts:
        assets, moving_assets, debt, moving_debt, vol, ours = lending_terms(account, vols)
        yield Exposure(assets, moving_assets, debt, moving_debt, True), vol, ours


def weighted_collateral_usd(account: LendingAccount) -> float:
    """N: collateral at liquidation-threshold weight, USD."""
    return math.fsum(
        [
            a.supplied * a.price_usd * a.liquidation_threshold
            for a in account.assets
            if a.collateral_enabled
        ]
    )


def debt_usd(account: LendingAccount) -> float:
    """D: all debt, USD."""
    return math.fsum([a.debt * a.price_usd for a in account.assets])


def lending_terms(
    account: LendingAccount, vols: Mapping[str, float]
) -> tuple[float, float, float, float, float | None, float]:
    """The lending account's exposure terms (``Exposure``'s first four), vol
    (``account_vol`` of the underlyings it holds) and health factor
    (``agent.policy.health.health_factor``, the same float: N and D summed with
    ``math.fsum``), from one pass over its assets; ``vols`` maps the moving underlyings
    to their vol. Called for each of a tick's hundreds of accounts."""
    assets = moving_assets = debt = moving_debt = 0.0
    weighted_terms = owed_terms = 0  # N's and D's nonzero terms
    held = None  # the first underlying held that has a vol
    several = False  # whether another one is held too
    for asset in account.assets:
        underlying, price, owed_tokens = asset.underlying, asset.price_usd, asset.debt
        moving = underlying in vols
        # The sums start at +0.0 and never turn -0.0, so a moving part skips the +0.0
        # it would add for a stable asset: the same floats.
        if asset.collateral_enabled:
            weighted = asset.supplied * price * asset.liquidation_threshold
            assets += weighted
            weighted_terms += weighted != 0
            if moving:
                moving_assets += weighted
        owed = owed_tokens * price
        debt += owed
        owed_terms += owed != 0
        if moving:
            moving_debt += owed
            if underlying and (asset.supplied or owed_tokens):
                if held is None:
                    held = underlying
                elif underlying != held:
                    several = True
    # account_vol: one underlying held is its vol (the max of one value); several go
    # through account_vol over the very set it is given elsewhere (ties, NaNs).
    vol = None if held is None else vols[held]
    if several:
        vol = account_vol(held_underlyings(account), vols)
    ours = _health_factor(account, assets, debt, max(weighted_terms, owed_terms))
    return assets, moving_assets, debt, moving_debt, vol, ours


def _health_factor(account: LendingAccount, assets: float, debt: float, terms: int) -> float:
    """``agent.policy.health.health_factor(account)`` (N and D by ``math.fsum``) from the
    running sums ``assets`` and ``debt`` of N's and D's terms in order, of which at most
    ``terms`` a side are nonzero: with two or fewer and a finite sum, that sum is fsum's
    (one correctly rounded addition; adding 0.0 changes nothing), else fsum sums again."""
    if terms <= 2 and assets < math.inf and debt < math.inf:
        return math.inf if debt <= 0 else assets / debt
    owed = debt_usd(account)
    return math.inf if owed <= 0 else weighted_collateral_usd(account) / owed


def held_underlyings(account: LendingAccount) -> set[str]:
    """The underlyings a lending account holds (supplied or owed)."""
    return {a.underlying for a in account.assets if a.underlying and (a.supplied or a.debt)}


def lending_exposure(account: LendingAccount, volatile: Mapping[str, float]) -> Exposure:
    """The lending account's exposure; ``volatile`` maps the moving underlyings to vol."""
    return next(lending_figures((account,), volatile))[0]


def margin_exposure(account: MarginAccount, volatile: Mapping[str, float]) -> Exposure:
    """The margin account's exposure (perps and futures; see the module docstring)."""
    return margin_figures(account, volatile)[0]


# The kinds whose notional moves with the underlying in a margin account's exposure; a
# tuple, whose ``in`` is an identity test first (an Enum's hash is Python code).
_LINEAR = (Kind.PERP, Kind.FUTURE)


def margin_figures(
    account: MarginAccount, volatile: Mapping[str, float]
) -> tuple[Exposure, float | None]:
    """The margin account's exposure (``margin_exposure``) and vol (``account_vol`` of
    its positions' underlyings, and of its own coin when margined in it), from one pass
    over its positions; ``volatile`` maps the moving underlyings to their vol."""
    held: set[str] = set()
    moving_usd: list[float] = []  # the moving perps' and futures' notionals, summed by ``sum``
    for position in account.positions:
        instrument = position.instrument
        underlying = instrument.underlying
        held.add(underlying)
        if underlying in volatile and instrument.kind in _LINEAR:
            moving_usd.append(position.quantity * position.mark_price_usd)
    moving = sum(moving_usd)
    coin = account.account
    if coin is not None and coin in volatile:  # margined in the coin (Deribit's ETH account)
        moving += account.equity_usd
        held.add(coin)
    maintenance = account.maintenance_margin_usd
    exposure = Exposure(account.equity_usd, moving, maintenance, maintenance, False)
    return exposure, account_vol(held, volatile)


def account_vol(underlyings: set[str], vols: Mapping[str, float]) -> float | None:
    """The largest vol among ``underlyings`` (None when none of them moves)."""
    known = [vols[u] for u in underlyings if u in vols]
    return max(known) if known else None


@dataclass(frozen=True, slots=True)
class Steering:
    """One account's vol-aware health: now, its probability of liquidation within the
    horizon, the level it acts at (``trigger``) and the one it restores to (``target``).

    ``health`` is the health factor (lending) or equity / maintenance (margin);
    ``liquidation_move`` the relative move of its underlyings that liquidates it
    (None: no move does); ``vol`` the annual vol used (None: nothing volatile held).
    ``projected_health`` the health after the adverse ``projection_sigmas`` move over
    the horizon (None: not projected). ``acting``: some rule says act this tick, named
    by ``cause`` (``"trigger"``, ``"probability"`` or ``"projection"``; "" when not).
    ``market_priced``: the doubted feeds (``"ETH: oracle_stale"``) whose assets this
    account is assessed at on the venues' prices, the worse of theirs and the
    protocol's (``agent.policy.oracle_doubt``); every figure here is then that health.
    """

    account: str
    kind: str  # "lending" or "margin"
    health: float
    vol: float | None
    liquidation_move: float | None
    probability: float
    trigger: float
    target: float
    acting: bool
    projected_health: float | None = None
    cause: str = ""
    market_priced: tuple[str, ...] = ()


_SteeringDraft = draft_class(Steering)
_new = object.__new__


def steer(
    name: str,
    exposure: Exposure,
    vol: float | None,
    settings: HealthSettings,
    model: ProbabilityModel,
    market_priced: tuple[str, ...] = (),
) -> Steering:
    """The account's probability, trigger and target (static ones when not vol-aware);
    ``market_priced`` as ``Steering.market_priced``."""
    health, move = exposure.health, exposure.liquidation_move()
    return steer_at(name, exposure, health, move, vol, settings, model, market_priced)


def steer_at(
    name: str,
    exposure: Exposure,
    health: float,
    move: float | None,
    vol: float | None,
    settings: HealthSettings,
    model: ProbabilityModel,
    market_priced: tuple[str, ...] = (),
) -> Steering:
    """``steer`` for a caller that has the exposure's ``health`` and
    ``liquidation_move()`` already (``agent.policy.lending_steering``)."""
    lending = exposure.lending
    floor = settings.lending_trigger if lending else settings.margin_trigger
    target = settings.lending_target if lending else settings.margin_target
    cap = settings.max_lending_target if lending else settings.max_margin_target
    probability = 0.0
    if move is not None and vol is not None and vol > 0:
        distance = -math.log1p(move) if move < 0 else math.log1p(move)
        probability = model.probability(distance, vol, down=move < 0)
    elif move == 0.0:
        probability = 1.0
    cause = "trigger" if health < floor else ""
    trigger, projected = floor, None
    if settings.vol_aware and move is not None and vol is not None and vol > 0:
        at_ceiling, at_target, adverse = model.moves(vol, down=move <= 0, settings=settings)
        trigger = max(trigger, min(exposure.health_for(at_ceiling), cap))
        static_target = target
        target = max(target, min(exposure.health_for(at_target), cap))
        # Over the ceiling acts only while there is somewhere higher to go: at the cap
        # the target can be below the health already held.
        if not cause and probability > settings.max_liquidation_probability and health < target:
            cause = "probability"
        if adverse is not None:
            projected = exposure.health_after(adverse)
            floor_now = min(exposure.health_for(adverse, floor), cap)
            trigger = max(trigger, floor_now)
            target = max(target, min(exposure.health_for(adverse, static_target), cap))
            if not cause and health < floor_now:
                cause = "projection"
    return steering_of(
        name, lending, health, vol, move, probability, trigger, target, cause, projected,
        market_priced,
    )  # fmt: skip


def steering_of(
    name: str,
    lending: bool,
    health: float,
    vol: float | None,
    move: float | None,
    probability: float,
    trigger: float,
    target: float,
    cause: str,
    projected: float | None,
    market_priced: tuple[str, ...],
) -> Steering:
    """``Steering(...)`` of these figures (acting when there is a ``cause``), filled as a
    draft (``agent.slots.draft_class``): one an account, hundreds a tick, and a frozen
    dataclass's ``__init__`` costs four times the plain stores."""
    found = _new(_SteeringDraft)
    found.account, found.kind, found.health, found.vol = (
        name, "lending" if lending else "margin", health, vol,
    )  # fmt: skip
    found.liquidation_move, found.probability, found.trigger, found.target = (
        move, probability, trigger, target,
    )  # fmt: skip
    found.acting, found.projected_health, found.cause, found.market_priced = (
        bool(cause), projected, cause, market_priced,
    )  # fmt: skip
    found.__class__ = Steering
    return found  # type: ignore[no-any-return]


def vol_reason(steering: Steering, settings: HealthSettings, measure: str) -> str:
    """Why the vol-aware health acts above the static trigger; ``measure`` is the
    account's health as its plan names it (``"health factor 1.3400"``)."""
    context = f"({measure}, vol {steering.vol or 0.0:.0%})"
    horizon = f"within {settings.liquidation_horizon_s:g}s"
    if steering.cause == "projection" and steering.projected_health is not None:
        floor = settings.lending_trigger if steering.kind == "lending" else settings.margin_trigger
        return (
            f"projected health {steering.projected_health:.4f} after a "
            f"{settings.projection_sigmas:g}-sigma move {horizon} under {floor:g} {context}"
        )
    return (
        f"liquidation probability {steering.probability:.3%} {horizon} over "
        f"{settings.max_liquidation_probability:.3%} {context}"
    )
