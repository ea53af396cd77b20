"""The in-flight view from a real journal, and the netting the decision applies to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.control.status import AgentStatus, to_json
from agent.execution.in_flight_view import in_flight_ids, in_flight_view
from agent.execution.journal import Journal
from agent.execution.records import (
    IntentEntry,
    OrderRecord,
    OrderStatus,
    TxKind,
    TxRecord,
    TxStatus,
)
from agent.in_flight import (
    InFlight,
    InFlightKind,
    InFlightView,
    hedgeable_deviation,
    lending_changes,
)
from agent.intents import Action, Intent, KillState, Outcome, OutcomeStatus
from agent.model import PendingTrade, VenueSnapshot
from agent.ops.metrics import DaemonMetrics, ScrapeSources
from agent.tick.checks import InputReport
from agent.tick.exposures import gross_exposure_usd
from agent.tick.report import TickReport
from tests.support.journals import journal, open_journal

__all__ = ["journal", "open_journal"]  # fixtures: every test here runs on both backends


ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def hedge(action: Action = Action.SELL, quantity: float = 3.0, sequence: int = 0) -> Intent:
    return Intent(
        venue="uniswap", action=action, asset="ETH", quantity=quantity, reason="test",
        created_at=T0, sequence=sequence,
    )  # fmt: skip


def tx(intent_id: str, nonce: int, status: TxStatus, block: int | None = None) -> TxRecord:
    return TxRecord(
        hash=f"0x{nonce:064x}", intent_id=intent_id, account=ACCOUNT, chain_id=31337,
        nonce=nonce, version=1, kind=TxKind.INTENT, raw=b"\x02", to=ACCOUNT, data=b"",
        value=0, gas=21000, max_fee_per_gas=1, max_priority_fee_per_gas=1, function="",
        emergency=False, status=status, created_at=1.0, updated_at=1.0, block_number=block,
    )  # fmt: skip


def order(intent_id: str, status: OrderStatus, filled: float = 0.0) -> OrderRecord:
    return OrderRecord(
        client_order_id="0x" + intent_id[:32].ljust(32, "0"), intent_id=intent_id,
        venue="hyperliquid", symbol="ETH/USDC:USDC", side="sell", quantity=4.0,
        limit_price=2900.0, reduce_only=False, time_in_force="IOC", status=status,
        created_at=1.0, updated_at=1.0, filled_quantity=filled,
    )  # fmt: skip


def journaled(journal: Journal, intent: Intent, legs: int = 1) -> str:
    journal.record_intent(intent, IntentEntry(9000.0, True, False, legs), at=1.0)
    return intent.intent_id


def test_a_pending_transaction_is_in_flight_until_mined_at_the_read_block(
    journal: Journal,
) -> None:
    intent_id = journaled(journal, hedge())
    journal.record_transaction(tx(intent_id, 7, TxStatus.BROADCAST))
    [item] = in_flight_view(journal, {"uniswap": 100}).items
    assert (item.kind, item.delta_coin, item.notional_usd) == (InFlightKind.TRANSACTION, -3.0, 9000)
    # Mined in block 101: a snapshot read at 100 does not show it, one at 101 does.
    record = journal.transactions_of(intent_id)[0]
    journal.set_tx_status(record, TxStatus.MINED, at=2.0, block=(101, "0xb", 1))
    assert len(in_flight_view(journal, {"uniswap": 100}).items) == 1
    assert in_flight_view(journal, {"uniswap": 101}).items == ()


def test_every_leg_must_be_mined(journal: Journal) -> None:
    intent_id = journaled(journal, hedge(), legs=2)  # approve, then swap
    journal.record_transaction(tx(intent_id, 1, TxStatus.CONFIRMED, block=50))
    assert len(in_flight_view(journal, {"uniswap": 60}).items) == 1
    journal.record_transaction(tx(intent_id, 2, TxStatus.MINED, block=55))
    assert in_flight_view(journal, {"uniswap": 60}).items == ()


def test_work_finishing_after_the_read_stays_in_the_view(journal: Journal) -> None:
    intent_id = journaled(journal, hedge())
    journal.record_transaction(tx(intent_id, 7, TxStatus.BROADCAST))
    earlier = in_flight_ids(journal)
    record = journal.transactions_of(intent_id)[0]
    journal.set_tx_status(record, TxStatus.CONFIRMED, at=2.0, block=(101, "0xb", 1))
    journal.record_outcome(Outcome(intent_id, OutcomeStatus.FILLED, "uniswap"), at=2.0)
    assert in_flight_view(journal, {"uniswap": 100}).items == ()  # the race without earlier
    assert len(in_flight_view(journal, {"uniswap": 100}, earlier).items) == 1
    assert in_flight_view(journal, {"uniswap": 101}, earlier).items == ()


def test_orders_unknown_reserve_their_full_size_open_ones_their_rest(journal: Journal) -> None:
    unknown = journaled(journal, hedge(quantity=4.0))
    journal.record_order(order(unknown, OrderStatus.UNKNOWN))
    open_ = journaled(journal, hedge(quantity=4.0, sequence=1))
    journal.record_order(order(open_, OrderStatus.OPEN, filled=1.0))
    closed = journaled(journal, hedge(quantity=4.0, sequence=2))
    journal.record_order(order(closed, OrderStatus.CLOSED, filled=4.0))
    items = {i.intent_id: i for i in in_flight_view(journal, {}).items}
    assert items[unknown].kind is InFlightKind.UNKNOWN_ORDER
    assert items[unknown].quantity == 4.0
    assert items[open_].quantity == pytest.approx(3.0)
    assert closed not in items  # journal still says PENDING, but the fill is on the venue


def test_final_intents_are_not_in_flight(journal: Journal) -> None:
    intent_id = journaled(journal, hedge())
    journal.record_transaction(tx(intent_id, 7, TxStatus.DROPPED))
    journal.record_outcome(Outcome(intent_id, OutcomeStatus.REJECTED, "uniswap"), at=2.0)
    assert in_flight_view(journal, {}, {intent_id}).items == ()


def test_opposite_work_never_cancels_out(journal: Journal) -> None:
    journaled(journal, hedge(Action.SELL, 3.0))
    journaled(journal, hedge(Action.BUY, 3.0, sequence=1))
    assert in_flight_view(journal, {}).delta_by_underlying() == {"ETH": (3.0, -3.0)}


# --- netting -----------------------------------------------------------------------------


def test_a_stuck_hedge_is_not_hedged_again_only_the_drift_since() -> None:
    assert hedgeable_deviation(5.0, (0.0, -3.0)) == 2.0  # 3 of 5 already on the way
    assert hedgeable_deviation(3.0, (0.0, -3.0)) == 0.0
    assert hedgeable_deviation(-5.0, (3.0, 0.0)) == -2.0


def test_a_hedge_that_may_already_be_on_the_venue_is_never_traded_back() -> None:
    # An unknown 3 ETH sell whose fill the venue already shows: deviation 0 now, -3 if
    # it were counted again. Waiting is right either way.
    assert hedgeable_deviation(0.0, (0.0, -3.0)) == 0.0
    assert hedgeable_deviation(1.0, (0.0, -3.0)) == 0.0


@given(
    deviation=st.floats(-100, 100),
    buys=st.floats(0, 50),
    sells=st.floats(-50, 0),
    done=st.floats(0, 1),
)
def test_the_hedge_never_overshoots_whatever_the_work_in_flight_does(
    deviation: float, buys: float, sells: float, done: float
) -> None:
    """Whatever part of the work in flight completes, hedging the result never crosses
    the target and never goes against the book's deviation."""
    hedge_deviation = hedgeable_deviation(deviation, (buys, sells))
    assert abs(hedge_deviation) <= abs(deviation)
    assert hedge_deviation * deviation >= 0
    for outcome in (deviation + buys * done + sells, deviation + sells * done + buys):
        after = outcome - hedge_deviation  # the hedge removes hedge_deviation
        assert after * outcome >= 0 or abs(after) <= 1e-9 * max(1.0, abs(outcome))


