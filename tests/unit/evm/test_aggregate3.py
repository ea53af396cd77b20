"""The hand-rolled aggregate3 codec agrees with eth_abi on the real interface."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode as abi_encode
from hypothesis import given
from hypothesis import strategies as st

from agent.ports import Call, CallResult
from connectors.evm import aggregate3
from connectors.evm.abi import ContractAbi

MULTICALL = ContractAbi.load("IMulticall3")
addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
calls = st.lists(st.builds(Call, addresses, st.binary(max_size=100), st.booleans()), max_size=12)


@given(calls)
def test_encoding_equals_eth_abi(batch: list[Call]) -> None:
    expected = MULTICALL.encode("aggregate3", [(c.target, c.allow_failure, c.data) for c in batch])
    assert aggregate3.encode(batch) == expected


@given(st.lists(st.tuples(st.booleans(), st.binary(max_size=100)), max_size=12))
def test_decoding_equals_eth_abi(results: list[tuple[bool, bytes]]) -> None:
    reply = abi_encode(["(bool,bytes)[]"], [results])
    assert aggregate3.decode(reply) == [CallResult(ok, data) for ok, data in results]


def test_a_truncated_reply_is_refused() -> None:
    reply = abi_encode(["(bool,bytes)[]"], [[(True, b"x" * 40)]])
    with pytest.raises(ValueError, match="truncated"):
        aggregate3.decode(reply[:-40])
