"""The benchmarks' reading of the CPU time the host took (``bench.host``)."""

from __future__ import annotations

import pytest

from bench.host import cpu_times, parse_cpu_times, stolen_share, stolen_text

# This machine's /proc/stat, as read (its first three lines and the one after the CPUs).
_STAT = """cpu  8398520 39915 1150807 3101727 26047 0 32137 496763 0 0
cpu0 4155706 20302 563090 1616451 6918 0 13214 246542 0 0
cpu1 4242814 19612 587717 1485275 19128 0 18922 250221 0 0
intr 1234 0 0
"""


def test_the_cpu_lines_steal_and_total_without_the_guest_figures() -> None:
    total = 8398520 + 39915 + 1150807 + 3101727 + 26047 + 0 + 32137 + 496763
    assert parse_cpu_times(_STAT) == (496763, total)


def test_a_stat_without_steal_or_without_a_cpu_line_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no steal figure"):
        parse_cpu_times("cpu  1 2 3 4 5 6 7\n")
    with pytest.raises(ValueError, match="no cpu line"):
        parse_cpu_times("cpu0 1 2 3 4 5 6 7 8 0 0\n")


def test_the_share_stolen_between_two_readings() -> None:
    assert stolen_share((100, 1_000), (150, 1_200)) == 0.25
    assert stolen_text((100, 1_000), (150, 1_200)) == "host took 25.0% of the CPU time"
    assert stolen_share(None, (150, 1_200)) is None
    assert stolen_share((100, 1_000), (100, 1_000)) is None  # no time passed: no share
    assert stolen_text(None, None) == "host steal unknown"


def test_this_machines_reading() -> None:
    found = cpu_times()
    assert found is not None  # Linux keeps /proc/stat
    stolen, total = found
    assert 0 <= stolen <= total
