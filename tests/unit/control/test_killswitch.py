"""The kill switch latches: automatic triggers only tighten, only an operator loosens,
and the state survives a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from agent.control.killswitch import KillSwitch, KillTransition, permits
from agent.errors import InvariantViolation
from agent.execution.journal import Journal
from agent.intents import KillState
from tests.support.journals import OpenJournal, journal, open_journal

__all__ = ["journal", "open_journal"]  # fixtures: every test here runs on both backends


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 3, 1, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


class FailingStore:
    """Persists nothing: every write fails like a full disk."""

    def load_kill_state(self) -> KillState | None:
        return KillState.HALTED

    def record_kill_transition(self, transition: KillTransition) -> None:
        raise OSError("disk full")

    def kill_history(self, limit: int) -> Sequence[KillTransition]:
        return []


def test_a_new_journal_starts_active(journal: Journal) -> None:
    assert KillSwitch(journal, Clock()).state is KillState.ACTIVE


def test_automatic_triggers_only_tighten(journal: Journal) -> None:
    switch = KillSwitch(journal, Clock())
    assert switch.trip(KillState.HALTED, reason="stale oracle")
    assert not switch.trip(KillState.REDUCE_ONLY, reason="drawdown")
    assert not switch.trip(KillState.ACTIVE, reason="oracle fresh again")
    assert switch.state is KillState.HALTED
    with pytest.raises(InvariantViolation, match="operator command"):
        switch.trip(KillState.FLATTEN, reason="automatic flatten")


def test_only_an_operator_loosens_and_it_is_recorded(journal: Journal) -> None:
    switch = KillSwitch(journal, Clock())
    switch.trip(KillState.HALTED, reason="reconciliation failed", source="reconcile")
    switch.set_by_operator(KillState.ACTIVE, operator="alice@desk", reason="checked, resuming")
    assert switch.state is KillState.ACTIVE
    newest, oldest = switch.history(2)
    assert (oldest.actor, oldest.automatic, oldest.state) == ("reconcile", True, KillState.HALTED)
    assert (newest.actor, newest.automatic, newest.previous) == (
        "alice@desk",
        False,
        KillState.HALTED,
    )
    with pytest.raises(InvariantViolation):
        switch.set_by_operator(KillState.ACTIVE, operator="", reason="anonymous")


def test_the_state_survives_a_restart(open_journal: OpenJournal) -> None:
    with open_journal() as journal:
        KillSwitch(journal, Clock()).set_by_operator(KillState.HALTED, operator="bob", reason="x")
    with open_journal() as journal:
        again = KillSwitch(journal, Clock())
        assert again.state is KillState.HALTED
        assert again.last_transition is not None
        assert again.last_transition.actor == "bob"


def test_a_loosening_that_cannot_be_persisted_does_not_happen() -> None:
    switch = KillSwitch(FailingStore(), Clock())
    with pytest.raises(OSError, match="disk full"):
        switch.set_by_operator(KillState.ACTIVE, operator="alice", reason="resume")
    assert switch.state is KillState.HALTED


def test_a_tightening_takes_effect_even_if_it_cannot_be_persisted() -> None:
    switch = KillSwitch(FailingStore(), Clock())
    with pytest.raises(OSError, match="disk full"):
        switch.set_by_operator(KillState.FLATTEN, operator="alice", reason="unwind")
    assert switch.state is KillState.FLATTEN


async def test_waiters_wake_on_a_change(journal: Journal) -> None:
    switch = KillSwitch(journal, Clock())
    waiter = asyncio.create_task(switch.wait_changed(switch.generation))
    await asyncio.sleep(0)
    assert not waiter.done()
    switch.trip(KillState.REDUCE_ONLY, reason="test")
    assert await asyncio.wait_for(waiter, 1) is KillState.REDUCE_ONLY


@pytest.mark.parametrize("state", list(KillState))
def test_unwind_is_the_only_work_flatten_passes(state: KillState) -> None:
    assert permits(state, risk_reducing=False, unwind=True) is (state is not KillState.HALTED)
    assert permits(state, risk_reducing=True) is (
        state in (KillState.ACTIVE, KillState.REDUCE_ONLY)
    )
    assert permits(state, risk_reducing=False) is (state is KillState.ACTIVE)
