"""From venue snapshots to the risk engine's book (DESIGN.md, data flow step 3).

Every snapshot is used, fresh or last-known, so a venue that stopped answering still
counts in the book's risk; only acting is restricted to fresh, checked venues.

The market: spot per underlying from the oracle venue (else the median of the venues'
marks), vol from the options' own mark IVs (else ``default_vol``), rate 0. Margin
accounts (Deribit per currency, Hyperliquid cross) take the venue's equity
(``agent.tick.account_cash``).

It runs on every tick over ~1,000 positions (mostly Aave): the records come from their
cheap constructors (``agent.risk.fast_records``: the same records, the same refusals),
ids are made once per position, and the book is laid out once: the account-held
positions are valued from it before their accounts' cash is set in
(``agent.tick.account_cash``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from statistics import median

from agent.model import (
    Kind,
    OptionType,
    Position,
    ReserveState,
    Settlement,
    VenueSnapshot,
)
from agent.profiles import VenueProfile, profile_for
from agent.risk import fast_records
from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.fast_records import lending_debt, lending_supply
from agent.risk.terms import OptionType as RiskOptionType
from agent.risk.terms import Settlement as RiskSettlement
from agent.tick.account_cash import cross_accounts, with_account_cash

STABLECOINS = frozenset({"USDC", "USDT", "DAI", "USD"})
_SUPPLY, _DEBT, _OPTION = Kind.LENDING_SUPPLY, Kind.LENDING_DEBT, Kind.OPTION


def build_book(
    snapshots: Mapping[str, VenueSnapshot],
    profiles: Mapping[str, VenueProfile],
    *,
    now: datetime,
    oracle_venue: str | None,
    default_vol: float = 0.6,
) -> Book:
    """The risk book of every position in ``snapshots``, valued at ``now``."""
    market = _market(snapshots, oracle_venue, default_vol)
    records: list[risk.Position] = []
    accounts: list[risk.MarginAccount] = []
    tables: dict[int, dict[str, float]] = {}  # the reserves' thresholds (_threshold_table)
    for name in sorted(snapshots):  # the same order as the items', sorted ~6x faster
        snapshot = snapshots[name]
        profile = profiles.get(name) or profile_for(name, name)
        first = len(records)
        options = _add_records(snapshot, profile, market, records, tables)
        if profile.margin == "cross":  # collateral in a margin account is its cash
            accounts += cross_accounts(snapshot, records[first:])
        elif options:  # only options lock collateral: the loans and perps need no look
            records += [c for p in options if (c := _locked_collateral(p, profile, market))]
    if not accounts:
        return Book.from_records(now, market, records)
    return with_account_cash(now, market, records, accounts, snapshots)


def _market(
    snapshots: Mapping[str, VenueSnapshot], oracle_venue: str | None, default_vol: float
) -> dict[str, risk.MarketState]:
    oracle = snapshots.get(oracle_venue) if oracle_venue else None
    oracle_marks = oracle.marks if oracle else {}
    held, vols = _held(snapshots)
    priced = held | set(oracle_marks)
    marks: dict[str, list[float]] = {}  # in order of first mark (the oracle's: not kept)
    # Marks that add nothing: unpriced, or the oracle's once listed (~230 venues repeat them).
    idle: set[str] = set()
    quiet = None  # the last marks found to add nothing: the Aave snapshots share theirs
    for snapshot in snapshots.values():
        quoted = snapshot.marks
        if quoted is quiet:
            continue
        if quoted.keys() <= idle:
            quiet = quoted
            continue
        for underlying, price in quoted.items():
            if underlying not in priced:  # venues also mark single instruments by symbol
                idle.add(underlying)
                continue
            prices = marks.get(underlying)
            if prices is None:
                prices = marks[underlying] = []
            if underlying not in oracle_marks:
                prices.append(price)
            else:
                idle.add(underlying)
    market = {}
    for underlying, prices in marks.items():
        pegged = underlying in STABLECOINS
        spot = oracle_marks[underlying] if underlying in oracle_marks else median(prices)
        vol = median(vols[underlying]) if underlying in vols else default_vol
        market[underlying] = risk.MarketState(spot=spot, vol=None if pegged else vol, pegged=pegged)
    for stable in STABLECOINS & held:
        market.setdefault(stable, risk.MarketState(spot=1.0, pegged=True))
    return market


def _held(snapshots: Mapping[str, VenueSnapshot]) -> tuple[set[str], dict[str, list[float]]]:
    """The underlyings held, and per underlying its positions' mark IVs (in order)."""
    held: set[str] = set()
    hold = held.add  # (looked up once: ~1,000 positions)
    vols: dict[str, list[float]] = {}
    for snapshot in snapshots.values():
        for position in snapshot.positions:
            underlying = position.instrument.underlying
            hold(underlying)
            if position.mark_iv:
                vols.setdefault(underlying, []).append(position.mark_iv)
    return held, vols


