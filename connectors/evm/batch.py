"""A chain's connectors' plans merged into one batch, kept from tick to tick.

Every tick each connector lists its calls (``plan``); most lists are the same as the
tick before (an Aave account's calls change only with its market's configuration), a
few change every tick (a quote sized at the last mid, a volatility at the last spot).
``Merger`` keeps the merged batch of the connectors whose plans have not changed since
it was built (the base: each distinct call once, in first-seen order, its ``aggregate3``
element encoded once) and adds the changing connectors' calls behind it each tick. The
base is rebuilt whenever a connector joins or leaves, or a plan in it changes (compared
by identity, then by value: never assumed), so a read is always exactly the calls the
connectors ask for now.

A ``Batch`` is those calls as a ``Sequence[Call]`` that also knows their encoded
elements and remembers the calldata of each chunk it was sent in (a chunk entirely in
the base is encoded once for every tick).

Results are decoded by each connector, one call at a time (``static_abi``): decoding
whole return layouts in bulk through numpy (issue 18) did not pay once an Aave market's
accounts were computed rather than read (about 180 sub-calls a tick, most of them
decoded once per distinct reply by the connectors' caches: 0.9x on the tick bench).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any, overload

from agent.ports import Call
from connectors.evm import aggregate3


class Batch(Sequence[Call]):
    """Unique calls of one read, in order; a slice is a Batch sharing the encodings.

    Elements are encoded when first sent (a reader that is not Multicall3's never
    encodes them), once per call for the life of the batch and of those it extends.
    """

    __slots__ = ("_base", "_cache", "_calls", "_elements", "_stable", "_start")

    def __init__(
        self,
        calls: Sequence[Call],
        *,
        base: Batch | None = None,
        cache: dict[tuple[int, int], str] | None = None,
    ) -> None:
        self._calls = list(calls)
        self._base = base  # the batch whose calls are the first of these
        self._elements: list[bytes] | None = None
        # calldata of chunks [start, stop) inside the base is shared with it
        self._stable = len(base) if base is not None else len(self._calls)
        self._cache = cache if cache is not None else {}
        self._start = 0

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        return iter(self._calls)

    @overload
    def __getitem__(self, index: int) -> Call: ...

    @overload
    def __getitem__(self, index: slice) -> Batch: ...

    def __getitem__(self, index: int | slice) -> Call | Batch:
        if isinstance(index, int):
            return self._calls[index]
        start, stop, step = index.indices(len(self._calls))
        if step != 1:
            raise ValueError("a batch is sliced in contiguous chunks only")
        part = Batch(self._calls[start:stop], cache=self._cache)
        part._elements = self._encoded()[start:stop]
        part._stable, part._start = self._stable, self._start + start
        return part

    def _encoded(self) -> list[bytes]:
        if self._elements is None:
            known = self._base._encoded() if self._base is not None else []
            self._elements = [
                *known,
                *(aggregate3.element(call) for call in self._calls[len(known) :]),
            ]
        return self._elements

    def extended(self, calls: Sequence[Call]) -> Batch:
        """These calls, then ``calls``, sharing the encodings and chunks of these."""
        if not calls:
            return self
        return Batch([*self._calls, *calls], base=self, cache=self._cache)

    def calldata(self) -> str:
        """``aggregate3`` calldata of these calls, as the hex string eth_call takes."""
        key = (self._start, self._start + len(self._calls))
        cached = self._cache.get(key)
        if cached is None:
            cached = "0x" + aggregate3.encode_elements(self._encoded()).hex()
            if key[1] <= self._stable:
                self._cache[key] = cached
        return cached


def _picker(indices: Sequence[int]) -> Any:
    """A function of the batch's results giving one connector's, in its plan's order."""
    if not indices:
        return lambda results: ()
    if len(indices) == 1:
        (only,) = indices
        return lambda results: (results[only],)
    return itemgetter(*indices)


def _frozen(plan: Sequence[Call]) -> tuple[Call, ...]:
    """A plan as a tuple: one a connector could change in place is copied."""
    return plan if type(plan) is tuple else tuple(plan)


class _Merged:
    """Plans merged: the unique calls, and where each connector's calls are in them."""

    def __init__(self, plans: Mapping[str, tuple[Call, ...]], base: _Merged | None = None):
        self.plans = dict(plans)
        self.index: dict[Call, int] = dict(base.index) if base else {}
        first = len(self.index)
        index = self.index
        # Many connectors can share one plan tuple (an Aave market's accounts computed
        # locally): its places are found once.
        places: dict[int, list[int]] = {}
        self.where = {}
        for name, plan in plans.items():
            where = places.get(id(plan))
            if where is None:
                where = places[id(plan)] = [index.setdefault(call, len(index)) for call in plan]
            self.where[name] = where
        calls = list(islice(index, first, None))
        self.batch: Batch = base.batch.extended(calls) if base else Batch(calls)
        pickers: dict[int, Any] = {}
        self.pickers = {}
        for name, where in self.where.items():
            picker = pickers.get(id(where))
            if picker is None:
                picker = pickers[id(where)] = _picker(where)
            self.pickers[name] = picker


class Merger:
    """Keeps the merged batch of the connectors whose plans do not change (see above)."""

    def __init__(self) -> None:
        self._base: _Merged | None = None
        self._changing: set[str] = set()  # connectors whose plans changed since the base

    def merge(self, plans: Mapping[str, Sequence[Call]]) -> tuple[Batch, dict[str, Any]]:
        """The batch for ``plans`` and, per connector, the picker of its results."""
        frozen = {name: _frozen(plan) for name, plan in plans.items()}
        base = self._base
        if base is None or not self._base_holds(base, frozen):
            self._changing &= set(frozen)
            steady = {n: p for n, p in frozen.items() if n not in self._changing}
            base = self._base = _Merged(steady)
        if not self._changing:
            return base.batch, base.pickers
        extra = _Merged({n: p for n, p in frozen.items() if n in self._changing}, base)
        return extra.batch, {**base.pickers, **extra.pickers}

    def _base_holds(self, base: _Merged, plans: Mapping[str, tuple[Call, ...]]) -> bool:
        """Whether ``base`` is still exactly the calls of its connectors; notes the
        connectors whose plans changed."""
        holds = len(base.plans) + len(self._changing & set(plans)) == len(plans)
        known = base.plans
        for name, plan in plans.items():
            before = known.get(name)
            if before is None:
                if name not in self._changing:
                    holds = False  # a connector joined
            elif plan is not before:
                if plan == before:
                    known[name] = plan  # the same calls: compare by identity next time
                else:
                    self._changing.add(name)
                    holds = False
        return holds
