"""A JSON-RPC request's body means what ``json.dumps`` (aiohttp's ``json=``) meant,
whether orjson or json writes it: the same document for any JSON-like value, and
exactly json's bytes for values orjson would write otherwise (NaN, huge integers)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.evm.jsonrpc import request_body

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(values)
def test_the_body_is_the_document_json_writes(value: Any) -> None:
    assert json.loads(request_body(value)) == json.loads(json.dumps(value))


def test_values_orjson_would_change_are_written_by_json() -> None:
    for value in ({"x": float("nan")}, [2**64], {"x": "\ud800"}, {1: "a"}):
        assert request_body(value) == json.dumps(value).encode()


def test_an_eth_call_is_written_by_orjson_as_the_same_document() -> None:
    call = {"to": "0x" + "11" * 20, "data": "0x" + "ab" * 5000}
    pinned = {"blockHash": "0x" + "22" * 32}
    call = {"jsonrpc": "2.0", "id": 7, "method": "eth_call", "params": [call, pinned]}
    body = request_body(call)
    assert json.loads(body) == call
    assert b" " not in body  # orjson's compact form: the fast path was taken
