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

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.ports import Call
from connectors.evm import aggregate3
from connectors.evm.abi import ContractAbi
from connectors.evm.batch import Merger

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
