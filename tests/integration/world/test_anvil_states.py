"""anvil's evicted historical states go to a folder of ours that ``stop`` removes; by
default anvil 1.x writes them under ~/.foundry/anvil/tmp and never deletes them."""

from __future__ import annotations

import time
from pathlib import Path

from sim.anvil import Anvil


def _cache_path(pid: int) -> Path:
    arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return Path(arguments[arguments.index(b"--cache-path") + 1].decode())


def test_each_anvil_keeps_its_states_in_its_own_folder_and_stop_removes_it() -> None:
    anvil = Anvil().start()
    try:
        assert anvil.pid is not None
        cache = _cache_path(anvil.pid)
        assert cache.is_dir()
        assert cache.name.startswith("ballast-anvil-states-")
        anvil.rpc("anvil_mine", [hex(2000)])  # more blocks than anvil keeps in memory
        deadline = time.monotonic() + 10
        while not any(cache.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)  # anvil evicts to disk in the background
        assert any(cache.iterdir()), "anvil wrote no evicted state to its --cache-path"
        other = Anvil().start()
        try:
            assert other.pid is not None
            assert _cache_path(other.pid) != cache
        finally:
            other.stop()
    finally:
        anvil.stop()
    assert not cache.exists()
    anvil.stop()  # twice is safe
