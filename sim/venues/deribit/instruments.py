"""Deribit's instruments as the simulator lists them, and how each is valued.

Coin-settled ("inverse") options and futures per coin, with Deribit's naming
(``BTC-PERPETUAL``, ``BTC-27DEC24``, ``BTC-27DEC24-60000-C``) and contract specs, plus
USDC-settled linear perpetuals (``BTC_USDC-PERPETUAL``). Expiries are Fridays 08:00
UTC after the simulation start (three weeklies and a quarterly); strikes are a grid
around the starting index. Marks come from the market driver: perpetual = index,
future = index x (1 + basis x years) with the funding regime as basis, option = this
package's Black-Scholes at the driver's IV (optionally with a smile), in coin.
"""

from __future__ import annotations

import calendar
import math
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from sim.market import MarketState
from sim.venues.blackscholes import SECONDS_PER_YEAR, OptionValue, value

PERPETUAL_EXPIRY_MS = 32_503_708_800_000  # what Deribit reports for perpetuals (year 3000)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True, slots=True)
class TickStep:
    """Above ``above_price`` the tick is ``tick_size`` (Deribit's ``tick_size_steps``)."""

    above_price: float
    tick_size: float


@dataclass(frozen=True, slots=True)
class BookSpec:
    """One book's order spec: ``contract_size`` and ``min_amount`` in the amount unit
    (USD for inverse futures, coin otherwise), ``tick`` in the price unit."""

    contract_size: float
    min_amount: float
    tick: float
    tick_steps: tuple[TickStep, ...] = ()


@dataclass(frozen=True, slots=True)
class CoinSpec:
    """Contract specs of one coin's books, as Deribit publishes them."""

    inverse_future: BookSpec
    linear_perpetual: BookSpec
    option: BookSpec


# Deribit option ticks widen above 0.005 coin. Source: public/get_instrument for
# BTC-26JUN26-100000-C, 2025-07-09 (usIn 1752066535270080): contract_size 1,
# min_trade_amount 0.1, tick_size 0.0001, tick_size_steps [{above_price 0.005,
# tick_size 0.0005}], price_index "btc_usd", instrument_type "reversed".
_OPTION_STEPS = (TickStep(0.005, 0.0005),)

SPECS: dict[str, CoinSpec] = {
    "BTC": CoinSpec(
        # BTC-PERPETUAL and BTC dated futures: contract_size 10 (USD), min_trade_amount
        # 10, tick_size 0.5. Source: the get_instruments response quoted in ccxt
        # deribit.py fetch_markets (BTC-PERPETUAL, BTC-27MAY22, "future_type": "reversed").
        inverse_future=BookSpec(10.0, 10.0, 0.5),
        # BTC_USDC-PERPETUAL: contract_size 0.001, min_trade_amount 0.001 (BTC), tick_size
        # 1, tick_size_steps [], price_index "btc_usdc", settlement/quote/counter USDC,
        # instrument_type "linear". Source: public/get_instrument, 2025-07-09
        # (usIn 1752066289979842).
        linear_perpetual=BookSpec(0.001, 0.001, 1.0),
        option=BookSpec(1.0, 0.1, 0.0001, _OPTION_STEPS),  # source above
    ),
    "ETH": CoinSpec(
        # ETH-PERPETUAL and ETH futures: 1 USD contracts, min 1, tick 0.05 (Deribit's
        # contract specifications; the same constants in the affresco/jApiClients
        # Deribit client, EtherFuturesContract).
        inverse_future=BookSpec(1.0, 1.0, 0.05),
        # ETH_USDC-PERPETUAL: min_trade_amount 0.01 ETH, tick 0.1; NOT verified against a
        # published get_instruments capture (none was found here): the contract size
        # is taken equal to the minimum, as BTC_USDC-PERPETUAL's is.
        linear_perpetual=BookSpec(0.01, 0.01, 0.1),
        # ETH options: min_trade_amount 1 ETH, tick 0.0001 with BTC's tick steps
        # (Deribit's option specifications; the steps as in the BTC capture above).
        option=BookSpec(1.0, 1.0, 0.0001, _OPTION_STEPS),
    ),
}
# Other coins (scenario-only): inverse 1 USD contracts and coin-sized books.
DEFAULT_SPEC = CoinSpec(
    BookSpec(1.0, 1.0, 0.001), BookSpec(1.0, 1.0, 0.0001), BookSpec(1.0, 1.0, 0.0001)
)


