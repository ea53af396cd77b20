"""From snapshots and the assessment to the policy's inputs (pure).

Lending accounts come from lending venues' reserves and positions, each market's
reserves laid out once a tick (``agent.tick.lending_inputs``); margin accounts
from cross-margin venues' reported equity and from each isolated perp; hedge routes
from the quotes, rates and positions of each underlying's configured hedge venues
(``agent.tick.hedge_routes``). Only venues that passed the input checks produce
accounts and routes; while the oracle is in doubt, the ``repairable`` venues produce
their lending accounts only (repairs on the venues' prices: ``agent.tick.checks``,
``agent.policy.oracle_doubt``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime

from agent.config.models import Config
from agent.in_flight import InFlight, InFlightView, hedgeable_deviation
from agent.model import Health, HealthKind, Kind, Position, Settlement, VenueSnapshot
from agent.policy.inputs import (
    GreekCheck,
    MarginAccount,
    MarginPosition,
    OracleDoubt,
    PolicyInput,
    PolicyState,
    UnderlyingRisk,
)
from agent.profiles import VenueProfile
from agent.slots import draft_class
from agent.tick.assessment import Assessment
from agent.tick.hedge_routes import hedge_routes
from agent.tick.lending_inputs import LendingAccounts
from agent.tick.lending_inputs import lending_account as lending_account  # found here too

GWEI = 1e-9


def policy_input(
    *,
    now: datetime,
    assessment: Assessment,
    snapshots: Mapping[str, VenueSnapshot],
    profiles: Mapping[str, VenueProfile],
    config: Config,
    exposure_usd: Mapping[str, float],
    gas_price_gwei: Mapping[str, float],
    state: PolicyState,
    in_flight: InFlightView | None = None,
    repairable: Mapping[str, VenueSnapshot] | None = None,
    doubts: tuple[OracleDoubt, ...] = (),
) -> PolicyInput:
    """Everything ``agent.policy.decide`` reads this tick; ``snapshots`` are usable ones,
    ``repairable`` ones add their lending accounts only, assessed with the ``doubts``.

    ``gas_price_gwei`` is each EVM venue's chain's gas price (a venue off-chain pays none).
    Work ``in_flight`` is netted first: each underlying's delta is what every outcome of
    that work leaves to hedge (``agent.in_flight.hedgeable_deviation``), and each lending
    account is read as if its pending actions had happened.
    """
    view = in_flight or InFlightView()
    flying = _by_venue(view)  # each lending account nets only its venue's work
    eth = assessment.book.market["ETH"].spot if "ETH" in assessment.book.market else 0.0

    lending, margin, routes, checks = [], [], [], []
    accounts = LendingAccounts()  # each market's reserves laid out once this tick
    hedging = hedge_venues(config)
    gas_usd: dict[str, float] = {}  # one action's, per hedge venue (the routes read it)
    read = {**repairable, **snapshots} if repairable else snapshots
    for name in sorted(read):  # by name (not by (name, snapshot): a quarter of the time)
        snapshot, profile = read[name], profiles[name]
        gas = profile.gas_per_action * gas_price_gwei.get(name, 0.0) * GWEI * eth
        if name in hedging:
            gas_usd[name] = gas
        others = True  # anything but lending positions, whose Greeks the venue may report
        if profile.kind == "aave_v3":
            own = flying.get(snapshot.venue, _NOTHING_FLYING) if flying else _NOTHING_FLYING
            account, others = accounts.account(snapshot, gas, own)
            lending.append(account)
        if repairable and name not in snapshots:
            continue  # repairable only: no margin account, no route, nothing that adds risk
        if profile.margin != "none":  # hundreds of lending venues a tick have none
            margin += _margin_accounts(snapshot, profile, gas)
        if others:
            checks += _greek_checks(snapshot, assessment)
    for underlying, rules in config.underlyings.items():
        for name in rules.hedge_venues:
            if name in snapshots:
                room = _room(name, config, exposure_usd, assessment.book_value_usd)
                routes += hedge_routes(
                    snapshots[name], profiles[name], underlying, gas_usd[name], room
                )
    return PolicyInput(
        now=now,
        underlyings=_netted(assessment, config, view),
        lending=tuple(lending),
        margin=tuple(margin),
        routes=tuple(routes),
        greek_checks=tuple(checks),
        worst_stress_loss_usd=assessment.worst_stress_loss_usd,
        state=state,
        oracle_doubts=doubts,
    )


def _by_venue(view: InFlightView) -> dict[str, InFlightView]:
    """The work in flight by venue, in its order: hundreds of lending accounts a tick
    each look through their venue's items only, not through all of them."""
    grouped: dict[str, list[InFlight]] = {}
    for item in view.items:
        grouped.setdefault(item.venue, []).append(item)
    return {venue: InFlightView(tuple(items)) for venue, items in grouped.items()}


