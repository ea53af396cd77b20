"""Linking the npm releases' bytecode: every library placeholder named in an artifact's
linkReferences is filled with its address, and nothing else changes."""

from __future__ import annotations

import pytest

from agent.errors import ConfigError
from sim.artifacts import Artifact
from sim.deploy.releases import release_source

POOL_LIBRARIES = {
    "BorrowLogic", "BridgeLogic", "EModeLogic", "FlashLoanLogic", "LiquidationLogic",
    "PoolLogic", "SupplyLogic",
}  # fmt: skip


def _pool() -> Artifact:
    return Artifact.load("Pool", release_source("Pool"))


def test_the_pool_links_aaves_seven_logic_libraries() -> None:
    assert set(_pool().libraries) == POOL_LIBRARIES
    assert _pool().bytecode_hex.count("__$") == sum(len(r.offsets) for r in _pool().link_references)


def test_linking_fills_every_placeholder_at_its_offset() -> None:
    addresses = {name: f"0x{index + 1:040x}" for index, name in enumerate(sorted(POOL_LIBRARIES))}
    pool = _pool()
    linked = pool.link(addresses)
    code = linked.bytecode
    assert len(code) == len(bytes.fromhex(pool.bytecode_hex.replace("_", "0").replace("$", "0")))
    for reference in pool.link_references:
        for offset in reference.offsets:
            assert code[offset : offset + 20] == bytes.fromhex(addresses[reference.library][2:])
    assert "__$" not in linked.bytecode_hex


def test_an_unlinked_or_partly_linked_artifact_is_refused() -> None:
    with pytest.raises(ConfigError, match="link libraries"):
        _ = _pool().bytecode
    with pytest.raises(ConfigError, match="no address for linked libraries"):
        _pool().link({"BorrowLogic": "0x" + "11" * 20})
