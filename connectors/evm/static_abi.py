"""Decoding static ABI return values by slicing words: the tick path's fast lane.

Most view functions the connectors read return only static types (integers, addresses,
booleans, fixed bytes and structs of those). Their encoding is one 32-byte word per
leaf, so decoding is slicing; eth_abi's generic decoder costs ~50x more. ``layout_of``
gives an ABI output list's ``Layout`` (its leaves in word order and how they nest), or
None when something dynamic needs eth_abi; ``compile_decoder`` decodes one result by it.
The results equal eth_abi's (tests/unit/evm/test_static_abi.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any

Leaf = Callable[[bytes], Any]
Decoder = Callable[[bytes], tuple[Any, ...]]
_WORD = 32


class Layout:
    """The static return layout of a function: its leaf kinds in word order ("uint",
    "int", "address", "bool" or "bytes<N>") and its ``shape``, per output None (a leaf) or
    a nested shape (a struct). Interned: one object per layout."""

    __slots__ = ("leaves", "shape", "size")

    def __init__(self, leaves: tuple[str, ...], shape: tuple[Any, ...]) -> None:
        self.leaves = leaves
        self.shape = shape
        self.size = len(leaves) * _WORD

    @property
    def flat(self) -> bool:
        return all(part is None for part in self.shape)

    def __repr__(self) -> str:
        return f"Layout({','.join(self.leaves)})"


def _leaf_kind(kind: str) -> str | None:
    """Every uintN and intN is read as its whole word, as eth_abi returns it."""
    if kind.startswith("uint"):
        return "uint"
    if kind.startswith("int"):
        return "int"
    if kind in ("address", "bool") or (kind.startswith("bytes") and kind[5:].isdigit()):
        return kind
    return None  # dynamic (bytes, string, arrays) or fixed arrays: eth_abi


def _walk(items: Sequence[Mapping[str, Any]], leaves: list[str]) -> tuple[Any, ...] | None:
    shape: list[Any] = []
    for item in items:
        kind = str(item["type"])
        if kind == "tuple":
            inner = _walk(item["components"], leaves)
            if inner is None:
                return None
            shape.append(inner)
            continue
        leaf = _leaf_kind(kind)
        if leaf is None:
            return None
        leaves.append(leaf)
        shape.append(None)
    return tuple(shape)


def layout_of(outputs: Sequence[Mapping[str, Any]]) -> Layout | None:
    """The layout of an ABI output list, or None if anything in it is not static."""
    leaves: list[str] = []
    shape = _walk(outputs, leaves)
    return None if shape is None else _interned(tuple(leaves), shape)


@cache
def _interned(leaves: tuple[str, ...], shape: tuple[Any, ...]) -> Layout:
    return Layout(leaves, shape)


def nest(shape: tuple[Any, ...], flat: Iterator[Any]) -> tuple[Any, ...]:
    """Values in word order regrouped as ``shape`` (structs as nested tuples)."""
    return tuple(next(flat) if part is None else nest(part, flat) for part in shape)


def _unsigned(word: bytes) -> int:
    return int.from_bytes(word, "big")


def _signed(word: bytes) -> int:
    return int.from_bytes(word, "big", signed=True)


def _address(word: bytes) -> str:
    return "0x" + word[12:].hex()  # lowercase, as eth_abi returns it


def _bool(word: bytes) -> bool:
    return word[-1] != 0


def _leaf(kind: str) -> Leaf:
    if kind == "uint":
        return _unsigned
    if kind == "int":
        return _signed
    if kind == "address":
        return _address
    if kind == "bool":
        return _bool
    size = int(kind[5:])
    return lambda word: word[:size]


def compile_decoder(outputs: Sequence[Mapping[str, Any]]) -> Decoder | None:
    """A fast decoder for these outputs, or None if any of them is dynamic."""
    layout = layout_of(outputs)
    if layout is None:
        return None
    steps = [(at * _WORD, _leaf(kind)) for at, kind in enumerate(layout.leaves)]
    size, shape, flat = layout.size, layout.shape, layout.flat

    def decode(data: bytes) -> tuple[Any, ...]:
        if len(data) < size:
            raise ValueError(f"return data has {len(data)} bytes, needs {size}")
        values = (leaf(data[at : at + _WORD]) for at, leaf in steps)
        return tuple(values) if flat else nest(shape, values)

    return decode