_NOTHING_FLYING = InFlightView()


def hedge_snapshots(
    snapshots: Mapping[str, VenueSnapshot], config: Config
) -> dict[str, VenueSnapshot]:
    """The configured hedge venues' snapshots: of the venues' exposures the policy input
    reads only theirs (the room a cap leaves a hedge), not the lending accounts'."""
    return {name: snapshots[name] for name in hedge_venues(config) if name in snapshots}


def hedge_venues(config: Config) -> set[str]:
    """The venues configured to hedge any underlying."""
    return {name for rules in config.underlyings.values() for name in rules.hedge_venues}


def usable_snapshots(
    snapshots: Mapping[str, VenueSnapshot], usable: frozenset[str]
) -> Mapping[str, VenueSnapshot]:
    """The snapshots of the ``usable`` venues: all of them, as a rule (the input checks
    find every usable venue among the snapshots, so as many names are the same names)."""
    if len(usable) == len(snapshots):
        return snapshots
    return {name: snapshots[name] for name in usable}


class SnapshotBlocks(Mapping[str, int | None]):
    """Each venue's block as its snapshot says, looked up when asked: the work in flight
    asks for its own venues' only (``agent.execution.in_flight_view``), not for the
    hundreds a tick reads."""

    __slots__ = ("_snapshots",)

    def __init__(self, snapshots: Mapping[str, VenueSnapshot]) -> None:
        self._snapshots = snapshots

    def __getitem__(self, venue: str) -> int | None:
        return self._snapshots[venue].block_number

    def __iter__(self) -> Iterator[str]:
        return iter(self._snapshots)

    def __len__(self) -> int:
        return len(self._snapshots)


def _room(name: str, config: Config, exposure_usd: Mapping[str, float], book_usd: float) -> float:
    cap = config.limits.venue_caps.get(name)
    if cap is None:
        return 0.0
    binding = (
        min(cap.max_usd, cap.max_fraction_of_book * max(book_usd, 0.0))
        if book_usd > 0
        else cap.max_usd
    )
    return max(binding - exposure_usd.get(name, 0.0), 0.0)


def _netted(
    assessment: Assessment, config: Config, view: InFlightView
) -> tuple[UnderlyingRisk, ...]:
    """The configured underlyings, each delta netted against the hedges in flight."""
    flying = view.delta_by_underlying()
    netted = []
    for risk in assessment.underlyings:
        settings = config.underlyings.get(risk.underlying)
        if settings is None:
            continue
        if risk.underlying in flying:
            target = settings.delta_target_coin
            deviation = hedgeable_deviation(risk.delta_coin - target, flying[risk.underlying])
            risk = replace(risk, delta_coin=target + deviation)
        netted.append(risk)
    return tuple(netted)


# Filled by attribute, then made the record (``agent.slots.draft_class``): ~100 a tick
# each, records that check nothing in a constructor of their own.
_MarginPositionDraft = draft_class(MarginPosition)
_GreekCheckDraft = draft_class(GreekCheck)
_new = object.__new__
# The enum members the walks over positions compare with, each read once: a member read
# from its class (``Kind.OPTION``) costs ~0.2 us on Python 3.11, a global ~0.02.
_OPTION, _PERP, _INVERSE = Kind.OPTION, Kind.PERP, Settlement.INVERSE
_MARGIN = HealthKind.MARGIN


# --- margin ---------------------------------------------------------------------------


