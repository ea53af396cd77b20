"""Compiled contracts the world deploys: forge's build output and npm's hardhat artifacts.

A forge artifact lives at ``contracts/out/<File.sol>/<Name>.json`` with its bytecode
under ``bytecode.object``; a protocol's compiled release from npm ships hardhat
artifacts at ``node_modules/<package>/artifacts/<path>/<File.sol>/<Name>.json`` with
the bytecode as a string (format ``hh-sol-artifact-1``). Both mark unlinked library
addresses with 20-byte placeholders listed in ``linkReferences``
(``{source: {library: [{start, length}]}}``, offsets in bytes), which ``link`` fills.

A source that starts with ``@`` names an npm package path
(``@aave/core-v3/artifacts/contracts/protocol/pool/Pool.sol``); any other source is a
forge source file name (``Tokens.sol``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.abi import get_abi_input_types

from agent.errors import ConfigError
from connectors.evm.abi import ContractAbi
from sim.toolchain import PROJECT_ROOT, artifact_path

NODE_MODULES = PROJECT_ROOT / "node_modules"


@dataclass(frozen=True)
class LinkReference:
    """Where one library's address goes in a contract's creation bytecode."""

    library: str
    offsets: tuple[int, ...]  # byte offsets of 20-byte placeholders


@dataclass(frozen=True)
class Artifact:
    """A contract's ABI and creation bytecode (hex, possibly with library placeholders)."""

    name: str
    abi: ContractAbi
    raw_abi: list[dict[str, Any]]
    bytecode_hex: str
    link_references: tuple[LinkReference, ...] = field(default=())

    @classmethod
    def load(cls, contract: str, source: str | None = None) -> Artifact:
        """The artifact of ``contract`` (read once per process: keepers and reports attach
        to every role of a world, and the npm artifacts are large)."""
        return _load(contract, source)

    @classmethod
    def read(cls, contract: str, source: str | None = None) -> Artifact:
        path = npm_artifact_path(contract, source) if _is_npm(source) else None
        document = json.loads((path or artifact_path(contract, source)).read_text())
        bytecode = document["bytecode"]
        if isinstance(bytecode, dict):  # forge
            references = bytecode.get("linkReferences", {})
            bytecode = bytecode["object"]
        else:  # hardhat
            references = document.get("linkReferences", {})
        return cls(
            name=contract,
            abi=ContractAbi(document["abi"], name=contract),
            raw_abi=document["abi"],
            bytecode_hex=str(bytecode).removeprefix("0x"),
            link_references=_link_references(references),
        )

    @property
    def libraries(self) -> tuple[str, ...]:
        """Names of the libraries this bytecode must be linked with."""
        return tuple(reference.library for reference in self.link_references)

    def link(self, addresses: Mapping[str, str]) -> Artifact:
        """This artifact with every library placeholder replaced by its address."""
        missing = [name for name in self.libraries if name not in addresses]
        if missing:
            raise ConfigError(f"{self.name}: no address for linked libraries {missing}")
        code = self.bytecode_hex
        for reference in self.link_references:
            address = addresses[reference.library].lower().removeprefix("0x")
            for offset in reference.offsets:
                code = code[: 2 * offset] + address + code[2 * offset + 40 :]
        return replace(self, bytecode_hex=code, link_references=())

    @property
    def bytecode(self) -> bytes:
        if self.link_references:
            raise ConfigError(f"{self.name}: link libraries {list(self.libraries)} first")
        return bytes.fromhex(self.bytecode_hex)

    def creation_data(self, args: Sequence[Any]) -> bytes:
        constructor = next((e for e in self.raw_abi if e.get("type") == "constructor"), None)
        if constructor is None:
            return self.bytecode
        types = get_abi_input_types(constructor)  # type: ignore[arg-type]
        return self.bytecode + abi_encode(types, list(args))


def _is_npm(source: str | None) -> bool:
    return source is not None and source.startswith("@")


def npm_artifact_path(contract: str, source: str | None) -> Path:
    """The hardhat artifact of ``contract`` in the npm package path ``source``."""
    path = NODE_MODULES / str(source) / f"{contract}.json"
    if not path.exists():
        raise ConfigError(f"contract artifact {source}:{contract} not installed (run `make setup`)")
    return path


def _link_references(references: Mapping[str, Any]) -> tuple[LinkReference, ...]:
    return tuple(
        LinkReference(library, tuple(int(spot["start"]) for spot in spots))
        for libraries in references.values()
        for library, spots in libraries.items()
    )


@functools.cache
def _load(contract: str, source: str | None) -> Artifact:
    return Artifact.read(contract, source)
