"""The liquidation search's walk over the grid, for every (underlying, account) at once.

One kernel call answers every question of ``liquidation.account_liquidation_levels``:
per (underlying, account), the first move down and up at which the account fails,
refined. A call per side and underlying, with Python between, cost more in dispatch and
bookkeeping than the pricing of the book's hundreds of small loans.

The floats are those of the batched walk this replaced (``account_health_kernel`` over
chunks that doubled, then ``refine_kernel``): every health here is ``health_of``'s for
the same account at the same move, and ``health_of`` computes each move on its own (per
move, the account's positions summed in book order; nothing is carried across moves and
no fast-math flag lets LLVM reorder a sum), so a move's health does not depend on which
other moves share its call. So a linear account's three grid ends (now, the lowest
move, the highest) are priced in one call, where the two sides each priced two.
"""

from __future__ import annotations

import math

import numpy as np

from agent.risk.book import KIND, LENDING_ACCOUNT, MARGIN_ACCOUNT, THRESHOLD, UNDERLYING, IntArray
from agent.risk.jit import inline_kernel, kernel
from agent.risk.liquidation_bounds import safe_between
from agent.risk.liquidation_kernels import (
    BookTerms,
    SearchTerms,
    fixed_terms_kernel,
    health_of,
    health_ratio,
    refine_bracket,
)
from agent.risk.validation import BoolArray, FloatArray
from agent.risk.valuation import plain_terms

_SPOT, _SUPPLY, _DEBT = 3, 4, 5  # agent.risk.book.KIND_CODES

# (members, starts, linear): see ``levels_kernel``
Layout = tuple[IntArray, IntArray, BoolArray]
# (chunk, safe end, tolerance, maximum refinement steps): see ``levels_kernel``
Walk = tuple[int, float, float, int]


@inline_kernel
def _safe(now: float, end: float, safe_end: float) -> bool:
    """Healthy by ``safe_end`` at both health figures, or unbacked-but-solvent at both."""
    if math.isfinite(now) and math.isfinite(end) and now >= safe_end and end >= safe_end:
        return True
    return now == math.inf and end == math.inf


@inline_kernel
def _moves(shocks: FloatArray) -> FloatArray:
    """(3, moves): the shocks' multipliers, their logs, and room for health at each."""
    moves = np.empty((3, shocks.shape[0]))
    moves[0] = 1.0 + shocks
    moves[1] = np.log(moves[0])
    return moves


@inline_kernel
def _loan_ends(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    layout: tuple[IntArray, IntArray, int, FloatArray],
    account: int,
    ends: FloatArray,
) -> None:
    """``_lending_health`` of loan ``account`` at the three multipliers ``ends[0]`` into
    ``ends[2]``: a row at a time, its terms read once for the three moves, each move's
    sums in book order as there (so the same floats). ``layout``: (members, starts,
    underlying, steady) as in ``SearchTerms``.

    Inlined into the walk's loop over queries with the arrays it already holds: reached
    through the search's tuples, each array taken out of them was reference counted,
    which cost a loan's end check four times its arithmetic."""
    members, starts, underlying, steady = layout
    now, low, high = ends[0, 0], ends[0, 1], ends[0, 2]
    assets_now = assets_low = assets_high = 0.0
    owed_now = owed_low = owed_high = 0.0
    for slot in range(starts[account], starts[account + 1]):
        index = members[slot]
        if codes[index, UNDERLYING] == underlying:
            quantity, spot = plain_terms(terms, codes, index, market)
            at_now, at_low = quantity * (spot * now), quantity * (spot * low)
            at_high = quantity * (spot * high)
        else:
            at_now = at_low = at_high = steady[index]
        if codes[index, KIND] == _SUPPLY:
            threshold = terms[index, THRESHOLD]
            assets_now += at_now * threshold
            assets_low += at_low * threshold
            assets_high += at_high * threshold
        else:
            owed_now -= at_now
            owed_low -= at_low
            owed_high -= at_high
    ends[2, 0] = health_ratio(assets_now, owed_now)
    ends[2, 1] = health_ratio(assets_low, owed_low)
    ends[2, 2] = health_ratio(assets_high, owed_high)


