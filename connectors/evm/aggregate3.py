"""Multicall3 ``aggregate3`` calldata and results, encoded by hand.

The batch is the hot path of every tick (thousands of sub-calls); eth_abi's generic
encoder spends milliseconds per hundred calls on it, while the layout is fixed:

    aggregate3((address target, bool allowFailure, bytes callData)[] calls)
    returns ((bool success, bytes returnData)[])

A call's encoded element (its tail) does not depend on the rest of the batch, so a
batch is its elements joined behind their offsets (``element``, ``encode_elements``):
elements encoded once serve every later tick (``connectors.evm.batch``). A reply's
offsets, flags and lengths are read for every result at once through numpy
(``decode``), not one word at a time. Both directions are checked against eth_abi in
tests/unit/evm/test_aggregate3.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agent.ports import Call, CallResult

SELECTOR = bytes.fromhex("82ad56cb")
_WORD = 32
_SPAN = np.arange(_WORD, dtype=np.int64)
_LIMIT = 1 << 62  # any offset or length beyond this cannot fit a reply: truncated


def _word(value: int) -> bytes:
    return value.to_bytes(_WORD, "big")


_ELEMENT_OFFSET = _word(3 * _WORD)  # callData's offset inside its element
_FLAGS = (_word(0), _word(1))


def element(call: Call) -> bytes:
    """The encoded ``(address, bool, bytes)`` tuple of one call: its tail in the array."""
    data = bytes(call.data)
    return b"".join(
        (
            bytes.fromhex(call.target.removeprefix("0x")).rjust(_WORD, b"\0"),
            _FLAGS[1 if call.allow_failure else 0],
            _ELEMENT_OFFSET,
            _word(len(data)),
            data,
            b"\0" * (-len(data) % _WORD),
        )
    )


def encode_elements(elements: Sequence[bytes]) -> bytes:
    """Calldata of ``aggregate3`` over calls already encoded by ``element``."""
    count = len(elements)
    heads = np.zeros((count, 4), dtype=">u8")  # each offset in the low 8 bytes of its word
    if count:
        sizes = np.fromiter(map(len, elements), dtype=np.int64, count=count)
        offsets = np.empty(count, dtype=np.int64)
        offsets[0] = 0
        np.cumsum(sizes[:-1], out=offsets[1:])
        # element offsets are relative to the array's contents, which start with the heads
        heads[:, 3] = offsets + count * _WORD
    return b"".join((SELECTOR, _word(_WORD), _word(count), heads.tobytes(), *elements))


def encode(calls: Sequence[Call]) -> bytes:
    """Calldata of ``aggregate3(calls)``."""
    return encode_elements([element(call) for call in calls])


def _truncated() -> ValueError:
    return ValueError("aggregate3 reply is truncated")


def _words(reply: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The 32-byte words starting at byte offsets ``at`` of ``reply``: (len(at), 32)."""
    if at.size and (int(at.min()) < 0 or int(at.max()) + _WORD > reply.size):
        raise _truncated()
    return reply[at[:, None] + _SPAN]


def _integers(words: np.ndarray) -> np.ndarray:
    """Offsets or lengths: too wide for any reply means the reply is malformed."""
    if words[:, :24].any():
        raise _truncated()
    values = np.ascontiguousarray(words[:, 24:]).view(">u8")[:, 0]
    if values.size and int(values.max()) >= _LIMIT:
        raise _truncated()
    return values.astype(np.int64)


def decode(data: bytes) -> list[CallResult]:
    """The results of ``aggregate3``; ValueError when the reply is malformed."""
    reply = np.frombuffer(data, dtype=np.uint8)
    array = int(_integers(_words(reply, np.zeros(1, dtype=np.int64)))[0])
    count = int(_integers(_words(reply, np.array([array], dtype=np.int64)))[0])
    base = array + _WORD
    if base + count * _WORD > reply.size:
        raise _truncated()
    heads = base + np.arange(count, dtype=np.int64) * _WORD
    elements = base + _integers(_words(reply, heads))
    success: np.ndarray = np.asarray(_words(reply, elements).any(axis=1))
    payloads = elements + _integers(_words(reply, elements + _WORD))
    lengths = _integers(_words(reply, payloads))
    starts = payloads + _WORD
    ends = starts + lengths
    if count and int(ends.max()) > reply.size:
        raise _truncated()
    payloads = map(data.__getitem__, map(slice, starts.tolist(), ends.tolist()))
    return list(map(CallResult, success.tolist(), payloads))
