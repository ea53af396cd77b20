"""Composition root: the only module of ``agent`` that may import connectors and sim."""

from __future__ import annotations

from pathlib import Path


def chain_up(*, port: int | None, manifest: str | None, seconds: float | None) -> int:
    """``ballast chain up``: the local world until Ctrl-C or ``seconds``."""
    from sim.world import run_chain_up

    return run_chain_up(port=port, manifest=Path(manifest) if manifest else None, seconds=seconds)


def demo(*, seconds: float) -> int:
    """``ballast demo``: for now, the local world for a short while (see issue 9)."""
    return chain_up(port=None, manifest=None, seconds=seconds)
