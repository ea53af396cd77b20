"""What the tick reuses from one read to the next is never stale.

- aggregate3 replies read through numpy give what reading one word at a time gave (the
  decoder the numpy one replaced, kept here as the reference), on valid replies and on
  every corruption of them: the same results, or a ValueError from both.
- An Aave connector's plan is one tuple kept while nothing it depends on changes, and a
  fresh one as soon as the account, an asset, an aToken or an e-mode category does.
"""

from __future__ import annotations

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.ports import CallResult
from connectors.evm import aggregate3
from connectors.evm.aave_v3 import AaveV3Connector
from connectors.evm.tokens import TokenConfig


def _word_at_a_time(data: bytes) -> list[CallResult]:
    """The decoder issue 18 replaced (one Python call per word), as the reference."""
    view = memoryview(data)

    def word(at: int) -> int:
        if at + 32 > len(view):
            raise ValueError("aggregate3 reply is truncated")
        return int.from_bytes(view[at : at + 32], "big")

    array = word(0)
    count = word(array)
    base = array + 32
    results = []
    for index in range(count):
        element = base + word(base + index * 32)
        success = word(element) != 0
        payload = element + word(element + 32)
        length = word(payload)
        if payload + 32 + length > len(view):
            raise ValueError("aggregate3 reply is truncated")
        results.append(CallResult(success, bytes(view[payload + 32 : payload + 32 + length])))
    return results


def _outcome(data: bytes) -> list[CallResult] | str:
    try:
        return list(_word_at_a_time(data))
    except ValueError as error:
        return str(error)


replies = st.lists(st.tuples(st.booleans(), st.binary(max_size=70)), max_size=6).map(
    lambda results: abi_encode(["(bool,bytes)[]"], [results])
)


@settings(max_examples=300, deadline=None)
@given(
    reply=replies,
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
    cut=st.integers(0, 10**6),
)
def test_numpy_reading_equals_reading_word_by_word(
    reply: bytes, edits: list[tuple[int, int]], cut: int
) -> None:
    corrupted = bytearray(reply)
    for at, value in edits:
        if corrupted:
            corrupted[at % len(corrupted)] = value
    data = bytes(corrupted[: len(corrupted) - cut % 40 if cut % 3 == 0 else len(corrupted)])
    expected = _outcome(data)
    try:
        found: list[CallResult] | str = list(aggregate3.decode(data))
    except ValueError as error:
        found = str(error)
    assert found == expected


def test_a_reply_of_huge_offsets_is_refused_without_allocating() -> None:
    reply = (32).to_bytes(32, "big") + (2**200).to_bytes(32, "big")
    assert _outcome(reply) == "aggregate3 reply is truncated"
    with pytest.raises(ValueError, match="truncated"):
        aggregate3.decode(reply)


WETH = TokenConfig("WETH", to_checksum_address("0x" + "e1" * 20), 18, "ETH")
USDC = TokenConfig("USDC", to_checksum_address("0x" + "e2" * 20), 6, "USDC")


def _connector(account: str = "0x" + "ac" * 20) -> AaveV3Connector:
    connector = AaveV3Connector(
        chain_id=1,
        account=account,
        assets=[WETH],
        pool="0x" + "b0" * 20,
        data_provider="0x" + "d0" * 20,
        oracle="0x" + "0c" * 20,
    )
    connector.a_tokens = {"WETH": "0x" + "a1" * 20}
    connector.emode_of = {"WETH": 0}
    return connector


def test_an_aave_plan_is_kept_until_what_it_depends_on_changes() -> None:
    connector = _connector()
    first = connector.plan()
    assert connector.plan() is first, "the same tuple while nothing changed"
    fresh = _connector().plan()
    assert first == fresh

    connector.emode_of["WETH"] = 1  # a new e-mode category: its data is read too
    with_category = connector.plan()
    assert with_category != first
    assert with_category == connector._market_calls() + connector._account_calls()

    connector.assets.append(USDC)  # a new asset (after discovery found its aToken)
    connector.a_tokens["USDC"] = "0x" + "a2" * 20
    connector.emode_of["USDC"] = 0
    with_usdc = connector.plan()
    assert len(with_usdc) == len(with_category) + 9 + 4  # the market's, the account's
    assert with_usdc == connector._market_calls() + connector._account_calls()

    connector.a_tokens["USDC"] = "0x" + "a3" * 20  # another aToken for it
    assert connector.plan() != with_usdc
    assert connector.plan() == connector._market_calls() + connector._account_calls()

    for field in ("account", "pool", "data_provider", "oracle"):
        before = connector.plan()
        setattr(connector, field, "0x" + "ff" * 20)
        assert connector.plan() != before, field
        assert connector.plan() == connector._market_calls() + connector._account_calls(), field
