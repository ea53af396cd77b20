"""Prometheus metrics of one daemon, served by the admin API at ``GET /metrics``.

Two kinds of values:

- **Per tick**, set by ``observe(report)`` (a daemon tick observer) from the same
  ``TickReport`` the status API shows, so a scrape and ``ballast status`` agree: tick
  duration, venue freshness and read errors, net Greeks per underlying, health per
  venue account, liquidation distance, intents by outcome.
- **At scrape time**, read from their owners: the kill-switch state (an operator's
  ``kill`` shows at once, not at the next tick), RPC round trips and provider health
  per chain, gas paid, pending transactions, read-only state, alert deliveries.

Each daemon has its own registry; the exposition appends the process-wide default
registry (process CPU and memory, the guard's rejection counter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from agent.intents import KillState
from agent.leadership import LeadershipStatus, Role
from agent.ops.gas import GasMeter
from agent.tick.report import TickReport

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_TICK_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
_GREEKS = (
    ("delta", "ballast_net_delta_coin", "Net delta by underlying, in coin"),
    ("delta_usd", "ballast_net_delta_usd", "Net delta by underlying, in USD"),
    ("gamma", "ballast_net_gamma", "Net gamma by underlying, coin of delta per USD of spot"),
    ("vega", "ballast_net_vega_usd", "Net vega by underlying, USD per vol point"),
    ("theta", "ballast_net_theta_usd", "Net theta by underlying, USD per calendar day"),
    ("rho", "ballast_net_rho_usd", "Net rho by underlying, USD per rate point"),
)
_STEERING = (
    ("probability", "ballast_liquidation_probability",
     "Probability that the account is liquidated within the health horizon"),
    ("trigger", "ballast_health_trigger_ratio",
     "Health at which the agent repairs the account (vol-aware, static floor)"),
    ("target", "ballast_health_target_ratio",
     "Health the agent restores the account to (vol-aware, static floor)"),
    ("vol", "ballast_health_vol_ratio",
     "Annual vol behind the account's probability (larger of implied and realized)"),
    ("projected_health", "ballast_health_projected_ratio",
     "Health after the adverse projection_sigmas move over the horizon (NaN: none)"),
)  # fmt: skip


@dataclass
class ScrapeSources:
    """Where scrape-time values come from; each is a cheap, non-blocking read.

    ``rpc_requests``: chain name -> HTTP round trips so far; ``rpc_providers``: chain name
    -> (redacted provider label, usable) pairs; ``alert_counts``: (sink, outcome) ->
    notices so far.
    """

    kill_state: Callable[[], KillState]
    rpc_requests: Callable[[], Mapping[str, int]] = dict
    rpc_providers: Callable[[], Mapping[str, Sequence[tuple[str, bool]]]] = dict
    gas_meters: Sequence[GasMeter] = ()
    pending_transactions: Callable[[], int] = lambda: 0
    read_only: Callable[[], bool] = lambda: False
    alert_counts: Callable[[], Mapping[tuple[str, str], int]] = dict
    leadership: Callable[[], LeadershipStatus | None] = lambda: None


class _ScrapeCollector:
    """A custom collector: values read from their owners at each scrape."""

    def __init__(self, sources: ScrapeSources) -> None:
        self.sources = sources

    def collect(self) -> Iterable[Metric]:
        yield self._kill_switch()
        yield from self._rpc()
        yield from self._gas()
        s = self.sources
        yield _gauge(
            "ballast_pending_transactions", "Transactions not final", s.pending_transactions()
        )
        yield from _leadership(s.leadership())
        yield _gauge("ballast_read_only", "1 while reconciliation keeps the agent read-only",
                     float(s.read_only()))  # fmt: skip
        alerts = CounterMetricFamily(
            "ballast_alerts", "Alert notices by webhook and outcome", labels=["sink", "outcome"]
        )
        for (sink, outcome), count in sorted(s.alert_counts().items()):
            alerts.add_metric([sink, outcome], count)
        yield alerts

    def _kill_switch(self) -> Metric:
        state = self.sources.kill_state()
        family = GaugeMetricFamily(
            "ballast_kill_switch_state", "1 for the kill switch's current state", labels=["state"]
        )
        for candidate in KillState:
            family.add_metric([candidate.value], float(candidate is state))
        return family

    def _rpc(self) -> Iterable[Metric]:
        requests = CounterMetricFamily(
            "ballast_rpc_requests", "JSON-RPC HTTP round trips by chain", labels=["chain"]
        )
        for chain, count in sorted(self.sources.rpc_requests().items()):
            requests.add_metric([chain], count)
        yield requests
        up = GaugeMetricFamily(
            "ballast_rpc_provider_up",
            "1 if the RPC provider is usable",
            labels=["chain", "provider"],
        )
        for chain, providers in sorted(self.sources.rpc_providers().items()):
            for label, usable in providers:
                up.add_metric([chain, label], float(usable))
        yield up

    def _gas(self) -> Iterable[Metric]:
        used = CounterMetricFamily(
            "ballast_gas_used", "Gas units our transactions used", labels=["chain_id"]
        )
        spent = CounterMetricFamily(
            "ballast_gas_spent_wei",
            "Wei paid for gas (gasUsed x effectiveGasPrice)",
            labels=["chain_id"],
        )
        for meter in self.sources.gas_meters:
            used.add_metric([str(meter.chain_id)], meter.gas_used)
            spent.add_metric([str(meter.chain_id)], meter.spent_wei)
        yield used
        yield spent


def _leadership(status: LeadershipStatus | None) -> Iterable[Metric]:
    """Role, epoch, the lease and the other processes' heartbeats (shared journal only)."""
    if status is None:
        return
    role = GaugeMetricFamily("ballast_role", "1 for this process's role on its book",
                             labels=["book", "role"])  # fmt: skip
    for candidate in Role:
        role.add_metric([status.book, candidate.value], float(candidate is status.role))
    yield role
    yield _gauge("ballast_acting", "1 while this process may decide and send",
                 float(status.acting))  # fmt: skip
    yield _gauge("ballast_lease_epoch", "Fencing epoch of the book's lease", status.lease_epoch)
    for name, text, value in (
        ("ballast_lease_remaining_seconds", "Seconds until the lease expires (database clock)",
         status.lease_remaining_s),
        ("ballast_lease_age_seconds", "Seconds since the lease was last renewed",
         status.lease_age_s),
    ):  # fmt: skip
        yield _gauge(name, text, math.nan if value is None else value)
    yield _gauge("ballast_journal_reachable", "1 while the journal's database answers",
                 float(status.journal_reachable))  # fmt: skip
    peers = GaugeMetricFamily(
        "ballast_peer_heartbeat_age_seconds",
        "Seconds since another process on this book last reported", labels=["holder", "role"],
    )  # fmt: skip
    for peer in status.peers:
        peers.add_metric([peer.holder, peer.role], peer.age_s)
    yield peers


