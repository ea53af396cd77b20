"""Run every benchmark module and print our figures, the peers' and the ratios."""

from __future__ import annotations

import importlib
import os
import sys

from agent.ops.logs import configure_logging
from bench import Result
from bench.host import cpu_times, stolen_text

MODULES = (
    "bench.risk_greeks",
    "bench.risk_book",
    "bench.risk_implied_vol",
    "bench.risk_stress",
    "bench.risk_gate",
    "bench.evm_snapshot",
    "bench.tick",
)


def _print(results: list[Result]) -> None:
    width = max(len(result.name) for result in results)
    for result in results:
        verdict = "ok" if result.met else "MISSED"
        print(
            f"{result.name:<{width}}  ours {result.ours:10.4g} {result.unit:<10} "
            f"{result.peer_name} {result.peer:10.4g} {result.unit:<10} "
            f"ratio {result.ratio:8.1f}x  target {result.target} [{verdict}]"
        )


def main() -> int:
    # The worlds the benchmarks build log every seeding order; only warnings matter here.
    configure_logging(json_lines=False, level="warning")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    results: list[Result] = []
    start = cpu_times()
    for name in MODULES:
        module = importlib.import_module(name)
        print(f"-- {name}", flush=True)
        before = cpu_times()
        found = module.run()
        print(f"   ({stolen_text(before, cpu_times())} during {name})")
        _print(found)
        results.extend(found)
    print(f"load average {os.getloadavg()[0]:.2f} at end; {stolen_text(start, cpu_times())}")
    missed = [result.name for result in results if not result.met]
    print("all targets met" if not missed else f"targets missed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
