"""What the guard judges against, assembled from the tick's book (pure).

Exposures are gross USD (|quantity| x price) per venue and per protocol; positions are
signed coin per (venue, asset) where the asset is the underlying for trades and the
token symbol for lending; reference prices are the oracle's, keyed by underlying and
by every token that represents it (ETH and WETH), except while the oracle's feed of an
underlying is in doubt: then the venues' consensus (``agent.tick.checks``), so the guard
never values an intent at the doubted price.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from agent.execution.proposal import GuardContext
from agent.execution.stress_gate import StressBaseline
from agent.intents import KillState
from agent.model import Kind, VenueSnapshot
from agent.profiles import VenueProfile
from agent.tick.assessment import Assessment

_LENDING = (Kind.LENDING_SUPPLY, Kind.LENDING_DEBT)


def gross_exposure_usd(
    snapshots: Mapping[str, VenueSnapshot], prices: Mapping[str, float]
) -> dict[str, float]:
    """Per venue: the sum of |quantity| x price over its positions, plus the notional of
    trades it holds for us and has not executed yet (a GMX order waiting for its keeper:
    in flight, so it counts against the venue's caps before it lands), USD."""
    exposure: dict[str, float] = {}
    for name, snapshot in snapshots.items():
        total = sum(trade.notional_usd for trade in snapshot.pending)
        for position in snapshot.positions:
            price = prices.get(position.instrument.underlying, position.mark_price or 0.0)
            total += abs(position.quantity) * price
        exposure[name] = total
    return exposure


def reference_prices(spots: Mapping[str, float], tokens: Mapping[str, str]) -> dict[str, float]:
    """Oracle prices by underlying and by token symbol (``tokens``: symbol -> underlying)."""
    prices = dict(spots)
    for symbol, underlying in tokens.items():
        if underlying in spots:
            prices[symbol] = spots[underlying]
    return prices


def guard_context(
    *,
    now: datetime,
    kill_state: KillState,
    assessment: Assessment,
    snapshots: Mapping[str, VenueSnapshot],
    profiles: Mapping[str, VenueProfile],
    tokens: Mapping[str, str],
    notional_last_hour_usd: float,
    chain_id: int | None,
    inputs_from: frozenset[str] | None = None,
    stress: StressBaseline | None = None,
    market: Mapping[str, float] | None = None,
) -> GuardContext:
    """The guard's view of the book; ``inputs_from`` names the snapshots the intent rests
    on (its freshness is theirs), every snapshot when None. ``market`` replaces the
    oracle's price of each underlying whose feed is in doubt (``agent.tick.checks``):
    the guard values intents at the venues' consensus then, never at the doubted price."""
    spots = {u: float(state.spot) for u, state in assessment.book.market.items()}
    spots.update(market or {})
    prices = reference_prices(spots, tokens)
    by_venue = gross_exposure_usd(snapshots, prices)
    by_protocol: dict[str, float] = {}
    for name, value in by_venue.items():
        protocol = profiles[name].protocol if name in profiles else name
        by_protocol[protocol] = by_protocol.get(protocol, 0.0) + value
    positions: dict[tuple[str, str], float] = {}
    for name, snapshot in snapshots.items():
        for position in snapshot.positions:
            instrument = position.instrument
            asset = instrument.symbol if instrument.kind in _LENDING else instrument.underlying
            key = (name, asset)
            positions[key] = positions.get(key, 0.0) + position.quantity
    observed = [
        s.observed_at for n, s in snapshots.items() if inputs_from is None or n in inputs_from
    ]
    return GuardContext(
        now=now,
        kill_state=kill_state,
        book_value_usd=assessment.book_value_usd,
        inputs_observed_at=min(observed) if observed else None,
        reference_prices=prices,
        venue_exposure_usd=by_venue,
        protocol_exposure_usd=by_protocol,
        positions=positions,
        net_delta={u: g.delta for u, g in assessment.net.items()},
        notional_last_hour_usd=notional_last_hour_usd,
        chain_id=chain_id,
        stress=stress,
    )