def test_pending_lending_actions_change_the_account_as_if_done() -> None:
    items = (
        replace_item(Action.REPAY, "USDC", 5000.0),
        replace_item(Action.SUPPLY, "WETH", 2.0),
        replace_item(Action.REPAY_WITH_COLLATERAL, "USDC", 100.0),
    )
    changes = lending_changes(items)
    assert changes["USDC"] == (-100.0, -5100.0, -5000.0)
    assert changes["WETH"] == (2.0, 0.0, -2.0)


def replace_item(action: Action, asset: str, quantity: float) -> InFlight:
    base = InFlight("x", "aave", Action.SUPPLY, "WETH", 0.0, 0.0, InFlightKind.TRANSACTION, 0.0)
    return replace(base, action=action, asset=asset, quantity=quantity)


def test_metrics_and_status_show_the_work_in_flight(journal: Journal) -> None:
    sell = journaled(journal, hedge(Action.SELL, 3.0))
    journal.record_transaction(tx(sell, 7, TxStatus.BROADCAST))
    view = in_flight_view(journal, {"uniswap": 100})
    metrics = DaemonMetrics(ScrapeSources(kill_state=lambda: KillState.ACTIVE), monotonic=float)
    report = TickReport(T0, {}, InputReport((), frozenset()), None, in_flight=view)
    metrics.observe(report)
    text = metrics.exposition().decode()
    assert 'ballast_in_flight_delta_coin{side="sell",underlying="ETH"} -3.0' in text
    assert 'ballast_in_flight_notional_usd{venue="uniswap"} 9000.0' in text
    [shown] = to_json(AgentStatus(in_flight=view.items))["in_flight"]  # type: ignore[index]
    assert shown["kind"] == "pending transaction"
    assert shown["reference"] == journal.transactions_of(sell)[0].hash


def test_an_order_a_venue_holds_for_us_counts_against_its_caps_and_in_the_view() -> None:
    waiting = PendingTrade("ETH", -3.0, 9000.0, "0xkey")
    snapshot = VenueSnapshot("gmx", T0, pending=(waiting,))
    assert gross_exposure_usd({"gmx": snapshot}, {"ETH": 3000.0}) == {"gmx": 9000.0}
    [item] = InFlightView().with_venue_orders({"gmx": snapshot}).items
    assert (item.kind, item.delta_coin, item.reference) == (InFlightKind.VENUE_ORDER, -3.0, "0xkey")
