"""Operator commands and automatic trips, with what each state change must do.

The state changes first (that is what stops new work, at once); then HALTED and
FLATTEN cancel open orders, and ``kill`` may also replace pending transactions with
0-value self-transfers. Those follow-up actions are bounded by ``action_timeout_s``
and reported line by line; a failed cancel is reported, never hidden.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from agent.control.killswitch import KillSwitch, KillTransition
from agent.intents import KillState

log = structlog.get_logger(__name__)


class HaltActions(Protocol):
    """What the executor does for the kill switch (``Executor`` implements it)."""

    async def cancel_open_orders(self) -> list[str]:
        """Cancel every open order; one line per order, failures marked FAILED."""
        ...

    async def cancel_pending_transactions(self) -> list[str]:
        """Replace pending transactions with 0-value self-transfers; one line per nonce."""
        ...


@dataclass(frozen=True, slots=True)
class CommandResult:
    transition: KillTransition
    actions: list[str] = field(default_factory=list)


class Controls:
    """The commands behind the admin API and the daemon's automatic triggers."""

    def __init__(
        self,
        killswitch: KillSwitch,
        actions: HaltActions | None = None,
        *,
        action_timeout_s: float = 10.0,
    ) -> None:
        self.killswitch = killswitch
        self.actions = actions
        self.action_timeout_s = action_timeout_s
        self.acknowledge: Callable[[str], int] | None = None  # set by the wiring

    async def pause(self, operator: str, reason: str) -> CommandResult:
        """REDUCE_ONLY: only risk-reducing work from now on."""
        return CommandResult(self._set(KillState.REDUCE_ONLY, operator, reason))

    async def kill(
        self, operator: str, reason: str, *, cancel_transactions: bool = False
    ) -> CommandResult:
        """HALTED: nothing new; open orders cancelled; pending transactions replaced by
        0-value self-transfers if ``cancel_transactions``."""
        transition = self._set(KillState.HALTED, operator, reason)
        return CommandResult(transition, await self._halt_actions(cancel_transactions))

    async def flatten(self, operator: str, reason: str) -> CommandResult:
        """FLATTEN: only the flatten procedure's unwind; open orders cancelled first."""
        transition = self._set(KillState.FLATTEN, operator, reason)
        return CommandResult(transition, await self._halt_actions(False))

    async def resume(self, operator: str, reason: str) -> CommandResult:
        """ACTIVE again: the only way back, and only by an operator."""
        return CommandResult(self._set(KillState.ACTIVE, operator, reason))

    async def ack(self, operator: str, reason: str) -> CommandResult:
        """Acknowledge the external events reported so far (``agent.watch``) and, from the
        REDUCE_ONLY they caused, go back to ACTIVE; a stricter state stays."""
        if self.acknowledge is not None:
            count = self.acknowledge(operator)
            reason = f"{reason} ({count} external event(s) acknowledged)"
        if self.killswitch.recorded_state is KillState.REDUCE_ONLY:
            return await self.resume(operator, reason)
        return CommandResult(self._set(self.killswitch.recorded_state, operator, reason))

    async def follow_recorded(self) -> bool:
        """Take a transition another process recorded in the shared journal (an
        operator's command sent to the other host) and do what it asks here: HALTED and
        FLATTEN cancel open orders. True if the state changed."""
        if not self.killswitch.reload():
            return False
        if self.killswitch.recorded_state in (KillState.HALTED, KillState.FLATTEN):
            for line in await self._halt_actions(False):
                log.info("halt_action", source="recorded by another host", result=line)
        return True

    async def trip(self, state: KillState, reason: str, *, source: str = "automatic") -> bool:
        """An automatic trigger: tighten only; HALTED also cancels open orders."""
        moved = self.killswitch.trip(state, reason=reason, source=source)
        if moved and state is KillState.HALTED:
            for line in await self._halt_actions(False):
                log.info("halt_action", source=source, result=line)
        return moved

    def _set(self, state: KillState, operator: str, reason: str) -> KillTransition:
        return self.killswitch.set_by_operator(state, operator=operator, reason=reason)

    async def _halt_actions(self, cancel_transactions: bool) -> list[str]:
        if self.actions is None:
            return []
        results = await self._bounded("cancel open orders", self.actions.cancel_open_orders)
        if cancel_transactions:
            results += await self._bounded(
                "cancel pending transactions", self.actions.cancel_pending_transactions
            )
        return results

    async def _bounded(self, what: str, action: Callable[[], Awaitable[list[str]]]) -> list[str]:
        try:
            async with asyncio.timeout(self.action_timeout_s):
                return await action()
        except TimeoutError:
            log.error("halt_action_timeout", action=what, timeout_s=self.action_timeout_s)
            return [f"FAILED: {what} did not finish within {self.action_timeout_s:g} s"]
