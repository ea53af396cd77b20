"""The Deribit simulator's matching, positions, funding, expiry and liquidation.

Pure state: no I/O. The HTTP layer (``api.py``) turns requests into calls here; the
market driver calls ``on_market`` with each new state (funding and expiries:
``settlement.py``). Liquidation follows Deribit's standard margin: when a currency
account's equity falls below its maintenance margin its open orders are cancelled and
its positions are closed at mark, largest maintenance requirement first, until equity
covers maintenance again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sim.market import MarketState
from sim.venues.depth import DepthModel
from sim.venues.deribit.instruments import Instrument, Pricer, build_instruments
from sim.venues.deribit.margin import (
    AccountFigures,
    Holding,
    MarginRules,
    blend_entry,
    figures,
    future_pnl,
    margins,
)
from sim.venues.deribit.orders import (
    FUTURE_LEVEL_USD,
    DeribitError,
    Order,
    Trade,
    fee,
    matches_for,
    on_tick,
    take_depth,
    touch,
)
from sim.venues.deribit.settlement import accrue_funding, settle_expired

LIQUIDATION_FEE = 0.0075  # of the coin notional, Deribit's max_liquidation_commission


@dataclass(slots=True)
class Account:
    """One API client: cash per currency, positions and orders."""

    client_id: str
    client_secret: str = field(repr=False)
    balances: dict[str, float]
    holdings: dict[str, Holding] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    margin_model: str = "segregated_sm"  # or "cross_sm": cross.py


@dataclass(frozen=True, slots=True)
class Liquidation:
    """A position the venue closed because the account fell below maintenance."""

    client_id: str
    currency: str
    instrument: str
    size: float
    price: float
    timestamp: int


class DeribitExchange:
    """Instruments, accounts and orders of the simulated Deribit."""

    def __init__(
        self,
        state: MarketState,
        coins: tuple[str, ...] = ("BTC", "ETH"),
        rules: MarginRules | None = None,
        smile: float = 0.0,
    ) -> None:
        self.state = state
        self.rules = rules or MarginRules()
        self.smile = smile
        self.instruments = build_instruments(state, coins)
        self.currencies = sorted({item.settle for item in self.instruments.values()})
        self.accounts: dict[str, Account] = {}
        self.depth = DepthModel(level_usd=FUTURE_LEVEL_USD)
        # an account's available funds in a currency; cross.py replaces it for cross_sm
        self.available_funds: Callable[[Account, str], float] = lambda account, code: (
            self.figures(account, code).available_funds
        )
        self.liquidations: list[Liquidation] = []
        self._sequence = 0

    @property
    def pricer(self) -> Pricer:
        return Pricer(self.state, self.smile)

    @property
    def now_ms(self) -> int:
        return self.state.timestamp * 1000

    def add_account(
        self, client_id: str, client_secret: str, balances: dict[str, float]
    ) -> Account:
        account = Account(client_id, client_secret, {c: 0.0 for c in self.currencies})
        account.balances.update(balances)
        self.accounts[client_id] = account
        return account

    def instrument(self, name: str) -> Instrument:
        try:
            return self.instruments[name]
        except KeyError:
            raise DeribitError(10020, "invalid_or_unsupported_instrument", name) from None

    def _next(self, prefix: str) -> str:
        self._sequence += 1
        return f"{prefix}-{self._sequence}"

    # --- views ----------------------------------------------------------------------

    def holdings(self, account: Account, currency: str) -> Iterator[tuple[Instrument, Holding]]:
        for name, holding in account.holdings.items():
            instrument = self.instruments[name]
            if instrument.settle == currency and holding.size != 0:
                yield instrument, holding

    def figures(
        self, account: Account, currency: str, pricer: Pricer | None = None
    ) -> AccountFigures:
        """Equity and margins of ``account`` in ``currency``, open orders included.

        ``pricer`` values the account at another market state (a what-if).
        """
        pricer = pricer or self.pricer
        open_orders = sum(
            self._order_initial(account, order, pricer)
            for order in account.orders.values()
            if order.state == "open" and order.instrument.settle == currency
        )
        return figures(
            account.balances[currency],
            self.holdings(account, currency),
            pricer,
            self.rules,
            open_orders,
        )

    def _order_initial(self, account: Account, order: Order, pricer: Pricer) -> float:
        held = account.holdings.get(order.instrument.name, Holding()).size
        before = margins(order.instrument, held, pricer, self.rules)[0]
        after = margins(order.instrument, held + order.signed, pricer, self.rules)[0]
        return max(after - before, 0.0)

    def labelled(self, account: Account, currency: str, label: str) -> list[Order]:
        return [
            order
            for order in account.orders.values()
            if order.label == label and order.instrument.settle == currency
        ]

    # --- trading --------------------------------------------------------------------

    def place(
        self,
        account: Account,
        name: str,
        direction: str,
        amount: float,
        *,
        price: float | None,
        label: str = "",
        time_in_force: str = "good_til_cancelled",
        post_only: bool = False,
        reduce_only: bool = False,
    ) -> tuple[Order, list[Trade]]:
        """Accept, fill or rest one order; raise DeribitError if the venue refuses it."""
        instrument = self.instrument(name)
        self._validate(instrument, amount, price)
        order = Order(
            order_id=self._next(instrument.settle),
            label=label,
            instrument=instrument,
            direction=direction,
            amount=amount,
            price=price,
            order_type="market" if price is None else "limit",
            time_in_force=time_in_force,
            created_ms=self.now_ms,
            post_only=post_only,
            reduce_only=reduce_only,
        )
        if reduce_only:
            self._clip_reduce_only(account, order)
        matches = matches_for(order, self.pricer, self.depth)
        if post_only and matches:
            raise DeribitError(11054, "post_only_reject")
        self._check_margin(account, order)
        account.orders[order.order_id] = order
        trades = [self._fill(account, order, price, True, amount) for price, amount in matches]
        if order.state == "open" and (order.price is None or time_in_force != "good_til_cancelled"):
            # What the book did not fill is cancelled: state "cancelled" with filled_amount
            # possibly > 0 (Deribit reports an IOC's partial fill so; no cancel_reason of
            # the API reference's enum applies, so none is given).
            order.state = "cancelled"
            order.updated_ms = self.now_ms
        return order, trades

    def _validate(self, instrument: Instrument, amount: float, price: float | None) -> None:
        units = amount / instrument.min_amount if amount > 0 else 0.5
        if abs(units - round(units)) > 1e-6:
            raise DeribitError(10021, "invalid_amount", "must be a multiple of min_trade_amount")
        # tick_size_steps: above a step's price, prices are multiples of its tick
        if price is not None and (price <= 0 or not on_tick(price, instrument.tick_at(price))):
            raise DeribitError(10043, "price_wrong_tick")

    def _clip_reduce_only(self, account: Account, order: Order) -> None:
        held = account.holdings.get(order.instrument.name, Holding()).size
        if held == 0 or (held > 0) == (order.direction == "buy"):
            raise DeribitError(11098, "reduce_only_would_increase_position")
        order.amount = min(order.amount, abs(held))

    def _check_margin(self, account: Account, order: Order) -> None:
        currency = order.instrument.settle
        before = self.figures(account, currency)
        account.orders[order.order_id] = order
        try:
            after = self.figures(account, currency)
            available = self.available_funds(account, currency)
        finally:
            del account.orders[order.order_id]
        increases = after.initial_margin > before.initial_margin + 1e-12
        if increases and available < 0:
            raise DeribitError(10009, "not_enough_funds")

    def _fill(
        self,
        account: Account,
        order: Order,
        price: float,
        taker: bool,
        amount: float | None = None,
    ) -> Trade:
        """Fill ``amount`` of ``order`` (all that is left when None) at ``price``."""
        amount = order.amount - order.filled if amount is None else amount
        instrument = order.instrument
        cost = fee(instrument, amount, price, taker)
        if taker:
            take_depth(self.depth, order, price, amount)
        signed = amount if order.direction == "buy" else -amount
        self._book(account, instrument, signed, price)
        account.balances[instrument.settle] -= cost
        order.fill(amount, price, cost, self.now_ms)
        self._sequence += 1
        trade = Trade(
            trade_id=f"{instrument.settle}-T{self._sequence}",
            trade_seq=self._sequence,
            order=order,
            amount=amount,
            price=price,
            fee=cost,
            liquidity="T" if taker else "M",
            timestamp_ms=self.now_ms,
            index_price=self.pricer.index(instrument.base),
            mark_price=self.pricer.mark(instrument),
        )
        account.trades.append(trade)
        return trade

    def _book(self, account: Account, instrument: Instrument, signed: float, price: float) -> None:
        """Move ``signed`` into the position at ``price``, realising P&L where it closes."""
        holding = account.holdings.setdefault(instrument.name, Holding())
        if instrument.kind == "option":
            account.balances[instrument.settle] -= signed * price
        size = holding.size
        closing = min(abs(signed), abs(size)) if size * signed < 0 else 0.0
        if closing:
            part = closing if size > 0 else -closing
            realized = future_pnl(instrument, part, holding.average_price, price)
            if instrument.kind == "future":
                account.balances[instrument.settle] += realized
                holding.realized_pl += realized
        opening = abs(signed) - closing
        new_size = size + signed
        if opening > 0:
            holding.average_price = blend_entry(
                instrument, size, holding.average_price, new_size, price
            )
        holding.size = 0.0 if abs(new_size) < 1e-12 else new_size

    def cancel(self, account: Account, order_id: str) -> Order:
        order = account.orders.get(order_id)
        if order is None:
            raise DeribitError(10004, "order_not_found")
        if order.state != "open":
            raise DeribitError(11044, "not_open_order")
        order.state, order.cancel_reason = "cancelled", "user_request"
        order.updated_ms = self.now_ms
        return order

    def cancel_all(self, account: Account, currency: str | None = None) -> int:
        cancelled = 0
        for order in account.orders.values():
            if order.state == "open" and currency in (None, order.instrument.settle):
                self.cancel(account, order.order_id)
                cancelled += 1
        return cancelled

    # --- the market moves ---------------------------------------------------------

    def on_market(self, state: MarketState) -> None:
        """Accrue funding, settle expiries, fill resting orders, then liquidate."""
        elapsed = state.timestamp - self.state.timestamp
        self.state = state
        self.depth.refill()
        for account in self.accounts.values():
            if elapsed > 0:
                accrue_funding(self, account, elapsed)
            settle_expired(self, account)
            self._match_resting(account)
            for currency in self.currencies:
                self._liquidate_if_needed(account, currency)

    def _match_resting(self, account: Account) -> None:
        for order in list(account.orders.values()):
            if order.state != "open" or order.price is None:
                continue
            best = touch(order.instrument, self.pricer.mark(order.instrument))
            buy_hit = order.direction == "buy" and order.price >= best.ask
            sell_hit = (
                order.direction == "sell" and best.bid is not None and order.price <= best.bid
            )
            if buy_hit or sell_hit:
                self._fill(account, order, order.price, taker=False)

    def _liquidate_if_needed(self, account: Account, currency: str) -> None:
        if account.margin_model != "segregated_sm":
            return  # a cross-collateral account is judged as a whole (cross.py)
        current = self.figures(account, currency)
        if current.maintenance_margin <= 0 or current.equity >= current.maintenance_margin:
            return
        self.cancel_all(account, currency)
        pricer = self.pricer
        ranked = sorted(
            self.holdings(account, currency),
            key=lambda pair: margins(pair[0], pair[1].size, pricer, self.rules)[1],
            reverse=True,
        )
        for instrument, holding in ranked:
            self.close_at_mark(account, instrument, holding, pricer)
            current = self.figures(account, currency)
            if current.equity >= current.maintenance_margin:
                break

    def close_at_mark(
        self, account: Account, instrument: Instrument, holding: Holding, pricer: Pricer
    ) -> None:
        mark = pricer.mark(instrument)
        size = holding.size
        self._book(account, instrument, -size, mark)
        coins = (
            abs(size) / mark if instrument.kind == "future" and instrument.inverse else abs(size)
        )
        penalty = LIQUIDATION_FEE * (coins if instrument.settle != "USDC" else coins * mark)
        account.balances[instrument.settle] -= penalty
        # The close is the liquidation engine's order (``is_liquidation``) and its trade,
        # our side the taker under liquidation ("T"), as get_user_trades_by_currency shows.
        order = Order(
            order_id=self._next(instrument.settle), label="", instrument=instrument,
            direction="sell" if size > 0 else "buy", amount=abs(size), price=None,
            order_type="market", time_in_force="immediate_or_cancel", created_ms=self.now_ms,
            reduce_only=True, is_liquidation=True,
        )  # fmt: skip
        order.fill(abs(size), mark, penalty, self.now_ms)
        account.orders[order.order_id] = order
        self._sequence += 1
        trade = Trade(
            trade_id=f"{instrument.settle}-T{self._sequence}", trade_seq=self._sequence,
            order=order, amount=abs(size), price=mark, fee=penalty, liquidity="T",
            timestamp_ms=self.now_ms, index_price=pricer.index(instrument.base),
            mark_price=mark, liquidation="T",
        )  # fmt: skip
        account.trades.append(trade)
        self.liquidations.append(
            Liquidation(
                account.client_id, instrument.settle, instrument.name, size, mark, self.now_ms
            )
        )
