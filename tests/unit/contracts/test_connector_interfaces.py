"""The interfaces the GMX and Premia connectors load are the world's contracts' interfaces.

Every function, event and error of the transcribed IGmxV2*/IPremiaV3* ABIs must exist with
the same selector (or topic) in the reference contract it talks to; GMX's EventLog1/EventLog2
records are what the world's EventEmitter logs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_utils.abi import abi_to_signature

from connectors.evm.abi import ABI_DIR
from sim.toolchain import CONTRACTS_OUT, artifact_path

# connector interface -> the reference contracts that implement it
IMPLEMENTED_BY = {
    "IGmxV2ExchangeRouter": ["ExchangeRouter"],
    "IGmxV2Reader": ["Reader"],
    "IGmxV2DataStore": ["DataStore"],
    "IGmxV2EventEmitter": ["EventEmitter"],
    "IPremiaV3Pool": ["PremiaPool"],
    "IPremiaV3PoolFactory": ["PoolFactory"],
    "IPremiaV3OracleAdapter": ["ChainlinkAdapter"],
    "IPremiaV3VolatilityOracle": ["VolatilityOracle"],
}
GMX_SOURCES = (
    "ExchangeRouter", "OrderHandler", "IncreaseOrderExecutor", "DecreaseOrderExecutor",
    "LiquidationHandler", "Reader", "DataStore", "Bank",
)  # fmt: skip


def _abi(name: str) -> list[dict[str, Any]]:
    abi: list[dict[str, Any]] = json.loads((ABI_DIR / f"{name}.json").read_text())
    return abi


def _artifact_abi(contract: str) -> list[dict[str, Any]]:
    abi: list[dict[str, Any]] = json.loads(artifact_path(contract).read_text())["abi"]
    return abi


def _signatures(abi: list[dict[str, Any]], kind: str) -> set[str]:
    return {abi_to_signature(e) for e in abi if e.get("type") == kind}  # type: ignore[arg-type]


@pytest.mark.parametrize("interface", sorted(IMPLEMENTED_BY))
def test_functions_and_events_exist_in_the_world(interface: str) -> None:
    abi = _abi(interface)
    world = [e for c in IMPLEMENTED_BY[interface] for e in _artifact_abi(c)]
    for kind in ("function", "event"):
        missing = _signatures(abi, kind) - _signatures(world, kind)
        assert not missing, f"{interface}: {kind}s not in {IMPLEMENTED_BY[interface]}: {missing}"


def test_gmx_errors_are_the_worlds_errors() -> None:
    world: set[str] = set()
    for source in GMX_SOURCES:
        for artifact in (CONTRACTS_OUT / f"{source}.sol").glob("*.json"):
            world |= _signatures(json.loads(artifact.read_text())["abi"], "error")
    missing = _signatures(_abi("IGmxV2Errors"), "error") - world
    assert not missing, f"errors the GMX contracts cannot raise: {missing}"


def test_premia_errors_are_the_pools_errors() -> None:
    missing = _signatures(_abi("IPremiaV3Pool"), "error") - _signatures(
        _artifact_abi("PremiaPool"), "error"
    )
    assert not missing


def test_real_event_log_layout_is_gmxs() -> None:
    """EventLog2 as the real EventEmitter (v2.2) declares it, with EventUtils.EventLogData's
    seven (items, arrayItems) groups: the connector decodes real order events with it."""
    data = "(" + ",".join(
        f"((string,{k})[],(string,{k}[])[])"
        for k in ("address", "uint256", "int256", "bool", "bytes32", "bytes", "string")
    ) + ")"  # fmt: skip
    [event] = [e for e in _abi("IGmxV2EventEmitter") if e.get("name") == "EventLog2"]
    assert abi_to_signature(event) == f"EventLog2(address,string,string,bytes32,bytes32,{data})"  # type: ignore[arg-type]