def _margin_accounts(
    snapshot: VenueSnapshot, profile: VenueProfile, gas_usd: float
) -> list[MarginAccount]:
    if profile.margin == "isolated":
        return [
            _isolated(p, profile, gas_usd) for p in snapshot.positions if p.instrument.kind is _PERP
        ]
    if profile.margin != "cross":
        return []
    margin = [h for h in snapshot.health if h.kind is _MARGIN and h.equity_usd is not None]
    isolated, pooled, pools = _members(snapshot.positions, {h.account for h in margin})
    whole_venue = len(margin) - len(isolated) == 1  # one cross account (Hyperliquid)
    accounts = []
    for health in margin:
        assert health.equity_usd is not None
        account = health.account
        if account in isolated:
            members = isolated[account]
        elif account is None or whole_venue:
            members = pooled
        else:
            members = pools.get(account, [])
        accounts.append(_cross(snapshot.venue, health, members, profile, gas_usd))
    return accounts


def _members(
    positions: tuple[Position, ...], named: set[str | None]
) -> tuple[dict[str, list[Position]], list[Position], dict[str, list[Position]]]:
    """The positions by margin account, in order, in one walk: those in an isolated
    account of their own (its health ``named`` after their symbol: Hyperliquid isolated
    margin), by symbol; the rest, margined in a pool; and those again by the currency of
    their pool: the underlying when settled in it (inverse), else USDC."""
    isolated: dict[str, list[Position]] = {}
    pooled: list[Position] = []
    pools: dict[str, list[Position]] = {}
    for position in positions:
        instrument = position.instrument
        symbol = instrument.symbol
        if symbol in named:
            group = isolated.get(symbol)
            if group is None:
                group = isolated[symbol] = []
        else:
            pooled.append(position)
            currency = instrument.underlying if instrument.settlement is _INVERSE else "USDC"
            group = pools.get(currency)
            if group is None:
                group = pools[currency] = []
        group.append(position)
    return isolated, pooled, pools


def _cross(
    venue: str, health: Health, members: list[Position], profile: VenueProfile, gas_usd: float
) -> MarginAccount:
    """The margin account of ``health`` holding ``members``."""
    assert health.equity_usd is not None
    notional = sum(abs(p.quantity) * (p.mark_price or 0.0) for p in members)
    maintenance = health.maintenance_margin_usd or 0.0
    rate = maintenance / notional if notional > 0 else profile.maintenance_rate
    fee = profile.taker_fee_rate
    positions = []
    for p in members:
        mark = p.mark_price
        if mark:  # MarginPosition(instrument, quantity, mark, rate, fee), field for field
            member = _new(_MarginPositionDraft)
            member.instrument, member.quantity, member.mark_price_usd = (
                p.instrument, p.quantity, mark,
            )  # fmt: skip
            member.maintenance_rate, member.taker_fee_rate = rate, fee
            member.__class__ = MarginPosition
            positions.append(member)
    return MarginAccount(
        venue=venue,
        equity_usd=health.equity_usd,
        maintenance_margin_usd=maintenance,
        positions=tuple(positions),
        gas_usd=gas_usd,
        account=health.account,
    )


def _isolated(position: Position, profile: VenueProfile, gas_usd: float) -> MarginAccount:
    mark = position.mark_price or position.entry_price or 0.0
    notional = abs(position.quantity) * mark
    equity = (
        (position.collateral_usd or 0.0)
        + (position.unrealized_pnl_usd or 0.0)
        - (position.accrued_fees_usd or 0.0)
    )
    member = MarginPosition(
        position.instrument,
        position.quantity,
        mark,
        profile.maintenance_rate,
        profile.taker_fee_rate,
    )
    return MarginAccount(
        venue=position.instrument.venue,
        equity_usd=equity,
        maintenance_margin_usd=notional * profile.maintenance_rate,
        positions=(member,),
        gas_usd=gas_usd,
        account=position.instrument.symbol,
    )


# --- the venue's own Greeks -----------------------------------------------------------


def _greek_checks(snapshot: VenueSnapshot, assessment: Assessment) -> list[GreekCheck]:
    checks = []
    ours_by_id = assessment.positions
    for position in snapshot.positions:
        reported = position.venue_greeks
        if reported is None or position.instrument.kind is not _OPTION:
            continue
        key = position.key
        try:  # Mapping.get, without its own call
            ours = ours_by_id[key + _OPTION_ID]
        except KeyError:
            continue
        check = _new(_GreekCheckDraft)
        check.venue, check.position, check.ours, check.reported = (
            snapshot.venue,
            key,
            ours,
            reported,
        )
        check.__class__ = GreekCheck
        checks.append(check)
    return checks


# A position's id in the book is its key and its kind (``agent.tick.book_builder``).
_OPTION_ID = f":{Kind.OPTION.value}"
