"""ABI encoding and decoding from JSON ABIs, without a web3 provider.

``ContractAbi`` is built from a JSON ABI (the real interfaces in ``abi/`` or forge
artifacts) and encodes calls, decodes results, and decodes event logs. Overloaded
functions are named by full signature (``multicall(uint256,bytes[])``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import (
    abi_to_signature,
    event_abi_to_log_topic,
    function_abi_to_4byte_selector,
    get_abi_input_types,
    get_abi_output_types,
)
from eth_utils.crypto import keccak

from connectors.evm.static_abi import Decoder, compile_decoder

ABI_DIR = Path(__file__).parent / "abi"
_ENCODE_CACHE = 4096


class ContractAbi:
    """Codec for one contract's functions and events."""

    def __init__(self, abi: Sequence[Mapping[str, Any]], name: str = "contract") -> None:
        self.name = name
        self.raw: list[Mapping[str, Any]] = list(abi)
        self._decoders: dict[str, Decoder | None] = {}
        self._encoded: dict[tuple[str, tuple[Any, ...]], bytes] = {}
        self._functions: dict[str, Mapping[str, Any]] = {}
        self._events_by_topic: dict[bytes, Mapping[str, Any]] = {}
        self._errors_by_selector: dict[bytes, Mapping[str, Any]] = {}
        names_seen: dict[str, int] = {}
        for entry in abi:
            if entry.get("type") == "function":
                names_seen[entry["name"]] = names_seen.get(entry["name"], 0) + 1
        for entry in abi:
            kind = entry.get("type")
            if kind == "function":
                self._functions[abi_to_signature(entry)] = entry  # type: ignore[arg-type]
                if names_seen[entry["name"]] == 1:
                    self._functions[entry["name"]] = entry
            elif kind == "event" and not entry.get("anonymous"):
                self._events_by_topic[event_abi_to_log_topic(entry)] = entry  # type: ignore[arg-type]
            elif kind == "error":
                self._errors_by_selector[_error_selector(entry)] = entry

    @classmethod
    def load(cls, name: str) -> ContractAbi:
        """A real interface transcribed into ``connectors/evm/abi/<name>.json``."""
        return _load_named(name)

    @classmethod
    def from_file(cls, path: Path) -> ContractAbi:
        """A JSON ABI file, or a forge artifact holding one under ``abi``."""
        document = json.loads(path.read_text())
        abi = document["abi"] if isinstance(document, dict) else document
        return cls(abi, name=path.stem)

    def _function(self, name: str) -> Mapping[str, Any]:
        try:
            return self._functions[name]
        except KeyError:
            raise KeyError(
                f"{self.name} has no function {name!r} (overloads need a signature)"
            ) from None

    def signature(self, name: str) -> str:
        return abi_to_signature(self._function(name))  # type: ignore[arg-type]

    def selector(self, name: str) -> bytes:
        return function_abi_to_4byte_selector(self._function(name))  # type: ignore[arg-type]

    def signatures(self) -> list[str]:
        """Every function signature, sorted."""
        return sorted({abi_to_signature(f) for f in self._functions.values()})  # type: ignore[arg-type]

    def encode(self, name: str, *args: Any) -> bytes:
        """Calldata for ``name(args)``: the selector and the ABI-encoded arguments.

        Calls with hashable arguments are remembered (a connector's reads repeat every
        tick); the memory is bounded.
        """
        key = (name, args)
        try:
            cached = self._encoded.get(key)
        except TypeError:  # unhashable arguments (lists): encode every time
            return self._encode(name, *args)
        if cached is None:
            if len(self._encoded) >= _ENCODE_CACHE:
                self._encoded.clear()
            cached = self._encoded[key] = self._encode(name, *args)
        return cached

    def _encode(self, name: str, *args: Any) -> bytes:
        """The calldata of ``name`` with ``args``."""
        function = self._function(name)
        types = get_abi_input_types(function)  # type: ignore[arg-type]
        data = function_abi_to_4byte_selector(function) + abi_encode(types, list(args))  # type: ignore[arg-type]
        return data

    def decode(self, name: str, data: bytes) -> tuple[Any, ...]:
        """The return values of ``name``, as a tuple (structs as nested tuples)."""
        if name not in self._decoders:
            self._decoders[name] = compile_decoder(self._function(name).get("outputs", []))
        fast = self._decoders[name]
        if fast is not None:
            try:
                return fast(bytes(data))
            except ValueError as error:
                raise DecodingError(f"{self.name}.{name}: {error}") from None
        types = get_abi_output_types(self._function(name))  # type: ignore[arg-type]
        return tuple(abi_decode(types, data))

    def decode_one(self, name: str, data: bytes) -> Any:
        """The single return value of ``name``."""
        (value,) = self.decode(name, data)
        return value

    def decode_log(self, log: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """(event name, arguments) for a raw log this ABI knows, else None."""
        topics = [_to_bytes(topic) for topic in log.get("topics", [])]
        if not topics or topics[0] not in self._events_by_topic:
            return None
        event = self._events_by_topic[topics[0]]
        indexed = [i for i in event["inputs"] if i.get("indexed")]
        plain = [i for i in event["inputs"] if not i.get("indexed")]
        values: dict[str, Any] = {}
        for item, topic in zip(indexed, topics[1:], strict=False):
            kind = _abi_type(item)
            # an indexed string, bytes, array or struct is logged as its keccak hash
            hashed = kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")
            values[item["name"]] = topic if hashed else abi_decode([kind], topic)[0]
        decoded = abi_decode([_abi_type(i) for i in plain], _to_bytes(log.get("data", "0x")))
        for item, value in zip(plain, decoded, strict=True):
            values[item["name"]] = value
        return event["name"], values

    def event_topic(self, name: str) -> bytes:
        """topic0 of the event ``name`` (the keccak of its signature)."""
        for topic, event in self._events_by_topic.items():
            if event["name"] == name:
                return topic
        raise KeyError(f"{self.name} has no event {name!r}")

    def decode_error(self, data: bytes) -> tuple[str, dict[str, Any]] | None:
        """(error name, arguments) of revert data: a custom error this ABI declares, or
        Solidity's ``Error(string)`` / ``Panic(uint256)``; None if unknown or malformed."""
        selector, payload = bytes(data[:4]), bytes(data[4:])
        if selector in _BUILTIN_ERRORS:
            name, kind = _BUILTIN_ERRORS[selector]
            try:
                return name, {"value": abi_decode([kind], payload)[0]}
            except DecodingError:
                return None
        error = self._errors_by_selector.get(selector)
        if error is None:
            return None
        try:
            values = abi_decode([_abi_type(i) for i in error["inputs"]], payload)
        except DecodingError:
            return None
        return error["name"], {i["name"]: v for i, v in zip(error["inputs"], values, strict=True)}


_BUILTIN_ERRORS = {
    keccak(text="Error(string)")[:4]: ("Error", "string"),
    keccak(text="Panic(uint256)")[:4]: ("Panic", "uint256"),
}


def _error_selector(entry: Mapping[str, Any]) -> bytes:
    types = ",".join(_abi_type(i) for i in entry["inputs"])
    return keccak(text=f"{entry['name']}({types})")[:4]


def _abi_type(item: Mapping[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _to_bytes(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


@cache
def _load_named(name: str) -> ContractAbi:
    return ContractAbi.from_file(ABI_DIR / f"{name}.json")
