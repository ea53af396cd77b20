"""Decoding a batch's results in bulk: one numpy pass per return layout, not one decoder
call per result.

A read returns thousands of results of a handful of shapes (an account's data, a
reserve's figures, a price). Static return values are one 32-byte word per leaf, so
every result of one layout is a row of the same width: the results of a layout are
joined into one array and each column decoded at once (``uint``/``int`` through 64-bit
limbs, ``address`` as one hex string, ``bool``, ``bytesN``). Words wider than 64 bits
(ray-scaled rates, wei amounts above 2**64, negative numbers beyond int64) take
``int.from_bytes``, only those words.

How a result finds its layout and its decoder finds the values: ``ContractAbi.encode``
returns ``CallData``, calldata that knows its function's static return ``Layout``;
``decode_results`` decodes every successful result whose calldata has a layout and whose
data has exactly that layout's size, and hands it back as ``ReturnData``, return data
carrying its values; ``ContractAbi.decode`` returns them when the layout is the one of
the function it is asked to decode. Anything else (failed sub-calls, dynamic outputs,
data of another size, plain bytes) is left as it was and decoded one by one as before,
with the same values and the same errors. The values equal ``static_abi``'s and
eth_abi's (tests/unit/evm/test_bulk_decode.py, a Hypothesis property).

The tick's reader goes through ``decode_groups`` from a ``connectors.evm.batch.Batch``,
which groups its calls by layout once for every tick it is read and leaves one-word
results to the one-by-one decoder, faster for them than a ``ReturnData``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from agent.ports import Call, CallResult
from connectors.evm.static_abi import Layout, nest

_WORD = 32
_LIMB_MAX_SIGNED = 1 << 63


class CallData(bytes):
    """Calldata that knows the static return layout of the function it calls."""

    layout: Layout | None

    def __new__(cls, data: bytes, layout: Layout | None) -> CallData:
        made = super().__new__(cls, data)
        made.layout = layout
        return made


class ReturnData(bytes):
    """Return data decoded in bulk: ``values`` as the function's decoder returns them."""

    layout: Layout
    values: tuple[Any, ...]


def decode_results(calls: Sequence[Call], results: Sequence[CallResult]) -> list[CallResult]:
    """``results`` (of ``calls``, in order) with every bulk-decodable one decoded."""
    groups: dict[Layout, list[int]] = defaultdict(list)
    for index, (call, result) in enumerate(zip(calls, results, strict=True)):
        layout = getattr(call.data, "layout", None)
        if (
            layout is not None
            and layout.size
            and result.success
            and len(result.data) == layout.size
        ):
            groups[layout].append(index)
    return decode_groups(results, groups.items())


def decode_groups(
    results: Sequence[CallResult], groups: Iterable[tuple[Layout, Sequence[int]]]
) -> list[CallResult]:
    """``results`` with those at each group's indices decoded by its layout: each one
    succeeded and has exactly the layout's size (the caller checked)."""
    decoded = list(results)
    for layout, indices in groups:
        payloads = [results[i].data for i in indices]
        for index, payload, values in zip(
            indices, payloads, decode_rows(layout, payloads), strict=True
        ):
            returned = ReturnData(payload)
            returned.layout = layout
            returned.values = values
            decoded[index] = CallResult(True, returned)
    return decoded


def decode_rows(layout: Layout, payloads: Sequence[bytes]) -> list[tuple[Any, ...]]:
    """The values of ``payloads``, each exactly ``layout.size`` bytes, as tuples."""
    joined = b"".join(payloads)
    words = np.frombuffer(joined, dtype=np.uint8).reshape(len(payloads), -1, _WORD)
    columns = [
        _column(kind, words[:, at, :], _Words(joined, layout.size, at * _WORD))
        for at, kind in enumerate(layout.leaves)
    ]
    rows = list(zip(*columns, strict=True))
    if layout.flat:
        return rows
    return [nest(layout.shape, iter(row)) for row in rows]


class _Words:
    """One column's words in the joined payloads: where each starts."""

    __slots__ = ("joined", "starts")

    def __init__(self, joined: bytes, row_size: int, start: int) -> None:
        self.joined = joined
        self.starts = range(start, len(joined), row_size)


def _column(kind: str, words: np.ndarray, column: _Words) -> list[Any]:
    if kind in ("uint", "int"):
        return _integers(words, column, signed=kind == "int")
    if kind == "address":
        text = np.ascontiguousarray(words[:, 12:]).tobytes().hex()
        return ["0x" + text[at : at + 40] for at in range(0, len(text), 40)]  # lowercase
    if kind == "bool":
        return (words[:, -1] != 0).tolist()  # type: ignore[no-any-return]
    size = int(kind[5:])  # bytesN: the word's first N bytes
    block = np.ascontiguousarray(words[:, :size]).tobytes()
    return [block[at : at + size] for at in range(0, len(block), size)]


def _integers(words: np.ndarray, column: _Words, *, signed: bool) -> list[int]:
    """Whole-word integers: the low 64-bit limb, all at once, where the high limbs only
    extend it; ``int.from_bytes`` for the words wider than that."""
    limbs = np.ascontiguousarray(words).view(">u8")  # (count, 4), most significant first
    low = limbs[:, 3]
    high_zero = ~limbs[:, :3].any(axis=1)
    if signed:
        high_ones = (limbs[:, :3] == np.uint64(0xFFFFFFFFFFFFFFFF)).all(axis=1)
        negative = low >= np.uint64(_LIMB_MAX_SIGNED)
        fits = (high_zero & ~negative) | (high_ones & negative)
    else:
        fits = high_zero
    wide = np.flatnonzero(~fits).tolist()
    joined, starts, from_bytes = column.joined, column.starts, int.from_bytes
    if len(wide) == len(low):  # every word wide (ray-scaled rates): no limb pass
        return [from_bytes(joined[at : at + _WORD], "big", signed=signed) for at in starts]
    values: list[int] = (low.view(">i8") if signed else low).tolist()
    for row in wide:
        at = starts[row]
        values[row] = from_bytes(joined[at : at + _WORD], "big", signed=signed)
    return values
