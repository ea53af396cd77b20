"""Human-readable tables for a risk report (what ``ballast risk`` prints without --json)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Document = dict[str, Any]
_GREEKS = ("value_usd", "delta", "delta_usd", "gamma", "vega", "theta", "rho")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != 0.0 and abs(value) < 0.01:
            return f"{value:.3g}"
        return f"{value:,.2f}"
    return str(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(header), *(len(row[i]) for row in cells)) for i, header in enumerate(headers)]
    lines = [
        "  ".join(
            h.ljust(w) if i < 2 else h.rjust(w)
            for i, (h, w) in enumerate(zip(headers, widths, strict=True))
        )
    ]
    for row in cells:
        lines.append(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)


def _positions(report: Document) -> str:
    rows = [
        [
            p["id"],
            f"{p['kind']} {p['underlying']} @{p['venue']}",
            p["quantity"],
            *(p[name] for name in _GREEKS),
            p.get("delta_premium_adjusted"),
        ]
        for p in report["positions"]
    ]  # fmt: skip
    return _table(["position", "what", "quantity", *_GREEKS, "delta_coin_view"], rows)


def _net(report: Document) -> str:
    rows = [[name, "", *(values[key] for key in _GREEKS)] for name, values in report["net"].items()]
    return _table(["underlying", "", *_GREEKS], rows)


def _health(report: Document) -> str:
    rows = []
    for item in report["health"]:
        prices = "; ".join(
            f"{name} {_cell(levels['down'])} / {_cell(levels['up'])}"
            for name, levels in item["liquidation_prices"].items()
        )
        rows.append(
            [
                item["account"],
                f"{item['kind']} @{item['venue']}",
                item["health"],
                item["liquidatable"],
                prices,
            ]
        )
    return _table(
        ["account", "kind", "health", "liquidatable", "liquidation price down / up"], rows
    )


def _distance(report: Document) -> str:
    rows = []
    probabilities = report["liquidation_probability"]["by_underlying"]
    for name, item in report["liquidation_distance"].items():
        down, up = item["down"], item["up"]
        probability = probabilities.get(name, {}).get("either")
        rows.append(
            [
                name,
                "",
                None if down is None else f"{down['shock']:+.2%} ({down['account']})",
                None if up is None else f"{up['shock']:+.2%} ({up['account']})",
                probability,
            ]
        )
    horizon = report["liquidation_probability"]["horizon_days"]
    return _table(
        ["underlying", "", "nearest down", "nearest up", f"P(liquidation, {horizon:g}d)"], rows
    )


def _stress(report: Document) -> str:
    stress = report["stress"]
    headers = ["spot shock", "", *(f"vol {shock:+.0%}" for shock in stress["vol_shocks"])]
    rows = [
        [f"{shock:+.0%}", "", *pnl]
        for shock, pnl in zip(stress["spot_shocks"], stress["pnl_usd"], strict=True)
    ]
    worst = stress["worst"]
    lines = [
        _table(headers, rows),
        f"worst: {worst['pnl_usd']:,.2f} USD at spot {worst['spot_shock']:+.0%}, "
        f"vol {worst['vol_shock']:+.0%}",
    ]
    for cell in stress["liquidated"]:
        where = f"spot {cell['spot_shock']:+.0%}, vol {cell['vol_shock']:+.0%}"
        lines.append(f"liquidated at {where}: {', '.join(cell['accounts'])}")
    return "\n".join(lines)


def _venue_failure(report: Document) -> str:
    rows = [
        [
            row["venue"],
            row["loss_usd"],
            ", ".join(row["accounts_lost"]) or "-",
            ", ".join(f"{u} {d:+,.4f}" for u, d in sorted(row["net_delta_after"].items())),
        ]
        for row in report["venue_failure"]
    ]
    return _table(["venue", "loss if it fails", "accounts lost", "net delta left"], rows)


def render_text(report: Document) -> str:
    """The report as plain-text tables (USD unless stated; deltas in coins)."""
    sections = [
        ("Positions", _positions(report)),
        ("Net by underlying", _net(report)),
        ("Health (>= 1 safe, < 1 liquidatable)", _health(report)),
        ("Liquidation distance (one underlying moving alone)", _distance(report)),
        ("Stress: P&L in USD (all non-pegged underlyings move together)", _stress(report)),
        ("Venue failure: its equity and positions gone", _venue_failure(report)),
    ]
    header = f"Risk at {report['valuation_time']}"
    return "\n\n".join([header, *(f"{title}\n{body}" for title, body in sections)]) + "\n"
