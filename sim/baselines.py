"""Baseline policies for a scenario, and ``ballast compare``: the agent beside them.

Each baseline is the same agent, venues, routing and health policy with its delta
rules replaced through the configuration, so the comparison isolates the hedging rule:

- ``periodic`` (``--interval-s S``): no band; every S seconds the net delta goes to
  its target (the band is ``NO_BAND_COIN`` wide and the maximum rebalance interval S);
- ``static``: the band fixed at its configured half-width (no gamma or cost widening)
  and no vol-aware health (static trigger and target only);
- ``agent``: the configuration as it is.

``compare`` runs the agent, the periodic hedger at 5, 15 and 60 minutes and the static
one on one scenario, and draws ``compare.png``: all-in hedge cost (fees, gas,
slippage; USD) against the mean |delta - target| (coin, at each tick before acting),
one point per policy, a red ring and the count where the world liquidated something
of the agent's. ``compare.json`` holds the figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.errors import ConfigError

POLICIES = ("agent", "periodic", "static")
NO_BAND_COIN = 1e12
COMPARED: tuple[tuple[str, int | None], ...] = (
    ("agent", None),
    ("periodic", 300),
    ("periodic", 900),
    ("periodic", 3600),
    ("static", None),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """Which policy runs, and the periodic hedger's interval (seconds)."""

    name: str = "agent"
    interval_s: int | None = None

    def __post_init__(self) -> None:
        if self.name not in POLICIES:
            raise ConfigError(f"must be one of {', '.join(POLICIES)}", field="--policy")
        if (self.name == "periodic") != (self.interval_s is not None):
            raise ConfigError("is required with --policy periodic, and only then",
                              field="--interval-s")  # fmt: skip
        if self.interval_s is not None and self.interval_s <= 0:
            raise ConfigError(f"must be positive, got {self.interval_s}", field="--interval-s")

    @property
    def label(self) -> str:
        if self.interval_s is None:
            return self.name
        return f"{self.name} {self.interval_s // 60} min"

    @property
    def folder(self) -> str:
        return self.name if self.interval_s is None else f"{self.name}-{self.interval_s}s"

    def overrides(self, underlyings: Iterable[str]) -> dict[str, Any]:
        """What this policy changes in the configuration document."""
        if self.name == "static":
            bands = {u: {"band": {"mode": "fixed"}} for u in underlyings}
            return {"health": {"vol_aware": False}, "underlyings": bands}
        if self.name == "periodic":
            rules = {
                "band": {"mode": "fixed", "half_width_coin": NO_BAND_COIN},
                "max_rebalance_interval_s": self.interval_s,
                "hedge_to": "target",
            }
            return {"underlyings": {u: dict(rules) for u in underlyings}}
        return {}

    def describe(self) -> dict[str, Any]:
        """The report's ``scenario.policy``."""
        return {"name": self.name, "interval_s": self.interval_s}


def figures(report: Mapping[str, Any]) -> dict[str, Any]:
    """The compare plot's point for one run: cost, tracking error, liquidations."""
    deviations = [d["mean_abs_delta_deviation"] for d in report["delta"].values()]
    known = [d for d in deviations if d is not None]
    return {
        "policy": report["scenario"].get("policy", {"name": "agent", "interval_s": None}),
        "cost_usd": report["costs"]["total_usd"],
        "mean_abs_delta_deviation": sum(known) / len(known) if known else None,
        "liquidations": report["summary"]["liquidations"],
        "actions": report["summary"]["actions"],
        "lowest_health": report["health_min"],
    }


def plot_compare(points: list[tuple[str, dict[str, Any]]], title: str, path: Path) -> None:
    """compare.png: cost against mean |delta - target|, one labelled point per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(8, 5.5))
    for label, point in points:
        x, y = point["mean_abs_delta_deviation"], point["cost_usd"]
        if x is None or y is None:
            continue
        agent = label == "agent"
        ax.scatter([x], [y], s=120 if agent else 70, marker="*" if agent else "o",
                   color="#1f77b4" if agent else "#7f8c8d", zorder=3)  # fmt: skip
        text = label
        if point["liquidations"]:
            ax.scatter([x], [y], s=320, facecolors="none", edgecolors="#c0392b", linewidths=2,
                       zorder=4)  # fmt: skip
            text += f" ({point['liquidations']} liquidated)"
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(8, 6), fontsize=9)
    ax.set_xlabel("mean |net delta - target| at each tick before acting (coin)")
    ax.set_ylabel("all-in hedge cost: fees + gas + slippage (USD)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.margins(0.25)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_compare(
    runs: Sequence[tuple[Policy, Mapping[str, Any]]], scenario_name: str, out_dir: Path
) -> Path:
    """compare.json and compare.png from the runs' reports; returns the PNG's path."""
    points = [(policy.label, figures(report)) for policy, report in runs]
    (out_dir / "compare.json").write_text(
        json.dumps({label: point for label, point in points}, indent=2, sort_keys=True) + "\n"
    )
    path = out_dir / "compare.png"
    title = f"{scenario_name}: hedge cost against tracking error (lower left is better)"
    plot_compare(points, title, path)
    return path
