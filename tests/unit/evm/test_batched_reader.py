"""BatchedReader: every connector's calls in one read, shared calls made once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from agent.ports import BlockRef, Call, CallResult
from connectors.evm.multicall import BatchedReader, Companion, Multicall3Reader

BLOCK = BlockRef(number=7, timestamp=1_700_000_000, parent_hash="0x" + "ab" * 32)


class EchoReader(Multicall3Reader):
    """Answers each call with its own calldata, and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[list[Call]] = []

    async def read(
        self,
        calls: Sequence[Call],
        at: tuple[BlockRef, str] | None = None,
        companions: Sequence[Companion] = (),
    ) -> tuple[BlockRef, Sequence[CallResult]]:
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


class NodeAtOneBlock:
    """A node whose head is block 0x10 (hash 0xaa..); answers every aggregate3 with empty
    successes, and remembers each request."""

    chain_id = 42161

    def __init__(self) -> None:
        self.requests: list[tuple[str, list[Any]]] = []
        self.head = {"number": "0x10", "timestamp": "0x6553f100", "hash": "0x" + "aa" * 32,
                     "parentHash": "0x" + "BB" * 32}  # fmt: skip

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        self.requests.append((method, list(params)))
        if method == "eth_getBlockByNumber":
            return self.head
        count = len(aggregate3_decode_calls(params[0]["data"]))
        return "0x" + abi_encode(["(bool,bytes)[]"], [[(True, b"")] * count]).hex()


def aggregate3_decode_calls(data: str) -> list[Any]:
    [calls] = abi_decode(["(address,bool,bytes)[]"], bytes.fromhex(data[10:]))
    return list(calls)


async def test_every_batch_is_pinned_to_the_nodes_head_by_hash() -> None:
    node = NodeAtOneBlock()
    reader = Multicall3Reader(node, max_calls=2)  # type: ignore[arg-type]
    block, results = await reader.read([_call("0x" + "01" * 20, b"x")] * 5)
    assert block == BlockRef(16, 0x6553F100, "0x" + "bb" * 32)
    assert len(results) == 5
    [(head, _), *calls] = node.requests
    assert head == "eth_getBlockByNumber"
    assert [params[1] for _, params in calls] == [{"blockHash": "0x" + "aa" * 32}] * 3


async def test_connectors_of_one_plan_share_their_results_and_no_other_does() -> None:
    """An Aave market's accounts computed locally share one plan tuple: they get one
    results tuple (picked once); a connector whose plan differs, even by one call, or is
    equal but another tuple, gets its own, each in its own plan's order."""
    price, config = _call("0xoracle", b"price"), _call("0xpool", b"config")
    market = (price, config)
    reader = BatchedReader(EchoReader())
    for _ in range(2):  # the merged batch built, then kept
        _, results = await reader.read(
            {
                "aave:1": market,
                "aave:2": market,
                "aave:3": (*market, _call("0xpool", b"account-3")),
                "aave:4": (config, price),
                "aave:5": market,
                "aave:6": tuple(list(market)),  # equal, another tuple
            }
        )
        assert results["aave:1"] is results["aave:2"]
        assert results["aave:5"] is results["aave:1"]
        assert [r.data for r in results["aave:1"]] == [b"price", b"config"]
        assert [r.data for r in results["aave:3"]] == [b"price", b"config", b"account-3"]
        assert [r.data for r in results["aave:4"]] == [b"config", b"price"]
        assert results["aave:3"] is not results["aave:1"]
        assert [r.data for r in results["aave:6"]] == [b"price", b"config"]
        assert results["aave:6"] is not results["aave:1"]
