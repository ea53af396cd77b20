"""From snapshots and the assessment to the policy's inputs (pure).

Lending accounts come from lending venues' reserves and positions; margin accounts
from cross-margin venues' reported equity and from each isolated perp; hedge routes
from the quotes, rates and positions of each underlying's configured hedge venues.
Only venues that passed the input checks produce accounts and routes; while the oracle
is in doubt, the ``repairable`` venues produce their lending accounts only (repairs on
the venues' prices: ``agent.tick.checks``, ``agent.policy.oracle_doubt``).

Routes trade linear instruments only (spot pools, USD-margined perps): an inverse
contract's order size is in USD face value and moves with the price.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from agent.config.models import Config
from agent.in_flight import InFlightView, hedgeable_deviation, lending_changes
from agent.model import (
    HealthKind,
    Instrument,
    Kind,
    Position,
    Quote,
    Rate,
    Settlement,
    VenueSnapshot,
)
from agent.policy.inputs import (
    GreekCheck,
    HedgeRoute,
    LendingAccount,
    LendingAsset,
    MarginAccount,
    MarginPosition,
    OracleDoubt,
    PolicyInput,
    PolicyState,
    UnderlyingRisk,
)
from agent.profiles import VenueProfile
from agent.tick.assessment import Assessment

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
    eth = assessment.book.market["ETH"].spot if "ETH" in assessment.book.market else 0.0

    def gas_usd(name: str) -> float:
        return profiles[name].gas_per_action * gas_price_gwei.get(name, 0.0) * GWEI * eth

    lending, margin, routes, checks = [], [], [], []
    for name, snapshot in sorted({**(repairable or {}), **snapshots}.items()):
        profile = profiles[name]
        if profile.kind == "aave_v3":
            lending.append(lending_account(snapshot, gas_usd(name), view))
        if name not in snapshots:
            continue  # repairable only: no margin account, no route, nothing that adds risk
        margin += _margin_accounts(snapshot, profile, gas_usd(name))
        checks += _greek_checks(snapshot, assessment)
    for underlying, rules in config.underlyings.items():
        for name in rules.hedge_venues:
            if name in snapshots:
                room = _room(name, config, exposure_usd, assessment.book_value_usd)
                routes += _routes(snapshots[name], profiles[name], underlying, gas_usd(name), room)
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


# --- lending --------------------------------------------------------------------------


def lending_account(snapshot: VenueSnapshot, gas_usd: float, view: InFlightView) -> LendingAccount:
    """A lending venue's snapshot as the health policy reads it, with the work in flight
    netted: per reserve the account's supply, debt, wallet, and what the reserve allows
    (cap room, frozen, paused)."""
    supplied = {
        p.instrument.symbol: p
        for p in snapshot.positions
        if p.instrument.kind is Kind.LENDING_SUPPLY
    }
    debts = {
        p.instrument.symbol: p for p in snapshot.positions if p.instrument.kind is Kind.LENDING_DEBT
    }
    wallet = {b.asset: b.amount for b in snapshot.balances}
    pending = view.lending_on(snapshot.venue)
    changes = lending_changes(pending)
    assets = []
    for reserve in snapshot.reserves:
        supply = supplied.get(reserve.symbol)
        enabled = (supply.collateral_usd or 0.0) > 0 if supply else reserve.ltv > 0
        more_supplied, more_debt, more_wallet = changes.get(reserve.symbol, (0.0, 0.0, 0.0))
        debt = abs(debts[reserve.symbol].quantity) if reserve.symbol in debts else 0.0
        assets.append(
            LendingAsset(
                symbol=reserve.symbol,
                price_usd=reserve.price_usd,
                liquidation_threshold=reserve.liquidation_threshold,
                supplied=max((supply.quantity if supply else 0.0) + more_supplied, 0.0),
                collateral_enabled=enabled,
                debt=max(debt + more_debt, 0.0),
                wallet=max(wallet.get(reserve.symbol, 0.0) + more_wallet, 0.0),
                supply_apr=reserve.supply_apr,
                borrow_apr=reserve.borrow_apr,
                supply_room=reserve.supply_room,
                frozen=reserve.frozen,
                paused=reserve.paused,
                underlying=_underlying_of(reserve.symbol),
            )
        )
    health = next((h.ratio for h in snapshot.health if h.kind is HealthKind.LENDING), math.inf)
    if pending:  # the venue's figure predates the pending actions: recompute from assets
        health = math.inf
    return LendingAccount(snapshot.venue, tuple(assets), health, gas_usd)


# --- margin ---------------------------------------------------------------------------


def _margin_accounts(
    snapshot: VenueSnapshot, profile: VenueProfile, gas_usd: float
) -> list[MarginAccount]:
    if profile.margin == "isolated":
        return [
            _isolated(p, profile, gas_usd)
            for p in snapshot.positions
            if p.instrument.kind is Kind.PERP
        ]
    if profile.margin != "cross":
        return []
    accounts = []
    margin = [
        h for h in snapshot.health if h.kind is HealthKind.MARGIN and h.equity_usd is not None
    ]
    # an isolated position's health is named after its symbol (Hyperliquid isolated margin)
    isolated = {h.account for h in margin} & {p.instrument.symbol for p in snapshot.positions}
    for health in margin:
        assert health.equity_usd is not None
        whole_venue = len(margin) - len(isolated) == 1  # one cross account (Hyperliquid)
        members = [
            p
            for p in snapshot.positions
            if _in_account(p, health.account, isolated, whole_venue=whole_venue)
        ]
        notional = sum(abs(p.quantity) * (p.mark_price or 0.0) for p in members)
        maintenance = health.maintenance_margin_usd or 0.0
        rate = maintenance / notional if notional > 0 else profile.maintenance_rate
        positions = tuple(
            MarginPosition(
                p.instrument, p.quantity, p.mark_price or 0.0, rate, profile.taker_fee_rate
            )
            for p in members
            if p.mark_price
        )
        accounts.append(
            MarginAccount(
                venue=snapshot.venue,
                equity_usd=health.equity_usd,
                maintenance_margin_usd=maintenance,
                positions=positions,
                gas_usd=gas_usd,
                account=health.account,
            )
        )
    return accounts


def _in_account(
    position: Position, account: str | None, isolated: set[str | None], *, whole_venue: bool
) -> bool:
    symbol = position.instrument.symbol
    if account in isolated or symbol in isolated:
        return account == symbol
    if account is None or whole_venue:
        return True
    inverse = position.instrument.settlement is Settlement.INVERSE
    return (position.instrument.underlying if inverse else "USDC") == account


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


# --- routes ---------------------------------------------------------------------------


def _routes(
    snapshot: VenueSnapshot, profile: VenueProfile, underlying: str, gas_usd: float, room_usd: float
) -> list[HedgeRoute]:
    if profile.kind == "uniswap_v3":
        routes = _spot_routes(snapshot, underlying, gas_usd, room_usd)
    elif profile.kind == "gmx_v2":
        routes = _oracle_perp_routes(snapshot, profile, underlying, gas_usd, room_usd)
    elif profile.kind in ("deribit", "hyperliquid"):
        routes = _book_perp_routes(snapshot, profile, underlying, room_usd)
    else:
        return []
    return [replace(r, min_size_coin=profile.min_notional_usd / r.ask_usd) for r in routes]


def _position_in(snapshot: VenueSnapshot, symbol: str) -> float:
    return sum(p.quantity for p in snapshot.positions if p.instrument.symbol == symbol)


def _venue_position(snapshot: VenueSnapshot, underlying: str) -> float:
    hedges = (Kind.SPOT, Kind.PERP, Kind.FUTURE)
    return sum(
        p.quantity
        for p in snapshot.positions
        if p.instrument.underlying == underlying and p.instrument.kind in hedges
    )


def _spot_routes(
    snapshot: VenueSnapshot, underlying: str, gas_usd: float, room_usd: float
) -> list[HedgeRoute]:
    """Uniswap pools of ``underlying``: the quotes already include the pool fee."""
    routes = []
    held = {p.instrument.symbol: p.quantity for p in snapshot.positions}
    cash = {b.asset: b.amount for b in snapshot.balances}
    for quote in snapshot.quotes:
        base, quote_token, fee = quote.symbol.split("/")
        if quote.mark is None or quote.bid is None or quote.ask is None or not quote.bid_size:
            continue
        if (quote.underlying or _underlying_of(base)) != underlying:
            continue
        top_bid = quote.mark * (1 - int(fee) / 1e6)
        top_ask = quote.mark * (1 + int(fee) / 1e6)
        impact = max((top_bid - quote.bid) / top_bid, 0.0) / quote.bid_size
        instrument = Instrument(snapshot.venue, quote.symbol, underlying, Kind.SPOT)
        routes.append(
            HedgeRoute(
                instrument=instrument,
                bid_usd=top_bid,
                ask_usd=top_ask,
                impact_per_coin=impact,
                bid_size_coin=max(held.get(base, 0.0), 0.0),
                ask_size_coin=max(cash.get(quote_token, 0.0), 0.0) / quote.ask,
                gas_usd=gas_usd,
                room_usd=room_usd,
                position_coin=held.get(base, 0.0),
                venue_position_coin=_venue_position(snapshot, underlying),
            )
        )
    return routes


def _underlying_of(token: str) -> str:
    return token[1:] if token in ("WETH", "WBTC") else token


def _carry(rates: Sequence[Rate], symbol: str) -> tuple[float, float]:
    """(long pays, short pays) per year as fractions of notional, funding plus borrow."""
    long_pays = short_pays = 0.0
    for rate in rates:
        if rate.symbol != symbol:
            continue
        side = getattr(rate, "position_side", None)
        if side is None:  # one funding rate: longs pay it, shorts receive it
            long_pays += rate.annual
            short_pays -= rate.annual
        elif side == "long":
            long_pays += rate.annual
        else:
            short_pays += rate.annual
    return long_pays, short_pays


def _oracle_perp_routes(
    snapshot: VenueSnapshot, profile: VenueProfile, underlying: str, gas_usd: float, room_usd: float
) -> list[HedgeRoute]:
    """GMX markets fill at the oracle price (no spread, no size impact in this subset)."""
    routes = []
    for quote in snapshot.quotes:
        if quote.underlying != underlying or not quote.mark:
            continue
        long_pays, short_pays = _carry(snapshot.rates, quote.symbol)
        routes.append(
            HedgeRoute(
                instrument=Instrument(snapshot.venue, quote.symbol, underlying, Kind.PERP),
                bid_usd=quote.mark,
                ask_usd=quote.mark,
                taker_fee_rate=profile.taker_fee_rate,
                carry_long_annual=long_pays,
                carry_short_annual=short_pays,
                gas_usd=gas_usd,
                room_usd=room_usd,
                position_coin=_position_in(snapshot, quote.symbol),
                venue_position_coin=_venue_position(snapshot, underlying),
            )
        )
    return routes


def _book_perp_routes(
    snapshot: VenueSnapshot, profile: VenueProfile, underlying: str, room_usd: float
) -> list[HedgeRoute]:
    """A CEX's USD-margined perpetual of ``underlying`` (linear only; see module doc)."""
    routes = []
    for quote in snapshot.quotes:
        if not _is_linear_perp(quote, underlying) or not quote.bid or not quote.ask:
            continue
        long_pays, short_pays = _carry(snapshot.rates, quote.symbol)
        routes.append(
            HedgeRoute(
                instrument=Instrument(snapshot.venue, quote.symbol, underlying, Kind.PERP),
                bid_usd=quote.bid,
                ask_usd=quote.ask,
                taker_fee_rate=profile.taker_fee_rate,
                bid_size_coin=quote.bid_size if quote.bid_size else math.inf,
                ask_size_coin=quote.ask_size if quote.ask_size else math.inf,
                lot_size_coin=quote.lot_size or 0.0,
                carry_long_annual=long_pays,
                carry_short_annual=short_pays,
                room_usd=room_usd,
                position_coin=_position_in(snapshot, quote.symbol),
                venue_position_coin=_venue_position(snapshot, underlying),
            )
        )
    return routes


def _is_linear_perp(quote: Quote, underlying: str) -> bool:
    """ccxt's unified symbol of a USDC-margined perpetual: ``ETH/USDC:USDC``."""
    return quote.symbol == f"{underlying}/USDC:USDC"


# --- the venue's own Greeks -----------------------------------------------------------


def _greek_checks(snapshot: VenueSnapshot, assessment: Assessment) -> list[GreekCheck]:
    checks = []
    for position in snapshot.positions:
        if position.venue_greeks is None or position.instrument.kind is not Kind.OPTION:
            continue
        ours = assessment.positions.get(f"{position.key}:{position.instrument.kind.value}")
        if ours is not None:
            checks.append(GreekCheck(snapshot.venue, position.key, ours, position.venue_greeks))
    return checks