@kernel
def _first_failure(
    book: BookTerms,
    search: SearchTerms,
    account: int,
    shocks: FloatArray,
    moves: FloatArray,
    walk: Walk,
    scratch: FloatArray,
) -> float:
    """The move nearest 0 along ``shocks`` (0.0, then one side of the grid outwards) at
    which ``account`` fails, refined: 0.0 if it fails at once, NaN if at none.

    ``moves`` is ``_moves(shocks)``; ``scratch`` is (``SCRATCH_ROWS``, at least the
    shocks): rows 0-3 ``health_of``'s, row 4 the bracket, rows 5-7 the refinement's
    probe, rows 8-9 ``_bounded_failure``'s. A margin account's walk is
    ``_bounded_failure``; a loan's, the shocks walked in chunks that double from the
    walk's first chunk (a loan's few rows price a move in nanoseconds)."""
    if account >= book[4]:
        return _bounded_failure(book, search, account, shocks, moves, walk, scratch)
    chunk = walk[0]
    count = shocks.shape[0]
    previous = math.nan  # health at the last move walked
    start, size = 0, chunk
    while start < count:
        stop = min(start + size, count)
        health = moves[2, : stop - start]
        multipliers, logs = moves[0, start:stop], moves[1, start:stop]
        health_of(book, search, account, multipliers, logs, health, scratch)
        for move in range(stop - start):
            if health[move] < 1.0:
                inside = health[move - 1] if move > 0 else previous
                return _refined(
                    book, search, account, shocks, moves, walk, scratch,
                    start + move, health[move], inside,
                )  # fmt: skip
        previous = health[stop - start - 1]
        start, size = stop, 2 * size
    return math.nan


# A stretch of the walk longer than this is first tried by its bounds (``safe_between``);
# a shorter one, or one they leave in doubt once halved down to this, is priced.
_PRICED_UP_TO = 16
_PENDING = 64  # stretches pending at most: two per halving of a side of the grid
SCRATCH_ROWS = 10


@kernel
def _bounded_failure(
    book: BookTerms,
    search: SearchTerms,
    account: int,
    shocks: FloatArray,
    moves: FloatArray,
    walk: Walk,
    scratch: FloatArray,
) -> float:
    """``_first_failure`` of a margin account: stretches of moves, nearest 0 first,
    skipped where ``safe_between`` proves every move in them healthy, halved where it
    does not, priced move by move once short. The first failing move and the health
    before it are the floats the chunked walk finds (a move's health does not depend
    on which others share its call): so is its refinement."""
    pending = np.empty((_PENDING, 2), dtype=np.int64)
    pending[0, 0], pending[0, 1] = 0, shocks.shape[0]
    count = 1
    ends = scratch[8:10, :2]
    known, previous = -1, math.nan  # a move priced, and its health
    while count:
        count -= 1
        start, stop = pending[count, 0], pending[count, 1]
        if stop - start > _PRICED_UP_TO:
            ends[0, 0], ends[0, 1] = moves[0, start], moves[0, stop - 1]
            ends[1, 0], ends[1, 1] = moves[1, start], moves[1, stop - 1]
            if not safe_between(book, search, account, ends):
                middle = (start + stop) // 2
                pending[count, 0], pending[count, 1] = middle, stop
                pending[count + 1, 0], pending[count + 1, 1] = start, middle
                count += 2
            continue
        health = moves[2, : stop - start]
        health_of(
            book, search, account, moves[0, start:stop], moves[1, start:stop], health, scratch
        )
        for move in range(stop - start):
            if health[move] < 1.0:
                inside = health[move - 1] if move > 0 else math.nan
                if move == 0 and known == start - 1:
                    inside = previous
                return _refined(
                    book, search, account, shocks, moves, walk, scratch,
                    start + move, health[move], inside,
                )  # fmt: skip
        known, previous = stop - 1, health[stop - start - 1]
    return math.nan