def _position_id(position: Position) -> str:
    """``position.key`` and the kind: ``venue:symbol:position id:kind``."""
    instrument = position.instrument
    key = (instrument.venue, instrument.symbol, position.position_id, instrument.kind)
    try:
        found = _IDS.get(key)
    except TypeError:  # not names (unhashable): formatted as ever, for the record to refuse
        return _formatted_id(position)
    if found is None:
        found = _formatted_id(position)
        if len(_IDS) >= _IDS_LIMIT:
            _IDS.clear()
        _IDS[key] = found
    return found


def _formatted_id(position: Position) -> str:
    instrument = position.instrument
    end = _ID_ENDS[instrument.kind]
    return f"{instrument.venue}:{instrument.symbol}:{position.position_id or ''}{end}"


_ID_ENDS = {kind: f":{kind.value}" for kind in Kind}  # (an enum's .value is a property)
# The ids made so far: a pure function of the key, so never stale. The same ~1,000 come
# back every tick; one string each, its hash kept, rather than a new one a tick.
_IDS: dict[tuple[str, str, str | None, Kind], str] = {}
_IDS_LIMIT = 100_000


def _add_records(
    snapshot: VenueSnapshot,
    profile: VenueProfile,
    market: Mapping[str, risk.MarketState],
    records: list[risk.Position],
    tables: dict[int, dict[str, float]] | None = None,
) -> list[Position]:
    """Append the risk record of each position ``snapshot`` holds in a priced underlying
    to ``records``; return the options among them.

    Lending positions, by far the most, go straight to their records' cheap constructors
    (the same records, checked the same way: ``agent.risk.fast_records``); a supply's
    threshold comes from its reserves' table (``_threshold_table``, kept in ``tables``
    for the tick).
    """
    protocol = profile.protocol
    options = []
    thresholds = _threshold_table(snapshot.reserves, tables)
    for position in snapshot.positions:
        instrument = position.instrument
        quantity = position.quantity
        coin = instrument.underlying
        if not quantity or coin not in market:
            continue
        kind = instrument.kind
        if kind is _SUPPLY or kind is _DEBT:
            venue, symbol = instrument.venue, instrument.symbol  # each read once
            try:  # _position_id's look-up, inline (~900 a tick); made there when new
                ident = _IDS[(venue, symbol, position.position_id, kind)]
            except (KeyError, TypeError):
                ident = _position_id(position)
            if kind is _DEBT:
                records.append(lending_debt(ident, venue, coin, abs(quantity), protocol))
                continue
            threshold = 0.0  # not collateral: refused by the record, as it always was
            if position.collateral_usd:
                try:
                    threshold = thresholds[symbol]
                except (KeyError, TypeError):  # not in the table: the scan, as ever
                    threshold = _threshold(snapshot.reserves, symbol)
            records.append(lending_supply(ident, venue, coin, quantity, threshold, protocol))
        else:
            if kind is _OPTION:
                options.append(position)
            records.append(_RECORDS[kind](position, profile, market))
    return options


def _threshold_table(
    reserves: Sequence[ReserveState], tables: dict[int, dict[str, float]] | None
) -> dict[str, float]:
    """``_threshold`` of every symbol at once, the last listed winning as there, when
    every symbol is a str (else empty: each look-up scans). Kept in ``tables`` by the
    tuple's identity: ``tables`` lives one tick, as the tuples do, and one market's
    accounts share one tuple."""
    table = tables.get(id(reserves)) if tables is not None else None
    if table is None:
        table = {}
        if all(type(reserve.symbol) is str for reserve in reserves):
            table = {reserve.symbol: reserve.liquidation_threshold for reserve in reserves}
        if tables is not None:
            tables[id(reserves)] = table
    return table


def _threshold(reserves: Sequence[ReserveState], symbol: str) -> float:
    """The liquidation threshold of ``symbol``'s reserve (the last listed), 0 if none."""
    for reserve in reversed(reserves):
        if reserve.symbol == symbol:
            return reserve.liquidation_threshold
    return 0.0


def _account_of(position: Position, profile: VenueProfile) -> str | None:
    if profile.margin != "cross":
        return None
    return f"{position.instrument.venue}:{_currency(position)}"


