"""Exchange orders (RELIABILITY rows 12-14, 16): deterministic client ids, journaled before
placement, looked up before any retry, never placed twice.

Every test talks to the venue through ``OrderVenueHarness``; the fake implements it, and
the venue simulators can join the ``harness`` fixture's parameters later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from exec_fakes import FakeOrderVenue, ManualClock, OrderVenueHarness
from guard_builders import context, limits, trade

from agent.control.killswitch import KillSwitch
from agent.execution.executor import Executor
from agent.execution.guard import Guard
from agent.execution.journal import Journal
from agent.execution.orders import OrderExecutor, OrderSettings, client_order_id
from agent.execution.reconcile import ReadOnlyGate
from agent.execution.records import OrderStatus
from agent.intents import KillState, OutcomeStatus
from agent.ports import OrderRequest, OrderState
from tests.support.journals import OpenJournal, open_journal

__all__ = ["open_journal"]  # fixture: every test here runs on both backends

SYMBOL = "ETH-PERPETUAL"


@pytest.fixture(params=["fake"])
def harness(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[OrderVenueHarness]:
    return FakeOrderVenue(clock)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@dataclass
class Desk:
    journal: Journal
    killswitch: KillSwitch
    orders: OrderExecutor
    executor: Executor
    gate: ReadOnlyGate


@pytest.fixture
async def desk(
    open_journal: OpenJournal, clock: ManualClock, harness: OrderVenueHarness
) -> AsyncIterator[Desk]:
    journal = open_journal()
    killswitch = KillSwitch(journal, clock)
    settings = OrderSettings(lookup_attempts=3, lookup_interval_s=1.0, visibility_grace_s=900.0)
    orders = OrderExecutor({"deribit": harness.venue}, journal, killswitch, clock, settings)
    gate = ReadOnlyGate()
    executor = Executor(
        guard=Guard(limits()), journal=journal, killswitch=killswitch, clock=clock,
        orders=orders, gate=gate,
    )  # fmt: skip
    async with executor:
        await executor.start_up()
        yield Desk(journal, killswitch, orders, executor, gate)
    journal.close()


def test_client_order_ids_are_deterministic_hex() -> None:
    assert client_order_id("abc") == client_order_id("abc")
    assert client_order_id("abc") != client_order_id("abd")
    assert client_order_id("abc") != client_order_id("abc", leg=1)
    assert len(client_order_id("abc")) == 34
    assert int(client_order_id("abc"), 16) >= 0


async def test_the_client_id_is_journaled_before_the_order_leaves(
    desk: Desk, harness: OrderVenueHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_in_journal = []
    place = harness.venue.place_order

    async def watched(order: OrderRequest) -> OrderState:
        seen_in_journal.append(desk.journal.order(order.client_order_id))
        return await place(order)

    monkeypatch.setattr(harness.venue, "place_order", watched)
    outcome = await desk.executor.submit_order(trade(), context())
    assert outcome.status is OutcomeStatus.FILLED
    assert outcome.reference == client_order_id(trade().intent_id)
    [record] = seen_in_journal
    assert record is not None
    assert record.status is OrderStatus.JOURNALED


async def test_lost_reply_is_looked_up_not_resent(desk: Desk, harness: OrderVenueHarness) -> None:
    harness.drop_next_reply()
    outcome = await desk.executor.submit_order(trade(), context())
    assert outcome.status is OutcomeStatus.FILLED
    assert len(harness.accepted()) == 1
    assert harness.position(SYMBOL) == trade().quantity


async def test_not_found_keeps_the_exposure_reserved_and_never_replaces(
    desk: Desk, harness: OrderVenueHarness, clock: ManualClock
) -> None:
    harness.drop_next_reply()
    harness.hide_orders_for(300.0)  # the venue 404s for five minutes, then shows the fill
    first = await desk.executor.submit_order(trade(), context())
    assert first.status is OutcomeStatus.UNKNOWN
    assert desk.journal.reserved_by_venue() == {"deribit": trade().notional_usd}
    again = await desk.executor.submit_order(trade(), context())  # the policy insists
    assert again.status is OutcomeStatus.UNKNOWN
    assert desk.executor.gate.read_only is False
    report = await desk.executor.reconcile()  # the daemon re-reconciles each tick
    assert not report.consistent
    assert desk.gate.read_only
    clock.advance(300.0)
    report = await desk.executor.reconcile()
    assert report.consistent
    assert not desk.gate.read_only
    record = desk.journal.intent(trade().intent_id)
    assert record is not None
    assert record.status is OutcomeStatus.FILLED
    assert desk.journal.reserved_by_venue() == {}
    assert len(harness.accepted()) == 1
    assert harness.position(SYMBOL) == trade().quantity


async def test_never_seen_after_the_grace_period_is_not_placed(
    desk: Desk, harness: OrderVenueHarness, clock: ManualClock
) -> None:
    harness.unreachable_for_next_place()
    harness.unreachable_for_next_place()  # both attempts fail before reaching the venue
    outcome = await desk.executor.submit_order(trade(), context())
    assert outcome.status is OutcomeStatus.REJECTED
    assert harness.accepted() == []


async def test_unreachable_then_placed_after_a_lookup(
    desk: Desk, harness: OrderVenueHarness
) -> None:
    harness.unreachable_for_next_place()
    outcome = await desk.executor.submit_order(trade(), context())
    assert outcome.status is OutcomeStatus.FILLED
    assert len(harness.accepted()) == 1


async def test_the_same_intent_is_never_executed_twice(
    desk: Desk, harness: OrderVenueHarness
) -> None:
    await desk.executor.submit_order(trade(), context())
    again = await desk.executor.submit_order(trade(), context())
    assert again.status is OutcomeStatus.FILLED
    assert "not executed again" in again.detail
    assert len(harness.accepted()) == 1


async def test_no_order_after_the_kill_switch_trips(desk: Desk, harness: OrderVenueHarness) -> None:
    desk.killswitch.set_by_operator(KillState.HALTED, operator="alice", reason="test")
    outcome = await desk.executor.submit_order(trade(), context(kill_state=KillState.HALTED))
    assert outcome.status is OutcomeStatus.REJECTED
    stale = await desk.executor.submit_order(trade(sequence=1), context())  # says ACTIVE
    assert stale.status is OutcomeStatus.REJECTED  # the switch is asked again right before placing
    assert "kill switch is halted" in stale.detail
    assert harness.accepted() == []


async def test_halt_cancels_open_orders_through_failing_cancels(
    desk: Desk, harness: OrderVenueHarness
) -> None:
    harness.rest_orders()
    harness.add_foreign_order(SYMBOL)
    await desk.executor.submit_order(trade(), context())
    harness.fail_next_cancels(2)  # our cancel times out twice, then works
    results = await desk.executor.cancel_open_orders()
    assert len(results) == 2
    assert all(line.endswith("canceled") for line in results), results
    assert await harness.venue.open_orders() == []


async def test_a_cancel_that_keeps_failing_is_reported(
    desk: Desk, harness: OrderVenueHarness
) -> None:
    harness.rest_orders()
    await desk.executor.submit_order(trade(), context())
    harness.fail_next_cancels(10)
    [line] = await desk.executor.cancel_open_orders()
    assert "FAILED" in line


async def test_restart_with_an_orphaned_order_stays_read_only(
    tmp_path: Path, desk: Desk, harness: OrderVenueHarness
) -> None:
    harness.add_foreign_order(SYMBOL)
    report = await desk.executor.reconcile()
    assert not report.consistent
    assert "not in the journal" in report.problems[0]
    refused = await desk.executor.submit_order(trade(), context())
    assert refused.status is OutcomeStatus.REJECTED
    assert "read-only" in refused.detail
    await desk.executor.cancel_open_orders()
    assert (await desk.executor.reconcile()).consistent
    assert (await desk.executor.submit_order(trade(), context())).status is OutcomeStatus.FILLED
