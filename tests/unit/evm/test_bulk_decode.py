"""Bulk decoding (one numpy pass per return layout) gives exactly eth_abi's values, and
leaves failed sub-calls and odd-sized data to the one-by-one decoder, errors included."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.ports import Call, CallResult
from connectors.evm.abi import ContractAbi
from connectors.evm.bulk_decode import CallData, ReturnData, decode_results, decode_rows
from connectors.evm.static_abi import compile_decoder, layout_of

_MAX_UINT256 = 2**256 - 1
_LEAF_KINDS = ("uint256", "uint8", "uint80", "uint128", "int256", "int24", "int128", "address",
               "bool", "bytes32", "bytes4")  # fmt: skip


def _values(kind: str) -> st.SearchStrategy[Any]:
    if kind.startswith("uint"):
        top = 2 ** int(kind[4:]) - 1
        edges = [e for e in (0, 1, 2**64 - 1, 2**64, top) if e <= top]
        return st.one_of(st.sampled_from(edges), st.integers(0, top))
    if kind.startswith("int"):
        half = 2 ** (int(kind[3:]) - 1)
        edges = [0, -1, 1, -(2**63), 2**63 - 1, -(2**63) - 1, 2**63, -half, half - 1]
        return st.one_of(
            st.sampled_from([e for e in edges if -half <= e < half]), st.integers(-half, half - 1)
        )
    if kind == "address":
        return st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
    if kind == "bool":
        return st.booleans()
    return st.binary(min_size=int(kind[5:]), max_size=int(kind[5:]))


# An output list: leaves, and now and then a struct of leaves (ABI JSON, as in abi/).
_OUTPUT = st.one_of(
    st.sampled_from(_LEAF_KINDS).map(lambda kind: {"type": kind}),
    st.lists(st.sampled_from(_LEAF_KINDS), min_size=1, max_size=3).map(
        lambda kinds: {"type": "tuple", "components": [{"type": k} for k in kinds]}
    ),
)


def _abi_type(output: dict[str, Any]) -> str:
    if output["type"] == "tuple":
        return "(" + ",".join(c["type"] for c in output["components"]) + ")"
    return str(output["type"])


def _row(output: dict[str, Any]) -> st.SearchStrategy[Any]:
    if output["type"] == "tuple":
        return st.tuples(*(_values(c["type"]) for c in output["components"]))
    return _values(output["type"])


@settings(max_examples=150, deadline=None)
@given(data=st.data(), outputs=st.lists(_OUTPUT, min_size=1, max_size=6))
def test_bulk_decode_equals_eth_abi(data: st.DataObject, outputs: list[dict[str, Any]]) -> None:
    types = [_abi_type(output) for output in outputs]
    rows = data.draw(st.lists(st.tuples(*(_row(o) for o in outputs)), min_size=1, max_size=8))
    payloads = [abi_encode(types, list(row)) for row in rows]
    layout = layout_of(outputs)
    assert layout is not None
    expected = [tuple(abi_decode(types, payload)) for payload in payloads]
    assert decode_rows(layout, payloads) == expected
    static = compile_decoder(outputs)
    assert static is not None
    assert [static(payload) for payload in payloads] == expected


@settings(max_examples=60, deadline=None)
@given(data=st.data(), outputs=st.lists(_OUTPUT, min_size=1, max_size=4))
def test_a_batch_with_failed_sub_calls_decodes_as_one_by_one(
    data: st.DataObject, outputs: list[dict[str, Any]]
) -> None:
    """Through ``ContractAbi`` as the connectors call it: each successful result equals
    eth_abi's values; a failed one (its revert data of any length) is left untouched."""
    abi = ContractAbi([{"type": "function", "name": "f", "inputs": [], "outputs": outputs}])
    types = [_abi_type(output) for output in outputs]
    rows = data.draw(st.lists(st.tuples(*(_row(o) for o in outputs)), min_size=1, max_size=6))
    failed = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    revert = data.draw(st.binary(max_size=100))
    results = [
        CallResult(False, revert) if fails else CallResult(True, abi_encode(types, list(row)))
        for row, fails in zip(rows, failed, strict=True)
    ]
    calls = [Call("0x" + "11" * 20, abi.encode("f"))] * len(rows)
    decoded = decode_results(calls, results)
    for before, after, row, fails in zip(results, decoded, rows, failed, strict=True):
        if fails:
            assert after is before
            continue
        assert abi.decode("f", after.data) == tuple(abi_decode(types, before.data)) == row


def test_the_edges_of_each_word() -> None:
    outputs = [{"type": "uint256"}, {"type": "int256"}, {"type": "address"}, {"type": "bool"}]
    layout = layout_of(outputs)
    assert layout is not None
    rows = [
        (_MAX_UINT256, -(2**255), "0x" + "ff" * 20, True),
        (2**64, -(2**63) - 1, "0x" + "00" * 19 + "01", False),
        (2**64 - 1, 2**255 - 1, "0xca11bde05977b3631167028862be2a173976ca11", True),
    ]
    payloads = [abi_encode(["uint256", "int256", "address", "bool"], list(r)) for r in rows]
    assert decode_rows(layout, payloads) == rows


def test_only_successful_results_of_the_layouts_size_are_decoded() -> None:
    abi = ContractAbi.load("IChainlinkFeed")
    calldata = abi.encode("latestRoundData")
    assert isinstance(calldata, CallData)
    types = ["uint80", "int256", "uint256", "uint256", "uint80"]
    good = abi_encode(types, [7, -5, 1, 2, 7])
    calls = [Call("0x" + "11" * 20, calldata)] * 4 + [Call("0x" + "22" * 20, b"\x01\x02")]
    results = [
        CallResult(True, good),
        CallResult(False, good),  # a failed sub-call: its revert data stays bytes
        CallResult(True, b""),  # an account without code: too short
        CallResult(True, good + b"\0" * 32),  # longer than the layout: one by one
        CallResult(True, good),  # calldata without a layout
    ]
    decoded = decode_results(calls, results)
    assert isinstance(decoded[0].data, ReturnData)
    assert [type(r.data) for r in decoded[1:]] == [bytes] * 4
    assert decoded[1:] == results[1:]
    expected = (7, -5, 1, 2, 7)
    assert abi.decode("latestRoundData", decoded[0].data) == expected
    assert abi.decode("latestRoundData", decoded[3].data) == expected
    with pytest.raises(DecodingError):
        abi.decode("latestRoundData", decoded[2].data)


def test_values_decoded_for_another_layout_are_not_taken() -> None:
    feed = ContractAbi.load("IChainlinkFeed")
    one_word = abi_encode(["uint256"], [2**255])
    (result,) = decode_results(
        [Call("0x" + "11" * 20, feed.encode("decimals"))], [CallResult(True, one_word)]
    )
    assert isinstance(result.data, ReturnData)
    # latestAnswer is int256: the same word read signed, not decimals' unsigned value
    assert feed.decode("latestAnswer", result.data) == (-(2**255),)