@dataclass(frozen=True, slots=True)
class Instrument:
    """One Deribit instrument. ``settle`` is also the account currency it margins in."""

    name: str
    kind: str  # "future" | "option"
    base: str
    settle: str
    counter: str
    contract_size: float
    tick: float
    min_amount: float
    created_ms: int
    tick_steps: tuple[TickStep, ...] = ()
    expiry_ms: int = PERPETUAL_EXPIRY_MS
    strike: float | None = None
    option_type: str | None = None  # "call" | "put"

    @property
    def inverse(self) -> bool:
        return self.settle != self.counter

    @property
    def perpetual(self) -> bool:
        return self.expiry_ms == PERPETUAL_EXPIRY_MS

    def tick_at(self, price: float) -> float:
        """The tick a price must be a multiple of (``tick_size_steps`` above a level)."""
        tick = self.tick
        for step in self.tick_steps:
            if price > step.above_price:
                tick = step.tick_size
        return tick

    def years_left(self, now_s: int) -> float:
        return max(self.expiry_ms / 1000.0 - now_s, 0.0) / SECONDS_PER_YEAR

    def to_json(self) -> dict[str, object]:
        """The instrument as ``public/get_instruments`` returns it (field set and values
        of the 2025-07-09 captures cited beside ``SPECS``)."""
        period = "perpetual" if self.perpetual else "week"
        kind_type = "reversed" if self.inverse else "linear"
        index = f"{self.base.lower()}_usd" if self.inverse else f"{self.base.lower()}_usdc"
        option = self.kind == "option"
        return {
            "instrument_name": self.name,
            "instrument_id": zlib.crc32(self.name.encode()) % 10**6,
            "kind": self.kind,
            "base_currency": self.base,
            "counter_currency": self.counter,
            "quote_currency": self.settle if option else self.counter,
            "settlement_currency": self.settle,
            "price_index": index,
            "settlement_period": period,
            "contract_size": self.contract_size,
            "min_trade_amount": self.min_amount,
            "tick_size": self.tick,
            "tick_size_steps": [
                {"above_price": step.above_price, "tick_size": step.tick_size}
                for step in self.tick_steps
            ],
            "taker_commission": 0.0003 if option else 0.0005,
            "maker_commission": 0.0003 if option else 0.0,
            "block_trade_commission": 0.0003 if option else 0.0001,
            "block_trade_tick_size": self.tick,
            "expiration_timestamp": self.expiry_ms,
            "creation_timestamp": self.created_ms,
            "is_active": True,
            "state": "open",
            "rfq": False,
            "instrument_type": kind_type,
            **(
                {"strike": self.strike, "option_type": self.option_type}
                if option
                else {
                    "future_type": kind_type,
                    "max_leverage": 50,
                    "max_liquidation_commission": 0.0075,
                }
            ),
        }


def expiry_code(expiry_ms: int) -> str:
    """Deribit's date code: ``27DEC24`` (day without leading zero)."""
    moment = datetime.fromtimestamp(expiry_ms / 1000, tz=UTC)
    return f"{moment.day}{_MONTHS[moment.month - 1]}{moment.year % 100:02d}"


def _fridays_after(start: datetime, count: int) -> list[datetime]:
    moment = start.replace(hour=8, minute=0, second=0, microsecond=0)
    moment += timedelta(days=(4 - moment.weekday()) % 7)
    if moment <= start + timedelta(hours=1):
        moment += timedelta(days=7)
    return [moment + timedelta(weeks=index) for index in range(count)]


