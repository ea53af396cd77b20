"""PNG plots of a scenario report, drawn from report.json's series alone.

``overview.png`` stacks four panels on one time axis (minutes of chain time): the price
and implied vol; net delta with its band; health per venue with the agent's triggers;
cumulative fees, gas and slippage. Every action is marked (a triangle on the price and
delta panels: up for buys, down for sells, a dot for lending actions) and every
liquidation is a red cross. Each panel is also written on its own (price.png,
delta.png, health.png, costs.png).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullLocator

Report = Mapping[str, Any]
Panel = Callable[[Axes, Report], None]
LIQUIDATION_COLOR = "#c0392b"
MARKERS = {"buy": "^", "sell": "v"}
HEALTH_TICKS = (0.8, 1.0, 1.3, 1.6, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def _minutes(values: Sequence[float]) -> list[float]:
    return [value / 60.0 for value in values]


def _times(report: Report) -> list[float]:
    return _minutes([row["time_s"] for row in report["series"]])


def _series(report: Report, key: str, name: str) -> list[float]:
    """One column of the series; NaN where a tick has no value (a gap in the line)."""
    values = (row[key].get(name) for row in report["series"])
    return [math.nan if value is None else value for value in values]


def _underlyings(report: Report) -> list[str]:
    return sorted(report["delta"])


def _mark_liquidations(axes: Axes, report: Report) -> None:
    for number, item in enumerate(report["liquidations"]):
        axes.axvline(
            item["time_s"] / 60.0,
            color=LIQUIDATION_COLOR,
            linestyle=":",
            label="liquidation" if number == 0 else None,
        )


def _mark_actions(axes: Axes, report: Report, values: Mapping[float, float]) -> None:
    """One marker per action at its tick, on the panel's own line (``values``)."""
    for action in report["actions"]:
        at = action["time_s"] / 60.0
        if at not in values:
            continue
        marker = MARKERS.get(action["action"], "o")
        axes.plot(at, values[at], marker=marker, color="black", markersize=6, linestyle="none")


def price_panel(axes: Axes, report: Report) -> None:
    times = _times(report)
    first = _underlyings(report)[0] if report["delta"] else "ETH"
    prices = _series(report, "prices", first)
    axes.plot(times, prices, color="#1f4e79", label=f"{first} (USD)")
    axes.set_ylabel(f"{first} price, USD")
    vols = axes.twinx()
    iv = [v * 100 for v in _series(report, "implied_vols", first)]
    vols.plot(times, iv, color="#e67e22", linestyle="--", label="implied vol (%)")
    vols.set_ylabel("implied vol, %")
    _mark_actions(axes, report, dict(zip(times, prices, strict=True)))
    _mark_liquidations(axes, report)
    axes.set_title("Price and implied vol (markers: the agent's actions)")
    lines = axes.get_legend_handles_labels()
    more = vols.get_legend_handles_labels()
    axes.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right", fontsize=8)


def delta_panel(axes: Axes, report: Report) -> None:
    times = _times(report)
    colors = itertools.cycle(["#1f4e79", "#27ae60", "#8e44ad"])
    for name in _underlyings(report):
        color = next(colors)
        delta = _series(report, "delta", name)
        target = _series(report, "target", name)
        width = _series(report, "band_half_width", name)
        low = [t - w for t, w in zip(target, width, strict=True)]
        high = [t + w for t, w in zip(target, width, strict=True)]
        axes.fill_between(
            times, low, high, step="post", color=color, alpha=0.15, label=f"{name} band"
        )
        axes.plot(times, delta, color=color, marker=".", label=f"{name} delta before acting")
        axes.plot(times, _series(report, "delta_after", name), color=color, linestyle="--",
                  drawstyle="steps-post", label=f"{name} delta held")  # fmt: skip
        _mark_actions(axes, report, dict(zip(times, delta, strict=True)))
    _mark_liquidations(axes, report)
    _limit_delta_axis(axes, report)
    axes.axhline(0.0, color="grey", linewidth=0.5)
    axes.set_ylabel("net delta, coin")
    axes.set_title("Net delta and its band")
    axes.legend(loc="upper right", fontsize=8)


