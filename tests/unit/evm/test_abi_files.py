"""The committed JSON ABIs are exactly the transcribed real interfaces."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("export_abis", ROOT / "tools" / "export_abis.py")
assert spec is not None
assert spec.loader is not None
export_abis = importlib.util.module_from_spec(spec)
spec.loader.exec_module(export_abis)

EXPORTED = export_abis.exported()


def test_every_interface_is_exported() -> None:
    assert {"IPool", "IMulticall3", "ISwapRouter02", "IQuoterV2", "IChainlinkFeed"} <= set(EXPORTED)


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_committed_abi_matches_the_interface(name: str) -> None:
    committed = json.loads((export_abis.ABI_DIR / f"{name}.json").read_text())
    assert committed == json.loads(json.dumps(EXPORTED[name], sort_keys=True)), (
        f"connectors/evm/abi/{name}.json is stale: run tools/export_abis.py"
    )