def _quarterly_after(moment: datetime) -> datetime:
    year, month = moment.year, moment.month
    while True:
        quarter_end = ((month - 1) // 3 + 1) * 3
        last_day = calendar.monthrange(year, quarter_end)[1]
        candidate = datetime(year, quarter_end, last_day, 8, tzinfo=UTC)
        candidate -= timedelta(days=(candidate.weekday() - 4) % 7)
        if candidate > moment:
            return candidate
        month = quarter_end + 1
        if month > 12:
            year, month = year + 1, 1


def expiries(start_s: int, weeklies: int = 3) -> list[int]:
    """Expiry timestamps (ms): ``weeklies`` Fridays 08:00 UTC, then a quarterly."""
    start = datetime.fromtimestamp(start_s, tz=UTC)
    fridays = _fridays_after(start, weeklies)
    dates = [*fridays, _quarterly_after(fridays[-1])]
    return [int(moment.timestamp() * 1000) for moment in dates]


def nice_step(raw: float) -> float:
    """Round a strike spacing to 1, 2, 2.5 or 5 times a power of ten."""
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power * 1.25:
            return factor * power
    return 10.0 * power


def strikes(spot: float, span: float = 0.3, per_side: int = 6) -> list[float]:
    """A symmetric strike grid covering ``spot`` x (1 +/- span)."""
    step = nice_step(spot * span / per_side)
    center = round(spot / step) * step
    grid = [center + index * step for index in range(-per_side, per_side + 1)]
    return [strike for strike in grid if strike > 0]


def _coin_instruments(coin: str, dates: list[int], spot: float, created: int) -> list[Instrument]:
    spec = SPECS.get(coin, DEFAULT_SPEC)
    inverse = partial(
        Instrument,
        base=coin,
        settle=coin,
        counter="USD",
        created_ms=created,
        contract_size=spec.inverse_future.contract_size,
        tick=spec.inverse_future.tick,
        min_amount=spec.inverse_future.min_amount,
    )
    listed = [
        inverse(name=f"{coin}-PERPETUAL", kind="future"),
        Instrument(
            name=f"{coin}_USDC-PERPETUAL",
            kind="future",
            base=coin,
            settle="USDC",
            counter="USDC",
            contract_size=spec.linear_perpetual.contract_size,
            tick=spec.linear_perpetual.tick,
            min_amount=spec.linear_perpetual.min_amount,
            created_ms=created,
        ),
    ]
    listed += [
        inverse(name=f"{coin}-{expiry_code(expiry)}", kind="future", expiry_ms=expiry)
        for expiry in dates[-2:]
    ]
    option = spec.option
    listed += [
        Instrument(
            name=f"{coin}-{expiry_code(expiry)}-{strike:g}-{kind[0].upper()}",
            kind="option",
            base=coin,
            settle=coin,
            counter="USD",
            created_ms=created,
            contract_size=option.contract_size,
            tick=option.tick,
            min_amount=option.min_amount,
            tick_steps=option.tick_steps,
            expiry_ms=expiry,
            strike=strike,
            option_type=kind,
        )
        for expiry in dates
        for strike in strikes(spot)
        for kind in ("call", "put")
    ]
    return listed


def build_instruments(state: MarketState, coins: tuple[str, ...]) -> dict[str, Instrument]:
    """Every instrument the simulator lists, by name, for ``coins`` in ``state``."""
    dates = expiries(state.timestamp)
    listed: dict[str, Instrument] = {}
    for coin in coins:
        for item in _coin_instruments(coin, dates, state.price(coin), state.timestamp * 1000):
            listed[item.name] = item
    return listed


@dataclass(frozen=True, slots=True)
class Pricer:
    """Values instruments at one market state. ``smile`` bends IV by ln(K/S)^2."""

    state: MarketState
    smile: float = 0.0

    def index(self, coin: str) -> float:
        return self.state.price(coin)

    def iv(self, instrument: Instrument) -> float:
        """Mark IV (annualised fraction) of an option."""
        atm = self.state.implied_vol(instrument.base)
        moneyness = math.log((instrument.strike or 1.0) / self.index(instrument.base))
        return atm * (1.0 + self.smile * moneyness * moneyness)

    def option(self, instrument: Instrument) -> OptionValue:
        return value(
            self.index(instrument.base),
            instrument.strike or 0.0,
            instrument.years_left(self.state.timestamp),
            self.iv(instrument),
            instrument.option_type == "call",
        )

    def mark(self, instrument: Instrument) -> float:
        """Mark in the instrument's price unit: USD (or USDC) for futures, coin for options."""
        spot = self.index(instrument.base)
        if instrument.kind == "option":
            return self.option(instrument).price_usd / spot
        if instrument.perpetual:
            return spot
        basis = self.state.funding_annual.get(instrument.base, 0.0)
        return spot * (1.0 + basis * instrument.years_left(self.state.timestamp))

    def funding_8h(self, instrument: Instrument) -> float:
        """Funding per 8 hours as a fraction (positive: longs pay)."""
        if not instrument.perpetual:
            return 0.0
        return self.state.funding_annual.get(instrument.base, 0.0) * 8.0 / (365.0 * 24.0)