def _limit_delta_axis(axes: Axes, report: Report) -> None:
    """Scale to the band and the delta held; a delta found far outside (an inherited
    book before its first hedge) is written at the edge instead of squashing the rest."""
    held = [abs(v) for name in _underlyings(report) for v in _series(report, "delta_after", name)]
    bands = [
        abs(t) + w
        for name in _underlyings(report)
        for t, w in zip(
            _series(report, "target", name), _series(report, "band_half_width", name), strict=True
        )
    ]
    finite = [v for v in [*held, *bands] if math.isfinite(v)]
    limit = max([*finite, 1.0]) * 1.5
    axes.set_ylim(-limit, limit)
    times = _times(report)
    for name in _underlyings(report):
        for at, value in zip(times, _series(report, "delta", name), strict=True):
            if math.isfinite(value) and abs(value) > limit:
                edge = math.copysign(limit * 0.9, value)
                axes.annotate(f"{value:+.1f} (off scale)", (at, edge), fontsize=7, ha="left")


def health_panel(axes: Axes, report: Report) -> None:
    times = _times(report)
    venues = sorted({venue for row in report["series"] for venue in row["health"]})
    for venue in venues:
        axes.plot(times, _series(report, "health", venue), marker=".", label=venue)
    thresholds = report.get("thresholds", {})
    for key, style in (("lending_trigger", "--"), ("margin_trigger", ":")):
        if key in thresholds:
            label = key.replace("_", " ")
            axes.axhline(thresholds[key], color="#7f8c8d", linestyle=style, label=label)
    axes.axhline(1.0, color=LIQUIDATION_COLOR, linewidth=1.0, label="liquidation (1.0)")
    _mark_liquidations(axes, report)
    axes.set_yscale("log")
    axes.set_ylim(0.7, 150.0)
    axes.set_yticks(HEALTH_TICKS)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.yaxis.set_minor_locator(NullLocator())
    axes.set_ylabel("health (log scale)")
    axes.set_title("Health per venue: lending health factor, margin equity / maintenance")
    axes.legend(loc="center right", fontsize=8, ncols=2)


def costs_panel(axes: Axes, report: Report) -> None:
    times = _times(report)
    rows = report["series"]
    fees = list(itertools.accumulate(row["fees_usd"] for row in rows))
    gas = list(itertools.accumulate(row["gas_usd"] for row in rows))
    execution = list(itertools.accumulate(-row["execution_usd"] for row in rows))
    slippage = [cost - fee for cost, fee in zip(execution, fees, strict=True)]
    axes.plot(times, fees, drawstyle="steps-post", label="fees")
    axes.plot(times, gas, drawstyle="steps-post", label="gas")
    axes.plot(times, slippage, drawstyle="steps-post", label="slippage")
    axes.set_ylabel("cumulative, USD")
    axes.set_xlabel("minutes of chain time since the start")
    axes.set_title("Costs of hedging")
    axes.legend(loc="upper left", fontsize=8)


PANELS: dict[str, Panel] = {
    "price": price_panel,
    "delta": delta_panel,
    "health": health_panel,
    "costs": costs_panel,
}


def _title(report: Report) -> str:
    scenario = report["scenario"]
    mode = "agent hedging" if scenario["hedge"] else "no hedging (--no-hedge)"
    found = len(report["liquidations"])
    return f"{scenario['name']}: {scenario['description']} - {mode}, {found} liquidation(s)"


def write_plots(report: Report, out_dir: Path) -> list[Path]:
    """overview.png and one PNG per panel in ``out_dir``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    figure, axes = plt.subplots(len(PANELS), 1, figsize=(11, 13), sharex=True)
    for panel, ax in zip(PANELS.values(), axes, strict=True):
        panel(ax, report)
    figure.suptitle(_title(report), fontsize=11)
    figure.tight_layout()
    written.append(out_dir / "overview.png")
    figure.savefig(written[-1], dpi=90)
    plt.close(figure)
    for name, panel in PANELS.items():
        figure, ax = plt.subplots(figsize=(10, 4))
        panel(ax, report)
        ax.set_xlabel("minutes of chain time since the start")
        figure.tight_layout()
        written.append(out_dir / f"{name}.png")
        figure.savefig(written[-1], dpi=90)
        plt.close(figure)
    return written
