"""The kill switch against orders in flight, verified on the venue simulators (RELIABILITY
row 16, the exchange half; the chain half is in tests/integration/execution).

Twenty hedges, alternating Deribit and Hyperliquid and a few milliseconds apart, go
through the guarded executor to ccxt and the simulators, whose every reply is slowed.
``kill`` arrives over the admin socket once the fifth order reached a venue. The
simulators' own request logs and order books must show nothing placed after the trip
(but an order already on the wire), nothing at all after one second, and exactly one
venue order behind each intent reported filled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cex_world import DERIBIT_CLIENT_ID, HL_ADDRESS, deribit_venue, hyperliquid_venue

from agent.clock import SystemClock
from agent.control.admin import AdminServer
from agent.control.client import AdminClient, AdminTarget
from agent.control.commands import Controls
from agent.control.killswitch import KillSwitch
from agent.control.status import JournalStatus
from agent.execution.executor import Executor
from agent.execution.guard import Guard
from agent.execution.journal import Journal
from agent.execution.limits import ExposureCap, GasCaps, GuardLimits
from agent.execution.orders import OrderExecutor, client_order_id
from agent.execution.proposal import GuardContext
from agent.intents import Action, Intent, KillState, Outcome, OutcomeStatus
from agent.model import Instrument, Kind
from agent.ports import OrderRequest
from connectors.cex import cloid_for
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator
from tests.support.waiting import wait_until

HEDGES = 20
STAGGER_S = 0.03
REPLY_DELAY_S = 0.05
PLACE = {"deribit": "private/buy", "hyperliquid": "exchange/order"}
INSTRUMENTS = {
    # Deribit's inverse perpetual counts USD: its connector sends 0.1 BTC as 6,000 USD.
    "deribit": Instrument("deribit", "BTC/USD:BTC", "BTC", Kind.PERP),
    "hyperliquid": Instrument("hyperliquid", "BTC/USDC:USDC", "BTC", Kind.PERP),
}


def _limits() -> GuardLimits:
    cap = ExposureCap(max_usd=1_000_000, max_fraction_of_book=1.0)
    gas = GasCaps(max_fee_per_gas_wei=10**11, max_priority_fee_per_gas_wei=10**10)
    return GuardLimits(
        max_notional_per_action_usd=50_000.0,
        max_notional_per_hour_usd=1_000_000.0,
        venue_caps={"deribit": cap, "hyperliquid": cap},
        protocol_caps={},
        protocol_of_venue={},
        max_slippage=0.01,
        max_reference_deviation=0.02,
        gas=gas,
        emergency_gas=gas,
        allowlist={},
        max_input_age_s=30.0,
        max_intent_age_s=30.0,
    )


def _hedge(sequence: int, venue: str, now: datetime) -> Intent:
    """Buy 0.1 BTC of perpetual on ``venue`` at up to 60,500 (the market is at 60,000)."""
    return Intent(
        venue=venue,
        action=Action.BUY,
        asset="BTC",
        quantity=0.1,
        reason=f"kill drill {sequence}",
        instrument=INSTRUMENTS[venue],
        limit_price=60_500.0,
        reference_price=60_000.0,
        notional_usd=6_000.0,
        risk_reducing=False,
        created_at=now,
        sequence=sequence,
    )


class Desk:
    """The executor with both venues, its kill switch, and the admin socket."""

    def __init__(self, journal: Journal, executor: Executor, clock: SystemClock) -> None:
        self.journal, self.executor, self.clock = journal, executor, clock

    def context(self) -> GuardContext:
        now = self.clock.now()
        return GuardContext(
            now=now,
            kill_state=KillState.ACTIVE,  # what a policy believes; the executor knows better
            book_value_usd=1_000_000.0,
            inputs_observed_at=now,
            reference_prices={"BTC": 60_000.0},
            notional_last_hour_usd=0.0,
            chain_id=1,
        )

    async def hedge(self, sequence: int, venue: str) -> Outcome:
        intent = _hedge(sequence, venue, self.clock.now())
        return await self.executor.submit_order(intent, self.context())


@pytest.fixture
async def desk(
    tmp_path: Path, deribit_sim: DeribitSimulator, hyperliquid_sim: HyperliquidSimulator
) -> AsyncIterator[Desk]:
    clock = SystemClock()
    journal = Journal.open(tmp_path / "journal.sqlite")
    killswitch = KillSwitch(journal, clock)
    async with (
        deribit_venue(deribit_sim) as deribit,
        hyperliquid_venue(hyperliquid_sim) as hyperliquid,
    ):
        venues = {"deribit": deribit, "hyperliquid": hyperliquid}
        orders = OrderExecutor(venues, journal, killswitch, clock)
        executor = Executor(
            guard=Guard(_limits()), journal=journal, killswitch=killswitch, clock=clock,
            orders=orders,
        )  # fmt: skip
        async with executor:
            await executor.start_up()
            yield Desk(journal, executor, clock)
    journal.close()


def _placements(simulators: dict[str, DeribitSimulator | HyperliquidSimulator]) -> list[float]:
    """When each order request reached a venue (monotonic seconds), from the venues' logs."""
    return sorted(
        request.at_s
        for kind, simulator in simulators.items()
        for request in simulator.requests
        if request.operation == PLACE[kind]
    )


