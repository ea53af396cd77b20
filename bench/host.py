"""CPU time the hypervisor took from this machine while a benchmark ran.

Linux counts it per CPU in ``/proc/stat``: the ``cpu`` line's eighth figure, ``steal``
(proc(5): "Stolen time, which is the time spent in other operating systems when running
in a virtualized environment"), beside user, nice, system, idle, iowait, irq and softirq;
guest and guest_nice, the two after it, are already counted in user and nice. Our
parallel kernels use every CPU and most peers one, so time stolen from one CPU slows
ours and not theirs: a ratio read without it can blame the code for the host.
"""

from __future__ import annotations

from pathlib import Path

CpuTimes = tuple[int, int]  # (stolen, all: the first eight figures), in clock ticks
_STAT = Path("/proc/stat")


def parse_cpu_times(stat: str) -> CpuTimes:
    """The stolen and total CPU time of a ``/proc/stat`` text's ``cpu`` line."""
    for line in stat.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            if len(fields) < 9:
                raise ValueError(f"/proc/stat: the cpu line has no steal figure: {line!r}")
            times = [int(figure) for figure in fields[1:9]]
            return times[7], sum(times)
    raise ValueError("/proc/stat: no cpu line")


def cpu_times() -> CpuTimes | None:
    """This machine's stolen and total CPU time now; None where the kernel keeps none."""
    try:
        return parse_cpu_times(_STAT.read_text())
    except OSError:
        return None


def stolen_share(before: CpuTimes | None, after: CpuTimes | None) -> float | None:
    """The share of the CPU time between the two readings that the host took."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def stolen_text(before: CpuTimes | None, after: CpuTimes | None) -> str:
    """``stolen_share`` for a report: "host took 1.2% of the CPU time" or "unknown"."""
    share = stolen_share(before, after)
    return "host steal unknown" if share is None else f"host took {share:.1%} of the CPU time"
