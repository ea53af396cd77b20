"""Where the local world's tools and build outputs are.

Foundry comes from npm; the platform binaries are called directly (the ``.bin``
node wrappers add latency and leave zombie children on SIGTERM). An ``anvil``
already on PATH is used when the npm one is absent, and ``BALLAST_ANVIL`` /
``BALLAST_FORGE`` / ``BALLAST_CAST`` override both.
"""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

from agent.errors import ConfigError

PROJECT_ROOT = Path(os.environ.get("BALLAST_HOME", Path(__file__).resolve().parent.parent))
CONTRACTS_OUT = PROJECT_ROOT / "contracts" / "out"

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def foundry_binary(tool: str) -> Path:
    """Absolute path of ``anvil``, ``forge`` or ``cast``; ConfigError if none is found."""
    override = os.environ.get(f"BALLAST_{tool.upper()}")
    if override:
        return Path(override)
    arch = _ARCH.get(platform.machine().lower(), platform.machine().lower())
    system = platform.system().lower()
    npm_binary = (
        PROJECT_ROOT / "node_modules" / "@foundry-rs" / f"{tool}-{system}-{arch}" / "bin" / tool
    )
    if npm_binary.exists():
        return npm_binary
    on_path = shutil.which(tool)
    if on_path:
        return Path(on_path)
    raise ConfigError(f"{tool} not found: run `make setup` (installs Foundry from npm)")


def artifact_path(contract: str, source: str | None = None) -> Path:
    """The forge artifact of ``contract``, defined in ``source`` (default: wherever the
    build put it, which must be one place)."""
    if source is not None:
        path = CONTRACTS_OUT / source / f"{contract}.json"
        candidates = [path] if path.exists() else []
    else:
        candidates = sorted(CONTRACTS_OUT.glob(f"*/{contract}.json"))
    if len(candidates) != 1:
        found = "not built" if not candidates else f"ambiguous: {[str(c) for c in candidates]}"
        raise ConfigError(f"contract artifact {contract}: {found} (run `make setup` to build)")
    return candidates[0]