def _currency(position: Position) -> str:
    """Deribit margins each currency separately; linear USDC contracts share USDC."""
    if position.instrument.settlement is Settlement.INVERSE:
        return position.instrument.underlying
    return "USDC"


def _spot(
    position: Position,
    profile: VenueProfile,
    market: Mapping[str, risk.MarketState],
) -> risk.SpotPosition:
    instrument = position.instrument
    return risk.SpotPosition(
        _position_id(position), instrument.venue, instrument.underlying, position.quantity,
        protocol=profile.protocol,
    )  # fmt: skip


def _locked_collateral(
    position: Position, profile: VenueProfile, market: Mapping[str, risk.MarketState]
) -> risk.SpotPosition | None:
    """The coins a fully collateralised short option locks (a Premia call writer's
    underlying): still the holder's, returned less the payoff at expiry, so they are
    held coins for risk. Collateral in USD (puts) or in a margin account adds no delta."""
    instrument = position.instrument
    coin = market.get(instrument.underlying)
    if (
        instrument.kind is not Kind.OPTION
        or profile.margin == "cross"
        or not position.collateral_usd
        or instrument.settlement is not Settlement.INVERSE
        or coin is None
        or coin.spot <= 0
    ):
        return None
    return risk.SpotPosition(
        f"{_position_id(position)}:collateral",
        instrument.venue,
        instrument.underlying,
        position.collateral_usd / coin.spot,
        protocol=profile.protocol,
    )


def _option(
    position: Position,
    profile: VenueProfile,
    market: Mapping[str, risk.MarketState],
) -> risk.OptionPosition:
    instrument = position.instrument
    assert instrument.option_type is not None
    assert instrument.strike is not None
    assert instrument.expiry is not None
    return fast_records.option(
        _position_id(position), instrument.venue, instrument.underlying,
        _risk_option_type(instrument.option_type), instrument.strike, instrument.expiry,
        position.quantity, _risk_settlement(instrument.settlement), position.mark_iv,
        _account_of(position, profile), profile.protocol, profile.maintenance_rate,
    )  # fmt: skip


# The risk engine's own enum members by the model's: looked up, as an enum's ``.value``
# is a property (slow); anything but a model member is converted by value, as before.
_OPTION_TYPES = {member: RiskOptionType(member.value) for member in OptionType}
_SETTLEMENTS = {member: RiskSettlement(member.value) for member in Settlement}


def _risk_option_type(option_type: OptionType) -> RiskOptionType:
    if type(option_type) is OptionType:
        return _OPTION_TYPES[option_type]
    return RiskOptionType(option_type.value)


def _risk_settlement(settlement: Settlement) -> RiskSettlement:
    if type(settlement) is Settlement:
        return _SETTLEMENTS[settlement]
    return RiskSettlement(settlement.value)


def _margined(
    position: Position,
    profile: VenueProfile,
    market: Mapping[str, risk.MarketState],
) -> risk.PerpetualPosition | risk.FuturePosition:
    instrument = position.instrument
    ident = _position_id(position)
    inverse = instrument.settlement is Settlement.INVERSE
    entry = position.entry_price or position.mark_price or market[instrument.underlying].spot
    # The risk engine counts inverse contracts in USD face value; ours are in coin.
    quantity = position.quantity * entry if inverse else position.quantity
    isolated = profile.margin == "isolated"
    collateral = position.collateral_usd if isolated else None
    fees = (position.accrued_fees_usd or 0.0) if isolated else 0.0
    maintenance = profile.maintenance_rate or None
    settlement = _risk_settlement(instrument.settlement)
    account = _account_of(position, profile)
    if instrument.kind is Kind.FUTURE:
        assert instrument.expiry is not None
        return risk.FuturePosition(
            id=ident, venue=instrument.venue, underlying=instrument.underlying,
            quantity=quantity, expiry=instrument.expiry, entry_price=entry,
            mark_price=position.mark_price, settlement=settlement, collateral_usd=collateral,
            maintenance_margin_rate=maintenance, fees_usd=fees, account=account,
            protocol=profile.protocol,
        )  # fmt: skip
    return risk.PerpetualPosition(
        id=ident, venue=instrument.venue, underlying=instrument.underlying,
        quantity=quantity, entry_price=entry, settlement=settlement, collateral_usd=collateral,
        maintenance_margin_rate=maintenance, fees_usd=fees, account=account,
        protocol=profile.protocol,
    )  # fmt: skip


_RECORDS = {
    Kind.OPTION: _option,
    Kind.PERP: _margined,
    Kind.FUTURE: _margined,
    Kind.SPOT: _spot,
}
