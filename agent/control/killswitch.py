"""The kill switch: ACTIVE -> REDUCE_ONLY -> HALTED -> FLATTEN, strictest last.

Automatic triggers (stale data, failed reconciliation, repeated reverts, drawdown) may
only tighten it; only an operator loosens it. Every transition is persisted through a
``KillStateStore`` (the journal) before a loosening takes effect and right after a
tightening does (a tightening must never wait on a disk), so the state survives
restarts. The executor asks ``permits`` immediately before every signature,
broadcast and order placement, which is what makes ``kill`` take effect at once for
work already in flight.

Two additions for a leader and its standby on a shared journal (``agent.leadership``): a
``ceiling``, a volatile restriction from the process's circumstances (standing by, a
lease that may have expired, a journal out of reach) that is never persisted and is
lifted when they pass; and ``reload``, which takes a transition another process recorded
in the shared store (an operator's ``kill`` sent to the other host).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from agent.errors import InvariantViolation
from agent.intents import KillState
from agent.ports import Clock

log = structlog.get_logger(__name__)


def permits(state: KillState, *, risk_reducing: bool, unwind: bool = False) -> bool:
    """Whether new work of this kind may start in ``state``.

    ACTIVE: everything. REDUCE_ONLY: risk-reducing work. HALTED: nothing. FLATTEN: only
    the flatten procedure's own unwind.
    """
    if state is KillState.ACTIVE:
        return True
    if state is KillState.REDUCE_ONLY:
        return risk_reducing or unwind
    if state is KillState.FLATTEN:
        return unwind
    return False


@dataclass(frozen=True, slots=True)
class KillTransition:
    """One change of state: when, from what, to what, who asked and why."""

    at: datetime
    previous: KillState
    state: KillState
    actor: str
    reason: str
    automatic: bool


class KillStateStore(Protocol):
    """Where transitions are persisted (the journal implements it)."""

    def load_kill_state(self) -> KillState | None:
        """The state after the last recorded transition; None if there was none."""
        ...

    def record_kill_transition(self, transition: KillTransition) -> None:
        """Persist ``transition`` durably before returning."""
        ...

    def kill_history(self, limit: int) -> Sequence[KillTransition]:
        """The latest ``limit`` transitions, newest first."""
        ...


Ceiling = Callable[[], tuple[KillState, str] | None]


class KillSwitch:
    """The live state, shared by the guard, the executor, the admin API and the daemon."""

    def __init__(self, store: KillStateStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._state = store.load_kill_state() or KillState.ACTIVE
        self._changed = asyncio.Event()
        self.generation = 0  # bumped on every change, so waiters can tell one happened
        self.last_transition: KillTransition | None = next(iter(store.kill_history(1)), None)
        self.ceiling: Ceiling | None = None  # set by agent.leadership

    @property
    def state(self) -> KillState:
        """The recorded state, or the ceiling's if stricter. A HALTED ceiling overrides
        even FLATTEN: a process that may not act must not unwind either."""
        ceiling = self.ceiling() if self.ceiling is not None else None
        if ceiling is None:
            return self._state
        limit = ceiling[0]
        if limit is KillState.HALTED or limit.strictness > self._state.strictness:
            return limit
        return self._state

    @property
    def recorded_state(self) -> KillState:
        """The state the store holds, without the ceiling."""
        return self._state

    def reload(self) -> bool:
        """Take the latest transition in the store if it changed the state (another
        process recorded it); True if the state changed here."""
        latest = next(iter(self._store.kill_history(1)), None)
        if latest is None or latest.state is self._state:
            return False
        self._state = latest.state
        self.last_transition = latest
        self._bump()
        log.warning(
            "kill_switch_reloaded", state=latest.state.value, actor=latest.actor,
            reason=latest.reason,
        )  # fmt: skip
        return True

    def permits(self, *, risk_reducing: bool, unwind: bool = False) -> bool:
        """Whether new work of this kind may start now (see the module function)."""
        return permits(self._state, risk_reducing=risk_reducing, unwind=unwind)

    def trip(self, state: KillState, *, reason: str, source: str = "automatic") -> bool:
        """An automatic trigger: move to ``state`` only if it is stricter; True if moved.

        FLATTEN is an operator decision and cannot be tripped automatically.
        """
        if state is KillState.FLATTEN:
            raise InvariantViolation("FLATTEN is an operator command, not an automatic trigger")
        if state.strictness <= self._state.strictness:
            return False
        self._apply(state, actor=source, reason=reason, automatic=True)
        return True

    def set_by_operator(self, state: KillState, *, operator: str, reason: str) -> KillTransition:
        """An operator command: any state, tighter or looser. Returns the transition."""
        if not operator:
            raise InvariantViolation("an operator command must name the operator")
        return self._apply(state, actor=operator, reason=reason, automatic=False)

    async def wait_changed(self, generation: int) -> KillState:
        """Return as soon as the state changed after ``generation`` was read."""
        while self.generation == generation:
            await self._changed.wait()
        return self._state

    def history(self, limit: int = 20) -> Sequence[KillTransition]:
        return self._store.kill_history(limit)

    def _apply(
        self, state: KillState, *, actor: str, reason: str, automatic: bool
    ) -> KillTransition:
        transition = KillTransition(
            at=self._clock.now(),
            previous=self._state,
            state=state,
            actor=actor,
            reason=reason,
            automatic=automatic,
        )
        loosening = state.strictness < self._state.strictness
        if loosening:
            self._store.record_kill_transition(transition)  # persisted before it takes effect
        self._state = state
        self.last_transition = transition
        self._bump()
        if not loosening:
            self._store.record_kill_transition(transition)  # already in effect in memory
        log.warning(
            "kill_switch_transition",
            previous=transition.previous.value,
            state=state.value,
            actor=actor,
            reason=reason,
            automatic=automatic,
        )
        return transition

    def _bump(self) -> None:
        self.generation += 1
        self._changed.set()
        self._changed = asyncio.Event()