def _orders_on_venues(deribit: DeribitSimulator, hyperliquid: HyperliquidSimulator) -> set[str]:
    """Client ids of every order the simulators hold (Deribit's label, Hyperliquid's cloid)."""
    labels = {o.label for o in deribit.exchange.accounts[DERIBIT_CLIENT_ID].orders.values()}
    owner = HL_ADDRESS.lower()
    cloids = {
        order.cloid
        for oid, order in hyperliquid.house.orders.items()
        if hyperliquid.house.owners[oid] == owner
    }
    return {str(label) for label in labels | cloids}


async def test_kill_stops_orders_in_flight_on_both_venues_within_a_second(
    desk: Desk,
    deribit_sim: DeribitSimulator,
    hyperliquid_sim: HyperliquidSimulator,
    tmp_path: Path,
) -> None:
    simulators: dict[str, DeribitSimulator | HyperliquidSimulator] = {
        "deribit": deribit_sim,
        "hyperliquid": hyperliquid_sim,
    }
    for simulator in simulators.values():
        simulator.faults.slow_replies(delay_s=REPLY_DELAY_S)
    submitted_while: list[KillState] = []  # the switch's state as each order left
    assert desk.executor.orders is not None
    for venue in desk.executor.orders.venues.values():
        submit = venue._submit  # type: ignore[attr-defined]

        async def watched(order: OrderRequest, amount: float, submit: Any = submit) -> Any:
            submitted_while.append(desk.executor.killswitch.state)
            return await submit(order, amount)

        venue._submit = watched  # type: ignore[attr-defined]
    socket = tmp_path / "admin.sock"
    status = JournalStatus(desk.journal, desk.executor.gate, desk.clock)
    controls = Controls(desk.executor.killswitch, desk.executor)

    async def staggered(sequence: int) -> Outcome:
        await asyncio.sleep(sequence * STAGGER_S)
        return await desk.hedge(sequence, "deribit" if sequence % 2 == 0 else "hyperliquid")

    async with AdminServer(controls, status, socket_path=socket):
        client = AdminClient(AdminTarget(socket_path=socket))
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(staggered(n)) for n in range(HEDGES)]
            await wait_until(
                lambda: len(_placements(simulators)) >= 5, interval_s=0.002, what="five orders"
            )
            tripped_at = time.monotonic()
            await client.command("kill", reason="drill", operator="test")
            answered_at = time.monotonic()
        outcomes = [task.result() for task in tasks]
        await asyncio.sleep(max(0.0, tripped_at + 1.0 - time.monotonic()))
        at_one_second = _orders_on_venues(deribit_sim, hyperliquid_sim)
        late = [await desk.hedge(n, "deribit") for n in range(HEDGES, HEDGES + 2)]

    assert answered_at - tripped_at < 1.0
    assert desk.executor.killswitch.state is KillState.HALTED
    placed = _placements(simulators)
    assert all(at <= tripped_at + 1.0 for at in placed)
    # Nothing leaves once the switch is HALTED (the last look before each submission);
    # requests already on their way may still reach the venues after ``tripped_at``
    # (the operator's request), which under load can be several.
    assert KillState.HALTED not in submitted_while
    assert len(submitted_while) == len(placed)
    assert 5 <= len(placed) < HEDGES
    on_venues = _orders_on_venues(deribit_sim, hyperliquid_sim)
    assert on_venues == at_one_second
    assert len(on_venues) == len(placed)  # one venue order per placement: no resends
    filled = [o for o in outcomes if o.status is OutcomeStatus.FILLED]
    refused = [o for o in outcomes + late if o.status is OutcomeStatus.REJECTED]
    assert len(filled) + len(refused) == HEDGES + 2
    assert all(o.reference == client_order_id(o.intent_id) for o in filled)
    assert {_filed_as(o) for o in filled} == on_venues  # every fill is there, nothing else
    assert all("kill switch is halted" in o.detail for o in refused)


def _filed_as(outcome: Outcome) -> str:
    """The id the venue files an outcome's order under: Deribit's label, Hyperliquid's cloid."""
    reference = str(outcome.reference)
    return cloid_for(reference) if outcome.venue == "hyperliquid" else reference
