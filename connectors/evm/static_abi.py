"""Decoding static ABI return values by slicing words: the tick path's fast lane.

Most view functions the connectors read return only static types (integers, addresses,
booleans, fixed bytes and structs of those). Their encoding is one 32-byte word per
leaf, so decoding is slicing; eth_abi's generic decoder costs ~50x more. ``compile``
returns a decoder for an ABI output list, or None when something dynamic needs eth_abi.
The results equal eth_abi's (tests/unit/evm/test_static_abi.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Leaf = Callable[[bytes], Any]
Decoder = Callable[[bytes], tuple[Any, ...]]


def _unsigned(word: bytes) -> int:
    return int.from_bytes(word, "big")


def _signed(word: bytes) -> int:
    return int.from_bytes(word, "big", signed=True)


def _address(word: bytes) -> str:
    return "0x" + word[12:].hex()  # lowercase, as eth_abi returns it


def _bool(word: bytes) -> bool:
    return word[-1] != 0


def _leaf(kind: str) -> Leaf | None:
    if kind.startswith("uint"):
        return _unsigned
    if kind.startswith("int"):
        return _signed
    if kind == "address":
        return _address
    if kind == "bool":
        return _bool
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])
        return lambda word: word[:size]
    return None


Plan = list[Any]  # a leaf decoder, or a nested list for a static struct


def _plan(items: Sequence[Mapping[str, Any]]) -> Plan | None:
    plan: Plan = []
    for item in items:
        kind = str(item["type"])
        if kind == "tuple":
            inner = _plan(item["components"])
            if inner is None:
                return None
            plan.append(inner)
            continue
        leaf = _leaf(kind)
        if leaf is None:
            return None  # dynamic (bytes, string, arrays) or fixed arrays: eth_abi
        plan.append(leaf)
    return plan


def _run(plan: Plan, data: bytes, at: int) -> tuple[tuple[Any, ...], int]:
    values = []
    for step in plan:
        if isinstance(step, list):
            value, at = _run(step, data, at)
            values.append(value)
        else:
            values.append(step(data[at : at + 32]))
            at += 32
    return tuple(values), at


def compile_decoder(outputs: Sequence[Mapping[str, Any]]) -> Decoder | None:
    """A fast decoder for these outputs, or None if any of them is dynamic."""
    plan = _plan(outputs)
    if plan is None:
        return None
    size = _words(plan) * 32

    def decode(data: bytes) -> tuple[Any, ...]:
        if len(data) < size:
            raise ValueError(f"return data has {len(data)} bytes, needs {size}")
        return _run(plan, data, 0)[0]

    return decode


def _words(plan: Plan) -> int:
    return sum(_words(step) if isinstance(step, list) else 1 for step in plan)
