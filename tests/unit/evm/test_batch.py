"""The batch kept across ticks is always exactly the calls the connectors ask for now.

Hypothesis runs sequences of ticks in which connectors join, leave, keep their plan
(the same tuple, or an equal list), change it, or change a list they returned before in
place; every tick the batch must hold each call asked for once and nothing else, give
every connector its own calls' results in its order, and send calldata equal to a fresh
encoding (eth_abi's, through ``aggregate3.encode``, checked against eth_abi in
test_aggregate3.py) for every chunk the reader cuts.
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode as abi_encode
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.ports import Call, CallResult
from connectors.evm import aggregate3
from connectors.evm.abi import ContractAbi
from connectors.evm.batch import Batch, Merger
from connectors.evm.bulk_decode import ReturnData

ERC20 = ContractAbi.load("IERC20Token")
TARGETS = ["0x" + f"{n:040x}" for n in range(1, 4)]
# A small pool, so that connectors share calls and plans collide
POOL = [
    Call(target, ERC20.encode("balanceOf", TARGETS[(n + 1) % 3]), allow_failure=n % 4 != 0)
    for n in range(8)
    for target in TARGETS
]
NAMES = [f"aave:{n}" for n in range(5)]

plans = st.lists(st.sampled_from(POOL), max_size=6)
# What a connector does this tick: leave, keep the tuple it returned, return an equal
# list, return another plan (a tuple or a list), or change the list it returned last
# time in place.
moves = st.one_of(
    st.just(("leave", None)),
    st.just(("same", None)),
    st.just(("equal", None)),
    st.tuples(st.just("new"), plans),
    st.tuples(st.just("new list"), plans),
    st.tuples(st.just("mutate"), plans),
)


def _apply(current: dict[str, Any], name: str, move: tuple[str, Any]) -> None:
    kind, plan = move
    before = current.get(name)
    if kind == "leave":
        current.pop(name, None)
    elif kind == "new list":
        current[name] = list(plan)
    elif kind == "new" or before is None:
        current[name] = tuple(plan or [])
    elif kind == "equal":
        current[name] = list(before)
    elif kind == "mutate" and isinstance(before, list):
        before[:] = plan  # the same object, other calls
    elif kind == "mutate":
        current[name] = list(plan)


@settings(max_examples=200, deadline=None)
@given(
    ticks=st.lists(st.dictionaries(st.sampled_from(NAMES), moves), min_size=1, max_size=8),
    bound=st.integers(1, 7),
)
def test_every_tick_reads_exactly_the_calls_asked_for(
    ticks: list[dict[str, tuple[str, Any]]], bound: int
) -> None:
    merger = Merger()
    current: dict[str, Any] = {}
    for tick in ticks:
        for name, move in tick.items():
            _apply(current, name, move)
        batch, pickers = merger.merge(current)
        calls = list(batch)
        assert len(set(calls)) == len(calls), "a call made twice"
        assert set(calls) == {call for plan in current.values() for call in plan}
        for name, plan in current.items():
            assert list(pickers[name](calls)) == list(plan), name
        for at in range(0, len(batch), bound):
            chunk = batch[at : at + bound]
            assert chunk.calldata() == "0x" + aggregate3.encode(calls[at : at + bound]).hex()


POOL_ABI = ContractAbi.load("IPool")
ACCOUNT_DATA = [Call(target, POOL_ABI.encode("getUserAccountData", target)) for target in TARGETS]
NAMES_OF = {call: "balanceOf" for call in POOL} | {c: "getUserAccountData" for c in ACCOUNT_DATA}


def _reply(call: Call, outcome: int) -> tuple[bool, bytes]:
    """A result: a revert, data of the wrong size, or values."""
    if outcome % 3 == 0:
        return False, b"\x08\xc3\x79\xa0"
    if outcome % 3 == 1:
        return True, b"\x01" * 31
    if NAMES_OF[call] == "balanceOf":
        return True, abi_encode(["uint256"], [outcome])
    return True, abi_encode(["uint256"] * 6, [outcome + n for n in range(6)])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(POOL + ACCOUNT_DATA), st.integers(0, 2**80)), max_size=20)
)
def test_batch_decoding_gives_the_values_of_decoding_each_result(
    rows: list[tuple[Call, int]],
) -> None:
    outcomes = dict(rows)
    calls = list(outcomes)
    replies = [_reply(call, outcomes[call]) for call in calls]
    plain = [CallResult(ok, data) for ok, data in replies]
    # as a node's aggregate3 reply (flags and lengths as arrays), and as plain results
    from_node = aggregate3.decode(abi_encode(["(bool,bytes)[]"], [replies]))
    for results in (from_node, plain):
        decoded = Batch(calls).decode(results)
        assert decoded == plain  # the same flags and bytes
        for call, mine, (ok, data) in zip(calls, decoded, replies, strict=True):
            name = NAMES_OF[call]
            abi = ERC20 if name == "balanceOf" else POOL_ABI
            rows_of = name == "getUserAccountData" and ok and len(data) == 6 * 32
            assert isinstance(mine.data, ReturnData) is rows_of
            if ok and len(data) >= 32 * (6 if rows_of else 1):
                assert abi.decode(name, mine.data) == abi.decode(name, data)
