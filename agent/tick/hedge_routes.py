"""Hedge routes for the policy's input (pure): from the quotes, rates and positions of
an underlying's configured hedge venues (``agent.tick.decision_inputs``).

Routes trade linear instruments only (spot pools, USD-margined perps): an inverse
contract's order size is in USD face value and moves with the price.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from agent.model import Instrument, Kind, Quote, Rate, VenueSnapshot
from agent.policy.inputs import HedgeRoute
from agent.profiles import VenueProfile


def hedge_routes(
    snapshot: VenueSnapshot, profile: VenueProfile, underlying: str, gas_usd: float, room_usd: float
) -> list[HedgeRoute]:
    """The routes of ``snapshot``'s venue for ``underlying``, each made once: its least
    size is the venue's least order (``min_notional_usd``) at its ask (no ask of 0 comes
    this far: a falsy mark or ask is skipped, a pool's is divided by first)."""
    if profile.kind == "uniswap_v3":
        return _spot_routes(snapshot, profile, underlying, gas_usd, room_usd)
    if profile.kind == "gmx_v2":
        return _oracle_perp_routes(snapshot, profile, underlying, gas_usd, room_usd)
    if profile.kind in ("deribit", "hyperliquid"):
        return _book_perp_routes(snapshot, profile, underlying, room_usd)
    return []


def _position_in(snapshot: VenueSnapshot, symbol: str) -> float:
    return sum(p.quantity for p in snapshot.positions if p.instrument.symbol == symbol)


def _venue_position(snapshot: VenueSnapshot, underlying: str) -> float:
    return sum(
        p.quantity
        for p in snapshot.positions
        if p.instrument.underlying == underlying and p.instrument.kind in _HEDGES
    )


# Read once: a member read from its class (``Kind.SPOT``) costs ~0.2 us on Python 3.11.
_HEDGES = (Kind.SPOT, Kind.PERP, Kind.FUTURE)


def _spot_routes(
    snapshot: VenueSnapshot, profile: VenueProfile, underlying: str, gas_usd: float, room_usd: float
) -> list[HedgeRoute]:
    """Uniswap pools of ``underlying``: the quotes already include the pool fee."""
    routes = []
    held = {p.instrument.symbol: p.quantity for p in snapshot.positions}
    cash = {b.asset: b.amount for b in snapshot.balances}
    for quote in snapshot.quotes:
        base, quote_token, fee = quote.symbol.split("/")
        if quote.mark is None or quote.bid is None or quote.ask is None or not quote.bid_size:
            continue
        if (quote.underlying or underlying_of(base)) != underlying:
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
                min_size_coin=profile.min_notional_usd / top_ask,
            )
        )
    return routes


def underlying_of(token: str) -> str:
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
                min_size_coin=profile.min_notional_usd / quote.mark,
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
                min_size_coin=profile.min_notional_usd / quote.ask,
            )
        )
    return routes


def _is_linear_perp(quote: Quote, underlying: str) -> bool:
    """ccxt's unified symbol of a USDC-margined perpetual: ``ETH/USDC:USDC``."""
    return quote.symbol == f"{underlying}/USDC:USDC"
