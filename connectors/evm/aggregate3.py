"""Multicall3 ``aggregate3`` calldata and results, encoded by hand.

The batch is the hot path of every tick (hundreds of sub-calls); eth_abi's generic
encoder spends milliseconds per hundred calls on it, while the layout is fixed:

    aggregate3((address target, bool allowFailure, bytes callData)[] calls)
    returns ((bool success, bytes returnData)[])

Both directions are checked against eth_abi in tests/unit/evm/test_aggregate3.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.ports import Call, CallResult

SELECTOR = bytes.fromhex("82ad56cb")
_WORD = 32


def _word(value: int) -> bytes:
    return value.to_bytes(_WORD, "big")


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % _WORD)


def encode(calls: Sequence[Call]) -> bytes:
    """Calldata of ``aggregate3(calls)``."""
    heads: list[bytes] = []
    tails: list[bytes] = []
    offset = len(calls) * _WORD  # element offsets are relative to the array's contents
    for call in calls:
        heads.append(_word(offset))
        target = bytes.fromhex(call.target.removeprefix("0x")).rjust(_WORD, b"\0")
        data = bytes(call.data)
        element = b"".join(
            (
                target,
                _word(1 if call.allow_failure else 0),
                _word(3 * _WORD),
                _word(len(data)),
                _padded(data),
            )
        )
        tails.append(element)
        offset += len(element)
    return SELECTOR + _word(_WORD) + _word(len(calls)) + b"".join(heads) + b"".join(tails)


def decode(data: bytes) -> list[CallResult]:
    """The results of ``aggregate3``; ValueError when the reply is malformed."""
    view = memoryview(data)

    def word(at: int) -> int:
        if at + _WORD > len(view):
            raise ValueError("aggregate3 reply is truncated")
        return int.from_bytes(view[at : at + _WORD], "big")

    array = word(0)
    count = word(array)
    base = array + _WORD
    results = []
    for index in range(count):
        element = base + word(base + index * _WORD)
        success = word(element) != 0
        payload = element + word(element + _WORD)
        length = word(payload)
        if payload + _WORD + length > len(view):
            raise ValueError("aggregate3 reply is truncated")
        results.append(CallResult(success, bytes(view[payload + _WORD : payload + _WORD + length])))
    return results
