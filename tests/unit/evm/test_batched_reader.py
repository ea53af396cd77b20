"""BatchedReader: every connector's calls in one read, shared calls made once."""

from __future__ import annotations

from collections.abc import Sequence

from agent.ports import BlockRef, Call, CallResult
from connectors.evm.multicall import BatchedReader, Multicall3Reader

BLOCK = BlockRef(number=7, timestamp=1_700_000_000, parent_hash="0x" + "ab" * 32)


class EchoReader(Multicall3Reader):
    """Answers each call with its own calldata, and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[list[Call]] = []

    async def read(self, calls: Sequence[Call]) -> tuple[BlockRef, Sequence[CallResult]]:
        self.asked.append(list(calls))
        return BLOCK, [CallResult(call.allow_failure, call.data) for call in calls]


def _call(target: str, data: bytes, allow_failure: bool = True) -> Call:
    return Call(target, data, allow_failure)


async def test_shared_calls_are_made_once_and_every_connector_gets_its_own_results() -> None:
    price = _call("0xoracle", b"price")
    config = _call("0xpool", b"config")
    plans = {
        "aave:1": [price, config, _call("0xpool", b"account-1")],
        "aave:2": [_call("0xpool", b"account-2"), config, price],
        "chainlink": [price],
    }
    echo = EchoReader()
    block, results = await BatchedReader(echo).read(plans)
    assert block == BLOCK
    assert len(echo.asked) == 1
    assert [c.data for c in echo.asked[0]] == [b"price", b"config", b"account-1", b"account-2"]
    for name, calls in plans.items():
        assert [r.data for r in results[name]] == [c.data for c in calls], name


async def test_the_same_calldata_with_another_failure_rule_is_a_separate_call() -> None:
    strict, lenient = _call("0xpool", b"x", allow_failure=False), _call("0xpool", b"x")
    echo = EchoReader()
    _, results = await BatchedReader(echo).read({"a": [strict], "b": [lenient]})
    assert echo.asked == [[strict, lenient]]
    assert results["a"][0].success is False
    assert results["b"][0].success is True