def _gauge(name: str, documentation: str, value: float) -> Metric:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


class DaemonMetrics:
    """The metrics of one daemon; ``observe`` is its tick observer."""

    def __init__(self, sources: ScrapeSources, *, monotonic: Callable[[], float]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.monotonic = monotonic
        self.last_tick_monotonic: float | None = None
        r = self.registry
        self.tick_duration = Histogram(
            "ballast_tick_duration_seconds", "Duration of one tick", registry=r,
            buckets=_TICK_BUCKETS_S,
        )  # fmt: skip
        self.ticks = Counter("ballast_ticks", "Ticks run", registry=r)
        self.tick_failures = Counter("ballast_tick_failures", "Ticks that failed", registry=r)
        self.last_tick = Gauge(
            "ballast_last_tick_timestamp_seconds", "Time of the last tick (Unix)", registry=r
        )
        self.venue_up = Gauge(
            "ballast_venue_up", "1 if the venue's read this tick succeeded", ["venue"], registry=r
        )
        self.venue_errors = Counter(
            "ballast_venue_errors", "Failed venue reads", ["venue"], registry=r
        )
        self.venue_age = Gauge(
            "ballast_venue_data_age_seconds", "Age of the venue's snapshot", ["venue"], registry=r
        )
        self.greeks = {
            attribute: Gauge(name, text, ["underlying"], registry=r)
            for attribute, name, text in _GREEKS
        }
        self.health = Gauge(
            "ballast_health_ratio",
            "Health factor (lending) or equity over maintenance margin (margin); <1 liquidates",
            ["venue", "account", "kind"], registry=r,
        )  # fmt: skip
        self.liquidation = Gauge(
            "ballast_liquidation_distance_ratio",
            "Fractional move of spot to the first liquidation anywhere",
            ["underlying", "direction"], registry=r,
        )  # fmt: skip
        self.steering = {
            field: Gauge(name, text, ["account", "kind"], registry=r)
            for field, name, text in _STEERING
        }
        self.market_priced = Gauge(
            "ballast_health_market_priced",
            "1 while the account is steered on the venues' prices because an oracle it is "
            "priced with is in doubt (feed: 'ETH: oracle_stale')",
            ["account", "feed"], registry=r,
        )  # fmt: skip
        self.pnl = Gauge(
            "ballast_pnl_usd",
            "Attributed P&L in USD (loss negative) by component, since start and today",
            ["component", "period"], registry=r,
        )  # fmt: skip
        self.book_value = Gauge("ballast_book_value_usd", "Value of the book in USD", registry=r)
        self.stress_loss = Gauge(
            "ballast_stress_worst_loss_usd", "Worst stress-grid loss in USD", registry=r
        )
        self.intents = Counter(
            "ballast_intents", "Intents by venue and outcome", ["venue", "status"], registry=r
        )
        self.in_flight_delta = Gauge(
            "ballast_in_flight_delta_coin",
            "Signed delta of the work in flight (coin), by underlying and side",
            ["underlying", "side"], registry=r,
        )  # fmt: skip
        self.in_flight_notional = Gauge(
            "ballast_in_flight_notional_usd", "Notional of the work in flight (USD), by venue",
            ["venue"], registry=r,
        )  # fmt: skip
        r.register(_ScrapeCollector(sources))

    def observe(self, report: TickReport) -> None:
        """Record one tick (a daemon tick observer; never raises for missing data)."""
        self.last_tick_monotonic = self.monotonic()
        self.ticks.inc()
        self.tick_duration.observe(report.duration_s)
        self.last_tick.set(report.at.timestamp())
        if report.error is not None:
            self.tick_failures.inc()
        self._venues(report)
        self._risk(report)
        self._steering(report)
        self._pnl(report)
        self._in_flight(report)
        for outcome in report.outcomes:
            self.intents.labels(outcome.venue, outcome.status.value).inc()

    def _venues(self, report: TickReport) -> None:
        for name, read in report.reads.items():
            self.venue_up.labels(name).set(float(read.fresh))
            if read.error is not None:
                self.venue_errors.labels(name).inc()
            age = read.age_s(report.at)
            if age is not None:
                self.venue_age.labels(name).set(age)
        self.health.clear()
        for read in report.reads.values():
            for health in read.snapshot.health if read.snapshot else ():
                account = health.account or ""
                self.health.labels(health.venue, account, health.kind.value).set(health.ratio)

    def _risk(self, report: TickReport) -> None:
        for gauge in self.greeks.values():
            gauge.clear()
        self.liquidation.clear()
        assessment = report.assessment
        if assessment is None:
            return
        for underlying, greeks in assessment.net.items():
            for attribute, gauge in self.greeks.items():
                gauge.labels(underlying).set(getattr(greeks, attribute))
        for risk in assessment.underlyings:
            for direction, value in (
                ("down", risk.liquidation_distance_down),
                ("up", risk.liquidation_distance_up),
            ):
                if value is not None:
                    self.liquidation.labels(risk.underlying, direction).set(value)
        self.book_value.set(assessment.book_value_usd)
        worst = assessment.worst_stress_loss_usd
        self.stress_loss.set(worst if worst is not None else math.nan)

    def _pnl(self, report: TickReport) -> None:
        if report.pnl is None:
            return
        today = report.pnl.by_day.get(report.at.date().isoformat(), {})
        for period, figures in (("since_start", report.pnl.since_start), ("today", today)):
            for component, value in figures.items():
                self.pnl.labels(component, period).set(value)

    def _steering(self, report: TickReport) -> None:
        for gauge in self.steering.values():
            gauge.clear()
        self.market_priced.clear()
        for steering in report.steering:
            for feed in steering.market_priced:
                self.market_priced.labels(steering.account, feed).set(1.0)
            for field, gauge in self.steering.items():
                value = getattr(steering, field)
                gauge.labels(steering.account, steering.kind).set(
                    math.nan if value is None else value
                )

    def _in_flight(self, report: TickReport) -> None:
        self.in_flight_delta.clear()
        self.in_flight_notional.clear()
        for underlying, (buys, sells) in report.in_flight.delta_by_underlying().items():
            self.in_flight_delta.labels(underlying, "buy").set(buys)
            self.in_flight_delta.labels(underlying, "sell").set(sells)
        for venue, usd in report.in_flight.notional_by_venue().items():
            self.in_flight_notional.labels(venue).set(usd)

    def exposition(self) -> bytes:
        """The Prometheus text format: this daemon's registry, then the process's."""
        return generate_latest(self.registry) + generate_latest(REGISTRY)

    def liveness(self, *, max_silence_s: float) -> tuple[bool, str]:
        """Whether a tick finished within ``max_silence_s`` seconds, and why not."""
        if self.last_tick_monotonic is None:
            return False, "no tick has finished yet"
        silence = self.monotonic() - self.last_tick_monotonic
        if silence > max_silence_s:
            return False, f"no tick for {silence:.0f}s (limit {max_silence_s:.0f}s)"
        return True, f"last tick {silence:.1f}s ago"
