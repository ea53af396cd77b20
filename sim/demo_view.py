"""What ``ballast demo`` shows: the book's Greeks against the band, health per venue,
liquidation distance, the last actions and the kill switch, live (rich) or as log
lines (``--headless``, or whenever stdout is not a terminal).

The view only reads the daemon's tick reports; gas per action is filled in from the
transaction's receipt once it is known (``DemoView.gas``).
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console, ConsoleRenderable, Group
from rich.table import Table
from rich.text import Text

from agent.intents import OutcomeStatus
from agent.policy.steering import Steering
from agent.tick.report import TickReport

ACTIONS_SHOWN = 8


@dataclass
class ActionRow:
    """One action as shown: ``size`` in coin or tokens, ``cost_usd`` fees plus gas."""

    elapsed_s: int
    venue: str
    action: str
    size: float
    asset: str
    status: str
    reference: str
    fee_usd: float
    gas_usd: float | None = None

    @property
    def on_chain(self) -> bool:
        """Whether ``reference`` is a transaction hash (else an exchange order id)."""
        return self.reference.startswith("0x") and len(self.reference) == 66

    @property
    def cost_usd(self) -> float | None:
        """Fees plus gas; None while a transaction's gas is not known yet."""
        if self.on_chain and self.gas_usd is None:
            return None
        return self.fee_usd + (self.gas_usd or 0.0)


@dataclass
class DemoView:
    """The live state of the demo, updated by each tick and each market step."""

    start_timestamp: int
    lending_trigger: float
    margin_trigger: float
    now_timestamp: int = 0
    prices: dict[str, float] = field(default_factory=dict)
    implied_vols: dict[str, float] = field(default_factory=dict)
    last: TickReport | None = None
    ticks: int = 0
    actions: collections.deque[ActionRow] = field(
        default_factory=lambda: collections.deque(maxlen=200)
    )
    all_actions: int = 0
    health_min: dict[str, float] = field(default_factory=dict)
    kill_reason: str = ""  # why the kill switch left ACTIVE, if it did

    @property
    def elapsed_s(self) -> int:
        return self.now_timestamp - self.start_timestamp

    def on_tick(self, report: TickReport) -> list[ActionRow]:
        """Take one tick's report; returns the actions it added."""
        self.last = report
        self.ticks += 1
        for venue, ratio in health_of(report).items():
            self.health_min[venue] = min(self.health_min.get(venue, math.inf), ratio)
        added = []
        for intent, outcome in zip(report.intents, report.outcomes, strict=False):
            if outcome.status is OutcomeStatus.REJECTED:
                continue
            row = ActionRow(
                self.elapsed_s, intent.venue, intent.action.value, intent.quantity,
                intent.asset, outcome.status.value, outcome.reference or "", outcome.fee_usd,
            )  # fmt: skip
            self.actions.append(row)
            added.append(row)
        self.all_actions += len(added)
        return added

    def gas(self, reference: str, gas_usd: float) -> None:
        """Record the gas of the action whose transaction is ``reference``."""
        for row in self.actions:
            if row.reference == reference:
                row.gas_usd = gas_usd


def health_of(report: TickReport) -> dict[str, float]:
    """Lowest finite health ratio per venue in one tick's reads."""
    health: dict[str, float] = {}
    for read in report.reads.values():
        for item in read.snapshot.health if read.snapshot else ():
            if math.isfinite(item.ratio):
                health[item.venue] = min(health.get(item.venue, math.inf), item.ratio)
    return health


def _minutes(seconds: int) -> str:
    return f"t+{seconds / 60:5.1f} min"


def _signed(value: float, digits: int = 2) -> str:
    return f"{value:+,.{digits}f}"


def _reference(text: str) -> str:
    return text if len(text) <= 14 else f"{text[:8]}..{text[-4:]}"


# --- headless ------------------------------------------------------------------------


def tick_line(view: DemoView) -> str:
    """One line per tick: market, Greeks against the band, health, distance, kill state."""
    report = view.last
    parts = [_minutes(view.elapsed_s)]
    parts += [
        f"{name} {view.prices[name]:,.0f} (IV {view.implied_vols.get(name, 0) * 100:.0f}%)"
        for name in sorted(view.prices)
        if name == "ETH"
    ]
    if report is None or report.assessment is None:
        return " | ".join([*parts, f"no assessment: {report.error if report else 'no tick yet'}"])
    for name, band in sorted(report.band_half_widths.items()):
        greeks = report.assessment.net.get(name)
        if greeks is not None:
            parts.append(
                f"delta {name} {_signed(greeks.delta)} (band +-{band:.2f}) "
                f"gamma {greeks.gamma:+.4f} vega {_signed(greeks.vega, 0)} "
                f"theta {_signed(greeks.theta, 0)}"
            )
    health = health_of(report)
    parts.append("health " + " ".join(f"{v} {r:.2f}" for v, r in sorted(health.items())))
    for name, distance in sorted(report.assessment.liquidation.items()):
        if distance.down is not None:
            parts.append(f"liq {name} {distance.down.shock:+.0%} ({distance.down.venue})")
    parts.append(f"kill {report.kill_state.value}")
    if view.kill_reason:
        parts.append(f"({view.kill_reason})")
    return " | ".join(parts)