@kernel
def _refined(
    book: BookTerms,
    search: SearchTerms,
    account: int,
    shocks: FloatArray,
    moves: FloatArray,
    walk: Walk,
    scratch: FloatArray,
    failing: int,
    health: float,
    inside: float,
) -> float:
    """0.0 if ``account`` fails at the walk's first move; else the bracket between move
    ``failing`` (where its health is ``health``) and the move before (``inside``; NaN:
    not priced yet, priced here) refined (``refine_bracket``)."""
    if failing == 0:
        return 0.0
    if math.isnan(inside):
        before = scratch[5, :1]
        multiplier, log = moves[0, failing - 1 : failing], moves[1, failing - 1 : failing]
        health_of(book, search, account, multiplier, log, before, scratch)
        inside = before[0]
    bracket = scratch[4, :4]
    bracket[0], bracket[1] = shocks[failing - 1], shocks[failing]
    bracket[2], bracket[3] = inside - 1.0, health - 1.0
    probe = scratch[5:8, :1]
    return refine_bracket(book, search, account, bracket, walk[2], walk[3], probe, scratch)


@kernel
def levels_kernel(
    book: BookTerms,
    layout: Layout,
    queries: IntArray,
    down: FloatArray,
    up: FloatArray,
    walk: Walk,
) -> FloatArray:
    """(queries, 2): per query row (underlying, account), sorted by underlying, the
    account's first failing move down and up when that underlying moves (NaN: none).

    ``layout``: accounts are numbered lending first, then margin, and
    ``members[starts[a]:starts[a+1]]`` are account a's positions in book order;
    ``linear[a]`` says its assets and requirement are affine in every price. ``down``
    and ``up`` are 0.0 then each side of the grid, ordered outwards. ``walk``: the moves
    priced by the walk's first call (each next call prices twice as many), the health a
    linear account must reach at both ends of a side to be safe throughout it (it is
    then not walked), the refinement's relative tolerance and its maximum steps
    (``refine_bracket``).
    """
    terms, codes, market, now = book[0], book[1], book[2], book[3]
    members, starts, linear = layout
    down_moves, up_moves = _moves(down), _moves(up)
    ends = np.empty((3, 3))  # multipliers, logs, health at: now, the lowest, the highest
    ends[0, 0], ends[0, 1], ends[0, 2] = 1.0 + 0.0, 1.0 + down[-1], 1.0 + up[-1]
    ends[1] = np.log(ends[0])
    scratch = np.empty((SCRATCH_ROWS, max(down.shape[0], up.shape[0], 4)))
    found = np.empty((queries.shape[0], 2))
    first = 0
    while first < queries.shape[0]:
        underlying = queries[first, 0]
        last = first
        while last < queries.shape[0] and queries[last, 0] == underlying:
            last += 1
        accounts = queries[first:last, 1]
        steady, setups, columns, margins = fixed_terms_kernel(
            terms, codes, market, now, members, starts, accounts, underlying
        )
        search = (members, starts, underlying, steady, setups, columns, margins)
        loans = (members, starts, underlying, steady)
        for query in range(first, last):
            account = queries[query, 1]
            safe_down = safe_up = False
            if linear[account]:
                if account < book[4]:  # inlined, on the arrays at hand: see ``_loan_ends``
                    _loan_ends(terms, codes, market, loans, account, ends)
                else:
                    health_of(book, search, account, ends[0], ends[1], ends[2], scratch)
                safe_down = _safe(ends[2, 0], ends[2, 1], walk[1])
                safe_up = _safe(ends[2, 0], ends[2, 2], walk[1])
            found[query, 0] = (
                math.nan
                if safe_down
                else _first_failure(book, search, account, down, down_moves, walk, scratch)
            )
            found[query, 1] = (
                math.nan
                if safe_up
                else _first_failure(book, search, account, up, up_moves, walk, scratch)
            )
        first = last
    return found


