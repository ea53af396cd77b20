"""Hyperliquid's perp clearinghouse, simulated: orders, cross margin, funding, liquidation
(``liquidation.py``).

Rules from Hyperliquid's documentation: initial margin = notional / leverage (cross,
default leverage min(20, max leverage)); maintenance margin = half the initial margin
at max leverage, i.e. notional / (2 x max leverage); an account whose value (USDC
balance + unrealised P&L) falls below its maintenance margin is liquidated (its orders
cancelled, its positions closed at the oracle price). Funding is hourly, from the
market driver's regime, accrued continuously on each market step (positive: longs pay).
The touch is a one-basis-point spread around the oracle; behind it the depth model
(``sim/venues/depth.py``) gives levels of finite size, so an IOC order meeting less depth
fills partially: the exchange endpoint answers ``filled`` with the smaller ``totalSz``
(and ``avgPx`` over the levels taken) and the rest is cancelled (``orderStatus``:
``canceled``, ``origSz`` minus ``sz`` filled); a GTC order rests what did not fill.
"""

from __future__ import annotations

import math

from sim.market import MarketState
from sim.venues.depth import DepthModel, Level, walk
from sim.venues.hyperliquid.isolated import is_isolated, on_fill
from sim.venues.hyperliquid.liquidation import liquidate_if_needed
from sim.venues.hyperliquid.numbers import fmt, price_ok, round_price
from sim.venues.hyperliquid.records import (
    Asset,
    Fill,
    HlOrder,
    Liquidation,
    PerpPosition,
    Trigger,
    User,
)
from sim.venues.hyperliquid.resting import cancel_stale_reduce_only, fire_triggers

__all__ = ["Asset", "Clearinghouse", "Fill", "HlOrder", "Liquidation", "PerpPosition", "User"]

TAKER_FEE = 0.00045
MAKER_FEE = 0.00015
HALF_SPREAD = 0.0001
LEVEL_USD = 500_000.0  # per level of the depth model, 10 levels 5 bp apart at liquidity 1
MAX_LEVERAGE = {"BTC": 40, "ETH": 25}
SIZE_DECIMALS = {"BTC": 5, "ETH": 4}


class OrderRejected(Exception):
    """An order refused with Hyperliquid's message (``... asset=N``)."""


