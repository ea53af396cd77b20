#!/usr/bin/env python3
"""Export the real interfaces transcribed in contracts/src/interfaces/ as JSON ABIs.

The connectors load ``connectors/evm/abi/<Name>.json``; this script regenerates them
from forge's build output (run ``make setup`` first). tests/unit/evm/test_abi_files.py
fails if the committed JSON drifts from the interfaces.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTERFACES = ROOT / "contracts" / "src" / "interfaces"
OUT = ROOT / "contracts" / "out"
ABI_DIR = ROOT / "connectors" / "evm" / "abi"


def exported() -> dict[str, list[dict[str, object]]]:
    """Interface name -> ABI, for every interface declared in contracts/src/interfaces."""
    abis: dict[str, list[dict[str, object]]] = {}
    for source in sorted(INTERFACES.glob("*.sol")):
        for artifact in sorted((OUT / source.name).glob("*.json")):
            document = json.loads(artifact.read_text())
            if document.get("abi"):
                abis[artifact.stem] = document["abi"]
    return abis


def main() -> int:
    ABI_DIR.mkdir(parents=True, exist_ok=True)
    for name, abi in exported().items():
        (ABI_DIR / f"{name}.json").write_text(json.dumps(abi, indent=1, sort_keys=True) + "\n")
        print(f"wrote connectors/evm/abi/{name}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