def action_line(row: ActionRow) -> str:
    return (
        f"  -> {row.action} {row.size:,.4f} {row.asset} on {row.venue}: {row.status}, "
        f"fee ${row.fee_usd:,.2f}, ref {row.reference or '-'}"
    )


class HeadlessPrinter:
    """Log lines to ``out``: one per tick, one per action."""

    def __init__(self, view: DemoView, out: TextIO) -> None:
        self.view = view
        self.out = out

    def tick(self, added: list[ActionRow]) -> None:
        print(tick_line(self.view), file=self.out, flush=True)
        for row in added:
            print(action_line(row), file=self.out, flush=True)


# --- live (rich) -----------------------------------------------------------------------


def _greeks_table(view: DemoView) -> Table:
    table = Table(title="Net Greeks per underlying", expand=True)
    for column in ("underlying", "delta (coin)", "band", "gamma", "vega $/pt", "theta $/day",
                   "liquidation if down"):  # fmt: skip
        table.add_column(column, justify="right")
    report = view.last
    if report is None or report.assessment is None:
        return table
    for name, band in sorted(report.band_half_widths.items()):
        greeks = report.assessment.net.get(name)
        if greeks is None:
            continue
        outside = abs(greeks.delta) > band
        distance = report.assessment.liquidation.get(name)
        down = distance.down if distance else None
        table.add_row(
            name,
            Text(_signed(greeks.delta), style="bold red" if outside else "green"),
            f"+-{band:.2f}",
            f"{greeks.gamma:+.4f}",
            _signed(greeks.vega, 0),
            _signed(greeks.theta, 0),
            f"{down.shock:+.1%} ({down.venue})" if down else "none",
        )
    return table


def steering_of(report: TickReport) -> dict[str, Steering]:
    """Per venue, the vol-aware health of its account most likely to be liquidated."""
    found: dict[str, Steering] = {}
    for steering in report.steering:
        venue = steering.account.split(":", 1)[0]
        if venue not in found or steering.probability > found[venue].probability:
            found[venue] = steering
    return found


def _projected(steered: Steering | None) -> str:
    """The health after the adverse projection move ("-" when not projected)."""
    if steered is None or steered.projected_health is None:
        return "-"
    return f"{steered.projected_health:.2f}"


def _health_table(view: DemoView) -> Table:
    table = Table(title="Health per venue (liquidation below 1)", expand=True)
    columns = ("venue", "now", "lowest", "projected", "acts below", "restores to",
               "P(liq.) in horizon")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    now = health_of(view.last) if view.last else {}
    steering = steering_of(view.last) if view.last else {}
    for venue, ratio in sorted(now.items()):
        trigger = view.lending_trigger if venue == "aave" else view.margin_trigger
        steered = steering.get(venue)
        if steered is not None:
            trigger = steered.trigger
        style = "bold red" if ratio < trigger else "green"
        table.add_row(
            venue,
            Text(f"{ratio:.2f}", style=style),
            f"{view.health_min[venue]:.2f}",
            _projected(steered),
            f"{trigger:.3g}",
            "-" if steered is None else f"{steered.target:.3g}",
            "-" if steered is None else f"{steered.probability:.3%}",
        )
    return table


def _actions_table(view: DemoView) -> Table:
    table = Table(title=f"Last actions ({view.all_actions} in all)", expand=True)
    for column in ("time", "venue", "action", "size", "status", "cost $", "tx / order"):
        table.add_column(column, justify="right")
    for row in list(view.actions)[-ACTIONS_SHOWN:]:
        cost = row.cost_usd
        table.add_row(
            _minutes(row.elapsed_s), row.venue, row.action, f"{row.size:,.3f} {row.asset}",
            row.status, "..." if cost is None else f"{cost:,.2f}", _reference(row.reference),
        )  # fmt: skip
    return table


def render(view: DemoView) -> Group:
    """The whole live screen."""
    report = view.last
    kill = report.kill_state.value if report else "-"
    market = "  ".join(
        f"{name} ${view.prices[name]:,.0f} IV {view.implied_vols.get(name, 0):.0%}"
        for name in sorted(view.prices)
    )
    header = Text.assemble(
        ("Ballast demo  ", "bold"),
        f"{_minutes(view.elapsed_s)}  {market}  ticks {view.ticks}  kill switch: ",
        (kill.upper(), "bold green" if kill == "active" else "bold red"),
    )
    parts: list[ConsoleRenderable] = [
        header,
        _greeks_table(view),
        _health_table(view),
        _actions_table(view),
    ]
    if view.kill_reason:
        parts.insert(1, Text(f"kill switch: {view.kill_reason}", style="red"))
    return Group(*parts)


def is_terminal(console: Console) -> bool:
    """Whether a live view can be drawn (a real terminal, not a pipe or CI log)."""
    return console.is_terminal and not console.is_dumb_terminal