class Clearinghouse:
    """Assets, users and orders of the simulated Hyperliquid perp venue."""

    def __init__(self, state: MarketState, coins: tuple[str, ...]) -> None:
        self.state = state
        self.assets = [
            Asset(index, coin, SIZE_DECIMALS.get(coin, 2), MAX_LEVERAGE.get(coin, 20))
            for index, coin in enumerate(coins)
        ]
        self.by_name = {asset.name: asset for asset in self.assets}
        self.users: dict[str, User] = {}
        self.orders: dict[int, HlOrder] = {}
        self.owners: dict[int, str] = {}
        self.liquidations: list[Liquidation] = []
        self.depth = DepthModel(level_usd=LEVEL_USD)
        self.funding_records: list[tuple[str, float, int]] = []  # (coin, hourly rate, ms)
        self._next_oid = 1000
        self._next_tid = 0

    @property
    def now_ms(self) -> int:
        return self.state.timestamp * 1000

    def new_oid(self) -> int:
        """The next order id (orders and the liquidation engine's closes share them)."""
        self._next_oid += 1
        return self._next_oid

    def new_tid(self) -> int:
        """The next fill's trade id."""
        self._next_tid += 1
        return self._next_tid

    def oracle(self, coin: str) -> float:
        return self.state.price(coin)

    def funding_hourly(self, coin: str) -> float:
        return self.state.funding_annual.get(coin, 0.0) / (365.0 * 24.0)

    def touch(self, asset: Asset) -> tuple[float, float]:
        """(best bid, best ask)."""
        price = self.oracle(asset.name)
        bid = round_price(price * (1.0 - HALF_SPREAD), asset.sz_decimals, up=False)
        ask = round_price(price * (1.0 + HALF_SPREAD), asset.sz_decimals, up=True)
        return bid, ask

    def add_user(self, address: str, usdc: float) -> User:
        user = User(address.lower(), usdc)
        self.users[user.address] = user
        return user

    # --- margin ---------------------------------------------------------------------

    def leverage(self, user: User, asset: Asset) -> int:
        return user.leverage.get(asset.name, min(20, asset.max_leverage))

    def unrealized(self, position: PerpPosition, coin: str) -> float:
        return position.szi * (self.oracle(coin) - position.entry_px)

    def account_value(self, user: User, *, cross_only: bool = False) -> float:
        """Cash, isolated margins and unrealised P&L (``cross_only``: the cross account's)."""
        value = user.balance
        for coin, position in user.positions.items():
            if cross_only and is_isolated(user, coin):
                continue
            value += self.unrealized(position, coin) + position.isolated_margin
        return value

    def margin_used(
        self, user: User, extra: dict[str, float] | None = None, *, cross_only: bool = False
    ) -> float:
        """Initial margin of positions (plus ``extra`` signed sizes per coin), USDC; an
        isolated position's is its margin."""
        sizes = {coin: p.szi for coin, p in user.positions.items()}
        for coin, delta in (extra or {}).items():
            sizes[coin] = sizes.get(coin, 0.0) + delta
        total = 0.0
        for coin, size in sizes.items():
            held = user.positions.get(coin)
            if is_isolated(user, coin) and held is not None and size == held.szi:
                total += 0.0 if cross_only else held.isolated_margin
                continue
            asset = self.by_name[coin]
            total += abs(size) * self.oracle(coin) / self.leverage(user, asset)
        return total

    def position_maintenance(self, coin: str, position: PerpPosition) -> float:
        return abs(position.szi) * self.oracle(coin) / (2.0 * self.by_name[coin].max_leverage)

    def maintenance(self, user: User) -> float:
        """The cross account's maintenance margin (``crossMaintenanceMarginUsed``)."""
        return sum(
            self.position_maintenance(c, p)
            for c, p in user.positions.items()
            if not is_isolated(user, c)
        )

    def open_orders(self, user: User) -> list[HlOrder]:
        return [
            order
            for oid, order in self.orders.items()
            if self.owners[oid] == user.address and order.status == "open"
        ]

    def _pending(self, user: User) -> dict[str, float]:
        pending: dict[str, float] = {}
        for order in self.open_orders(user):
            signed = order.sz if order.is_buy else -order.sz
            pending[order.asset.name] = pending.get(order.asset.name, 0.0) + signed
        return pending

    # --- orders ---------------------------------------------------------------------

    def place(
        self,
        user: User,
        asset: Asset,
        *,
        is_buy: bool,
        price: float,
        size: float,
        tif: str,
        reduce_only: bool,
        cloid: str | None,
        builder_fee: float = 0.0,
        trigger: Trigger | None = None,
    ) -> dict[str, object]:
        """Place one order; its status as the exchange endpoint reports it. A trigger
        order rests untriggered (resting.py)."""
        where = f"asset={asset.index}"
        self._validate(user, asset, is_buy, price, size, reduce_only, where)
        bid, ask = self.touch(asset)
        crossing = trigger is None and (price >= ask if is_buy else price <= bid)
        if tif == "Alo" and crossing:
            message = f"Post only order would have immediately matched, bbo was {bid}@{ask}."
            raise OrderRejected(f"{message} {where}")
        if tif == "Ioc" and not crossing:
            raise OrderRejected(
                f"Order could not immediately match against any resting orders. {where}"
            )
        self._check_margin(user, asset, size if is_buy else -size, where)
        order = HlOrder(
            oid=self.new_oid(),
            asset=asset,
            is_buy=is_buy,
            limit_px=price,
            orig_sz=size,
            sz=size,
            tif=tif,
            reduce_only=reduce_only,
            cloid=cloid,
            timestamp=self.now_ms,
            status_timestamp=self.now_ms,
            trigger=trigger,
        )
        self.orders[order.oid] = order
        self.owners[order.oid] = user.address
        ids = {"oid": order.oid, **({"cloid": cloid} if cloid else {})}
        if crossing:
            self.take(user, order, price, builder_fee)
        if order.status == "open" and tif == "Ioc":  # an IOC's unfilled rest is cancelled
            order.status, order.status_timestamp = "canceled", self.now_ms
        if order.status == "open":
            return {"resting": ids}
        if order.filled <= 0:  # the depth was gone: no order, as when nothing crosses
            del self.orders[order.oid], self.owners[order.oid]
            raise OrderRejected(
                f"Order could not immediately match against any resting orders. {where}"
            )
        average = fmt(order.filled_notional / order.filled)
        return {"filled": {"totalSz": fmt(order.filled), "avgPx": average, **ids}}

    def take(self, user: User, order: HlOrder, limit: float, builder_fee: float = 0.0) -> None:
        """Fill ``order`` as a taker against the book, up to ``limit``."""
        for level_price, level_size in self.matches(order.asset, order.is_buy, limit, order.sz):
            self._fill(user, order, level_price, TAKER_FEE + builder_fee, True, level_size)
        cancel_stale_reduce_only(self, user)

    def matches(
        self, asset: Asset, is_buy: bool, limit: float, size: float
    ) -> list[tuple[float, float]]:
        """(price, size) a taker order would take now, level by level up to ``limit``."""
        levels = self.book_side(asset, asks=is_buy)
        return walk(levels, size, limit, buy=is_buy, amount_of=lambda lv: self.coins(asset, lv))

    def book_side(self, asset: Asset, *, asks: bool) -> list[Level]:
        """What is left on one side of ``asset``'s book, best first."""
        bid, ask = self.touch(asset)
        return self.depth.side(
            asset.name,
            asset.name,
            self.state.implied_vol(asset.name),
            ask if asks else bid,
            asks=asks,
            round_price=lambda price, up: round_price(price, asset.sz_decimals, up),
        )

    @staticmethod
    def coins(asset: Asset, level: Level) -> float:
        """A level's size in coin, on the asset's size step."""
        step = 10.0**-asset.sz_decimals
        return round(math.floor(level.size_usd / level.price / step + 1e-9) * step, 10)

    def _validate(
        self,
        user: User,
        asset: Asset,
        is_buy: bool,
        price: float,
        size: float,
        reduce_only: bool,
        where: str,
    ) -> None:
        if size <= 0 or abs(round(size, asset.sz_decimals) - size) > 1e-12:
            raise OrderRejected(f"Order has invalid size. {where}")
        if not price_ok(price, asset.sz_decimals):
            raise OrderRejected(f"Price must be divisible by tick size. {where}")
        if price * size < 10.0 and not reduce_only:
            raise OrderRejected(f"Order must have minimum value of $10. {where}")
        held = user.positions.get(asset.name, PerpPosition()).szi
        if reduce_only and (held == 0 or (held > 0) == is_buy or size > abs(held) + 1e-12):
            raise OrderRejected(f"Reduce only order would increase position. {where}")

    def _check_margin(self, user: User, asset: Asset, signed: float, where: str) -> None:
        pending = self._pending(user)
        before = self.margin_used(user, pending)
        pending[asset.name] = pending.get(asset.name, 0.0) + signed
        after = self.margin_used(user, pending)
        if after > before + 1e-9 and self.account_value(user) < after:
            raise OrderRejected(f"Insufficient margin to place order. {where}")

    def _fill(
        self,
        user: User,
        order: HlOrder,
        price: float,
        fee_rate: float,
        crossed: bool,
        size: float | None = None,
    ) -> None:
        """Fill ``size`` of ``order`` (all that is left when None) at ``price``."""
        size = order.sz if size is None else min(size, order.sz)
        if crossed:
            self.depth.take(order.asset.name, asks=order.is_buy, usd=size * price)
        signed = size if order.is_buy else -size
        position = user.positions.setdefault(order.asset.name, PerpPosition())
        old = position.szi
        new = old + signed
        closed_pnl = 0.0
        if old * signed < 0:
            closed = min(abs(signed), abs(old))
            closed_pnl = closed * (price - position.entry_px) * (1 if old > 0 else -1)
            user.balance += closed_pnl
        if old == 0 or old * new < 0:
            position.entry_px, position.funding_since_open = price, 0.0
        elif abs(new) > abs(old):
            position.entry_px = (abs(old) * position.entry_px + size * price) / abs(new)
        position.szi = 0.0 if abs(new) < 1e-12 else new
        on_fill(user, order.asset.name, position, old, price, self.leverage(user, order.asset))
        if position.szi == 0:
            del user.positions[order.asset.name]
        fee = size * price * fee_rate
        user.balance -= fee
        order.filled_notional += size * price
        order.sz = round(order.sz - size, 10)
        if order.sz <= 0:
            order.sz = 0.0
            order.status, order.status_timestamp = "filled", self.now_ms
        fill = Fill(
            tid=self.new_tid(), oid=order.oid, coin=order.asset.name, is_buy=order.is_buy,
            price=price, size=size, start_position=old, closed_pnl=closed_pnl, fee=fee,
            crossed=crossed, time=self.now_ms,
        )  # fmt: skip
        user.fills.append(fill)

    def cancel(self, user: User, oid: int) -> None:
        order = self.orders.get(oid)
        if order is None or self.owners[oid] != user.address or order.status != "open":
            raise OrderRejected("Order was never placed, already canceled, or filled.")
        order.status, order.status_timestamp = "canceled", self.now_ms

    def find(self, user: User, key: int | str) -> HlOrder | None:
        """An order of ``user`` by oid or cloid."""
        if isinstance(key, int):
            order = self.orders.get(key)
            return order if order and self.owners[key] == user.address else None
        for oid, order in self.orders.items():
            if order.cloid == key.lower() and self.owners[oid] == user.address:
                return order
        return None

    # --- the market moves ---------------------------------------------------------

    def on_market(self, state: MarketState) -> None:
        """Accrue funding, fill resting orders, then liquidate under-margined users."""
        elapsed = state.timestamp - self.state.timestamp
        hours = range(self.state.timestamp // 3600 + 1, state.timestamp // 3600 + 1)
        self.state = state
        self.depth.refill()
        self.funding_records += [  # funding is settled each hour on the hour
            (asset.name, self.funding_hourly(asset.name), hour * 3_600_000)
            for hour in hours
            for asset in self.assets
        ]
        for user in self.users.values():
            if elapsed > 0:
                self._accrue_funding(user, elapsed)
            for order in self.open_orders(user):
                if order.trigger is not None:
                    continue  # untriggered: not on the book
                bid, ask = self.touch(order.asset)
                if (order.is_buy and order.limit_px >= ask) or (
                    not order.is_buy and order.limit_px <= bid
                ):
                    self._fill(user, order, order.limit_px, MAKER_FEE, False)
                    cancel_stale_reduce_only(self, user)
            fire_triggers(self, user)
            liquidate_if_needed(self, user)

    def _accrue_funding(self, user: User, elapsed_s: int) -> None:
        for coin, position in user.positions.items():
            payment = position.szi * self.oracle(coin) * self.funding_hourly(coin)
            payment *= elapsed_s / 3600.0
            if is_isolated(user, coin):  # an isolated position pays from its own margin
                position.isolated_margin -= payment
            else:
                user.balance -= payment
            position.funding_all_time += payment
            position.funding_since_open += payment
