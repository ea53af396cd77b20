"""Metrics and alerts, wired to the chains, the executor and the kill switch.

Part of the composition root. ``build_operations`` returns the daemon's tick observers
(metrics, alert rules) and background tasks (alert delivery, the kill-switch watcher),
and what the admin server serves (``/metrics``, ``/v1/health``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from agent.config.models import Config
from agent.ops.alerts import AlertDispatcher, NoticeRules, Sink, role_notice, watch_kill_switch
from agent.ops.metrics import DaemonMetrics, ScrapeSources
from agent.ports import Clock
from agent.tick.report import TickReport
from agent.wiring.execution import Execution
from agent.wiring.venues import Venues

MIN_SILENCE_S = 60.0


@dataclass
class Operations:
    metrics: DaemonMetrics
    alerts: AlertDispatcher
    observers: Sequence[Callable[[TickReport], None]]
    background: Sequence[Callable[[Any], Coroutine[Any, Any, None]]]
    max_silence_s: float

    def liveness(self) -> tuple[bool, str]:
        """Whether ticks keep finishing (the admin API's ``/v1/health``)."""
        return self.metrics.liveness(max_silence_s=self.max_silence_s)


def _sources(built: Venues, execution: Execution) -> ScrapeSources:
    chains = built.chains
    return ScrapeSources(
        kill_state=lambda: execution.killswitch.recorded_state,
        rpc_requests=lambda: {name: c.client.request_count for name, c in chains.items()},
        rpc_providers=lambda: {
            name: [(p.label, p.usable) for p in c.client.status()] for name, c in chains.items()
        },
        gas_meters=execution.gas_meters,
        pending_transactions=lambda: len(execution.journal.pending_transactions()),
        read_only=lambda: execution.gate.read_only,
        leadership=execution.leadership.status if execution.leadership else lambda: None,
    )


def build_operations(
    config: Config, built: Venues, execution: Execution, clock: Clock
) -> Operations:
    """Metrics always; alert delivery when webhooks are configured."""
    sources = _sources(built, execution)
    metrics = DaemonMetrics(sources, monotonic=clock.monotonic)
    sinks = [Sink.from_settings(i, hook) for i, hook in enumerate(config.alerts.webhooks)]
    alerts = AlertDispatcher(
        sinks, config.alerts.delivery, agent=config.agent.name, monotonic=clock.monotonic
    )
    sources.alert_counts = lambda: alerts.counts
    observers: list[Callable[[TickReport], None]] = [metrics.observe]
    background: list[Callable[[Any], Coroutine[Any, Any, None]]] = []
    if execution.leadership is not None:
        background.append(execution.leadership.run)  # renews the lease while leading
        if sinks:
            execution.leadership.listeners.append(lambda change: alerts.notify(role_notice(change)))
    if sinks:
        observers.append(NoticeRules(config, alerts.notify))
        background += [
            alerts.run,
            functools.partial(watch_kill_switch, execution.killswitch, alerts.notify),
        ]
    agent = config.agent
    # A healthy tick may wait for an intent's outcome (the executor's wait) on top.
    silence = max(MIN_SILENCE_S, 3 * agent.tick_interval_s + 2 * agent.venue_timeout_s)
    silence += execution.executor.wait_timeout_s
    return Operations(metrics, alerts, observers, background, silence)