@kernel
def layout_kernel(
    codes: IntArray, lending_count: int, account_count: int, pegged: BoolArray
) -> tuple[IntArray, IntArray, BoolArray, IntArray]:
    """(members, starts, linear, queries) of a book's layout, accounts numbered lending
    first, then margin: ``members[starts[a]:starts[a+1]]`` are account a's positions in
    book order; ``linear[a]`` whether all of them are spot, supply or debt (its assets
    and requirement affine in every price); ``queries`` (pairs, 2) every (underlying,
    account) with the account holding a position on that non-pegged underlying, ordered
    by underlying, then account."""
    positions = codes.shape[0]
    owner = np.full(positions, -1, dtype=np.int64)
    counts = np.zeros(account_count + 1, dtype=np.int64)
    linear = np.ones(account_count, dtype=np.bool_)
    held = np.zeros((pegged.shape[0], account_count), dtype=np.bool_)
    for index in range(positions):
        lending, margin = codes[index, LENDING_ACCOUNT], codes[index, MARGIN_ACCOUNT]
        account = lending if lending >= 0 else (lending_count + margin if margin >= 0 else -1)
        if account < 0:
            continue
        owner[index] = account
        counts[account + 1] += 1
        kind = codes[index, KIND]
        if kind != _SPOT and kind != _SUPPLY and kind != _DEBT:
            linear[account] = False
        underlying = codes[index, UNDERLYING]
        if not pegged[underlying]:
            held[underlying, account] = True
    starts = np.cumsum(counts)
    members = np.empty(starts[account_count], dtype=np.int64)
    filled = starts[:account_count].copy()
    for index in range(positions):
        if owner[index] >= 0:
            members[filled[owner[index]]] = index
            filled[owner[index]] += 1
    pairs = np.nonzero(held)  # row-major: by underlying, then account
    queries = np.empty((pairs[0].shape[0], 2), dtype=np.int64)
    queries[:, 0], queries[:, 1] = pairs[0], pairs[1]
    return members, starts, linear, queries


@kernel
def nearest_kernel(found: FloatArray, queries: IntArray, underlyings: int) -> IntArray:
    """(underlyings, 2): per underlying and side (down, up), the row of ``found`` (the
    walk's shocks, NaN for none; ``queries`` its (underlying, account) rows) whose
    shock is nearest 0, the first of equals; -1 where no shock is finite. What
    ``np.argmin`` of ``abs(found)`` with NaN as inf picks in each underlying's rows."""
    nearest = np.full((underlyings, 2), -1, dtype=np.int64)
    reach = np.full((underlyings, 2), math.inf)
    for row in range(queries.shape[0]):
        underlying = queries[row, 0]
        for side in range(2):
            size = abs(found[row, side])
            if size < reach[underlying, side]:  # NaN and inf never are
                reach[underlying, side] = size
                nearest[underlying, side] = row
    return nearest


@kernel
def nearest_levels_kernel(
    book: BookTerms, pegged: BoolArray, down: FloatArray, up: FloatArray, walk: Walk
) -> tuple[IntArray, FloatArray]:
    """(underlyings, 2) twice: per underlying and side (down, up), the account (lending
    first, then margin) failing nearest 0 (-1: none) and its shock (NaN: none), as
    ``nearest_kernel`` picks them from ``levels_kernel``'s walk of every (underlying,
    account) ``layout_kernel`` lays out; the three in one call (with Python between, each
    paid numba's dispatch on the tick's cold caches)."""
    lending_count = book[4]
    members, starts, linear, queries = layout_kernel(
        book[1], lending_count, lending_count + book[5].shape[0], pegged
    )
    found = levels_kernel(book, (members, starts, linear), queries, down, up, walk)
    nearest = nearest_kernel(found, queries, pegged.shape[0])
    accounts = np.full(nearest.shape, -1, dtype=np.int64)
    shocks = np.full(nearest.shape, math.nan)
    for underlying in range(nearest.shape[0]):
        for side in range(2):
            row = nearest[underlying, side]
            if row >= 0:
                accounts[underlying, side] = queries[row, 1]
                shocks[underlying, side] = found[row, side]
    return accounts, shocks
