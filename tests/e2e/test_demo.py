"""``ballast demo`` with its output piped (no terminal): it falls back to log lines, runs
the agent through the market, ends by itself with a summary, and leaves no process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BALLAST = str(Path(sys.executable).parent / "ballast")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_demo_without_a_terminal_prints_lines_ends_and_leaves_nothing() -> None:
    environment = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    result = subprocess.run(
        [BALLAST, "demo", "--minutes", "0.2"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-4000:]
    assert "no terminal: printing log lines" in out
    ticks = [line for line in out.splitlines() if line.startswith("t+")]
    assert len(ticks) >= 3, out
    assert all("delta ETH" in line and "health " in line and "kill " in line for line in ticks)
    assert any(line.startswith("  -> ") for line in out.splitlines()), "the agent acted"
    assert "demo over:" in out
    assert "liquidations of the agent's positions:" in out
    anvil = re.search(r"anvil pid (\d+)", out)
    assert anvil is not None
    assert not _alive(int(anvil.group(1))), "anvil outlived the demo"
