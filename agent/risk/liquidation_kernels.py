"""The health of single accounts at single moves of one underlying, for the liquidation
search (``agent.risk.liquidation``).

The search asks many (account, shock) questions: along a grid, then one per account at
each refinement step. Revaluing the whole book for each shock, as a stress grid does,
prices every position of every account at every account's point; here a query prices
only its own account's positions, and those on other underlyings (which do not move)
are valued once. Every figure is the float ``scenarios.health_under`` gives for the
same move: the same pricing functions on the same inputs, summed in the same order
(the account's positions by book index, as ``account_states_kernel`` does).
"""

from __future__ import annotations

import math

import numpy as np

from agent.risk.book import (
    FEES,
    KIND,
    SPOT,
    THRESHOLD,
    IntArray,
)
from agent.risk.book import UNDERLYING as UNDERLYING_CODE
from agent.risk.jit import inline_kernel, kernel
from agent.risk.scenario_kernels import (
    OPTION_SETUP_SIZE,
    OptionSetup,
    black_value,
    intrinsic_value,
    linear_values,
    option_setup,
    option_values,
)
from agent.risk.validation import FloatArray
from agent.risk.valuation import maintenance_terms, plain_terms

_OPTION, _SPOT, _SUPPLY, _DEBT = 0, 3, 4, 5

# (terms, codes, market, valuation seconds, lending account count, margin cash)
BookTerms = tuple[FloatArray, IntArray, FloatArray, float, int, FloatArray]
# (members, starts, underlying, steady, setups, columns, margins): accounts are numbered
# lending first, then margin, ``members[starts[a]:starts[a+1]]`` are account a's positions
# in book order, and the last four what no move changes (``fixed_terms_kernel``)
SearchTerms = tuple[IntArray, IntArray, int, FloatArray, FloatArray, IntArray, FloatArray]


@kernel
def fixed_terms_kernel(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    members: IntArray,
    starts: IntArray,
    accounts: IntArray,
    underlying: int,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """What no move of ``underlying`` changes, per position of ``accounts`` (by book
    index; other rows are left unset): (steady, setups, columns, margins). ``steady``:
    the values at the current market of those not on ``underlying``; ``setups``: one
    column of ``option_setup`` per option on it, each account's together in book order,
    ``columns`` the option's column; ``margins``: the ``maintenance_terms`` of each one
    not in a loan (whose rows are supply and debt only).
    Computed once per search, not once per query: the same floats, as the same functions
    of the same inputs."""
    ones = np.ones(1)
    zero = np.zeros(1)
    out = np.empty(1)
    steady = np.empty(terms.shape[0])
    setups = np.empty((OPTION_SETUP_SIZE, terms.shape[0]))
    columns = np.empty(terms.shape[0], dtype=np.int64)
    margins = np.empty((terms.shape[0], 3))
    column = 0
    for account in accounts:
        for index in members[starts[account] : starts[account + 1]]:
            kind = codes[index, KIND]
            if kind != _SUPPLY and kind != _DEBT:  # a loan's rows have no maintenance
                margin = maintenance_terms(terms, codes, index, market, now)
                margins[index, 0], margins[index, 1], margins[index, 2] = margin
            if codes[index, UNDERLYING_CODE] == underlying:
                if kind == _OPTION:
                    setup = option_setup(terms, codes, index, market, now)
                    for term in range(OPTION_SETUP_SIZE):
                        setups[term, column] = setup[term]
                    columns[index] = column
                    column += 1
            elif kind == _OPTION:
                option_values(option_setup(terms, codes, index, market, now), zero, ones, ones, out)
                steady[index] = out[0]
            elif kind in (_SPOT, _SUPPLY, _DEBT):
                quantity, spot = plain_terms(terms, codes, index, market)
                steady[index] = quantity * (spot * 1.0)  # linear_values' at a multiplier of 1
            else:
                linear_values(terms, codes, index, market, now, ones, out)
                steady[index] = out[0]
    return steady, setups, columns, margins


@inline_kernel
def setup_at(setups: FloatArray, column: int) -> OptionSetup:
    """The ``option_setup`` in column ``column`` of a search's setups."""
    return (
        setups[0, column], setups[1, column], setups[2, column], setups[3, column],
        setups[4, column], setups[5, column], setups[6, column], setups[7, column],
        setups[8, column], setups[9, column],
    )  # fmt: skip


@kernel
def health_of(
    book: BookTerms,
    search: SearchTerms,
    account: int,
    multipliers: FloatArray,
    log_multipliers: FloatArray,
    health: FloatArray,
    scratch: FloatArray,
) -> None:
    """Health of ``account`` at each spot multiplier of the search's underlying.

    A kernel called, not inlined (nor are ``refine_bracket`` and the walk's
    ``_first_failure``): inlined at every call site, option pricing and all, a cold
    start's warm-up compiled for 122 s instead of 34 s (before this search: 21 s).

    ``scratch`` is (4, at least the moves) of working space the caller allocates once:
    an allocation per query cost more than the query on a small account."""
    if account < book[4]:
        _lending_health(book, search, account, multipliers, health)
    else:
        _margin_health(book, search, account, multipliers, log_multipliers, health, scratch)


@inline_kernel
def _lending_health(
    book: BookTerms, search: SearchTerms, account: int, multipliers: FloatArray, health: FloatArray
) -> None:
    """``health_of`` a lending account: weighted collateral over debt, as
    ``account_states_kernel`` sums them (positions in book order), one move at a time.

    Its rows are supply and debt only, each worth ``quantity * (spot * multiplier)``
    (``linear_values``); a move at a time with no working arrays, this costs a tenth of
    the margin accounts' array-at-a-time loop, whose reference counting dominated a
    loan of four rows."""
    terms, codes, market = book[0], book[1], book[2]
    members, starts, underlying, steady = search[0], search[1], search[2], search[3]
    for move in range(multipliers.shape[0]):
        multiplier = multipliers[move]
        assets = 0.0
        requirement = 0.0
        for slot in range(starts[account], starts[account + 1]):
            index = members[slot]
            if codes[index, UNDERLYING_CODE] == underlying:
                quantity, spot = plain_terms(terms, codes, index, market)
                value = quantity * (spot * multiplier)
            else:
                value = steady[index]
            if codes[index, KIND] == _SUPPLY:
                assets += value * terms[index, THRESHOLD]
            else:
                requirement -= value
        health[move] = health_ratio(assets, requirement)


@inline_kernel
def health_ratio(assets: float, requirement: float) -> float:
    """Health from assets and requirement; inf when nothing is required but assets are
    held, 0 when neither."""
    if requirement > 0.0:
        return assets / requirement
    return math.inf if assets > 0.0 else 0.0


@inline_kernel
def _margin_health(
    book: BookTerms,
    search: SearchTerms,
    account: int,
    multipliers: FloatArray,
    log_multipliers: FloatArray,
    health: FloatArray,
    scratch: FloatArray,
) -> None:
    """``health_of`` a margin account: equity over maintenance, a position at a time."""
    terms, codes, market, _, lending_count, margin_cash = book
    members, starts, underlying, steady, setups, columns, margins = search
    moves = multipliers.shape[0]
    ones, values = scratch[0, :moves], scratch[1, :moves]
    assets, requirement = scratch[2, :moves], scratch[3, :moves]
    ones[:] = 1.0
    assets[:] = margin_cash[account - lending_count]
    requirement[:] = 0.0
    options, first = moving_options(book, search, account, multipliers, log_multipliers)
    for slot in range(starts[account], starts[account + 1]):
        index = members[slot]
        moving = codes[index, UNDERLYING_CODE] == underlying
        if not moving:
            values[:] = steady[index]
        elif codes[index, KIND] != _OPTION:
            linear_values(terms, codes, index, market, book[3], multipliers, values)
        elif options.shape[0]:
            for move in range(moves):
                values[move] = options[move, columns[index] - first]
        else:
            setup = setup_at(setups, columns[index])
            option_values(setup, log_multipliers, multipliers, ones, values)
        fees = terms[index, FEES]
        spot = market[codes[index, UNDERLYING_CODE], SPOT]
        fixed, per_spot, basis = margins[index, 0], margins[index, 1], margins[index, 2]
        for move in range(moves):
            assets[move] += values[move] - fees
            moved = spot * (multipliers[move] if moving else 1.0)
            requirement[move] += fixed + per_spot * moved * basis
    for move in range(moves):
        health[move] = health_ratio(assets[move], requirement[move])


# Below this many moves, an account's options are priced a move at a time, all options
# at once (the loop over them vectorised): a refinement probe prices one move, where an
# option at a time paid the loop's set-up for every option.
_BY_MOVE_BELOW = 16


@inline_kernel
def moving_options(
    book: BookTerms,
    search: SearchTerms,
    account: int,
    multipliers: FloatArray,
    log_multipliers: FloatArray,
) -> tuple[FloatArray, int]:
    """(moves, options): the values of ``account``'s options on the moving underlying
    (in book order) at each move, when there are few moves, else empty (priced an
    option at a time); and the first one's column in the search's setups. Each value is
    ``option_values``'s: the body of its loop over scenarios."""
    codes = book[1]
    members, starts, underlying, setups, columns = (
        search[0], search[1], search[2], search[4], search[5],
    )  # fmt: skip
    moves = multipliers.shape[0]
    first, count = -1, 0
    for slot in range(starts[account], starts[account + 1]):
        index = members[slot]
        if codes[index, UNDERLYING_CODE] == underlying and codes[index, KIND] == _OPTION:
            first = columns[index] if first < 0 else first
            count += 1
    if moves >= _BY_MOVE_BELOW or count == 0:
        return np.empty((0, 0)), first
    values = np.empty((moves, count))
    for move in range(moves):
        log_multiplier, multiplier = log_multipliers[move], multipliers[move]
        for option in range(count):
            setup = setup_at(setups, first + option)
            intrinsic = intrinsic_value(setup, multiplier)
            black = black_value(setup, log_multiplier, multiplier, 1.0)
            values[move, option] = intrinsic if setup[4] == 1.0 else black
    return values, first


@kernel
def refine_bracket(
    book: BookTerms,
    search: SearchTerms,
    account: int,
    bracket: FloatArray,
    tolerance: float,
    max_steps: int,
    probe: FloatArray,
    scratch: FloatArray,
) -> float:
    """The failing end of one bracket (safe, failing, health - 1 at each) shrunk to
    ``tolerance`` (relative) by Illinois false position, every third step a bisection.
    ``probe`` is (3, 1) of working space (the probe's multiplier, its log, its health),
    ``scratch`` ``health_of``'s."""
    safe, failing, f_safe, f_fail = bracket[0], bracket[1], bracket[2], bracket[3]
    multiplier, log_multiplier, margin = probe[0], probe[1], probe[2]
    last = 0  # 1: the safe end moved last, -1: the failing end
    for step in range(max_steps):
        if abs(failing - safe) <= tolerance * max(abs(failing), 1e-3):
            break
        middle = 0.5 * (safe + failing)
        secant = failing - f_fail * (failing - safe) / (f_fail - f_safe)
        inside = (
            math.isfinite(secant) and min(safe, failing) < secant and secant < max(safe, failing)
        )
        point = middle if step % 3 == 2 or not inside else secant
        multiplier[0] = 1.0 + point
        log_multiplier[0] = math.log(multiplier[0])
        health_of(book, search, account, multiplier, log_multiplier, margin, scratch)
        excess = margin[0] - 1.0
        fails, keeps = excess < 0.0, excess >= 0.0
        # Illinois: an end retained twice in a row has its margin halved.
        if fails and last == -1:
            f_safe = 0.5 * f_safe
        if keeps and last == 1:
            f_fail = 0.5 * f_fail
        if fails:
            failing, f_fail, last = point, excess, -1
        if keeps:
            safe, f_safe, last = point, excess, 1
    found: float = failing
    return found


@kernel
def refine_kernel(
    book: BookTerms,
    search: SearchTerms,
    brackets: FloatArray,
    accounts: IntArray,
    tolerance: float,
    max_steps: int,
) -> FloatArray:
    """The failing end of each bracket (rows: safe, failing, health - 1 at each) shrunk
    to ``tolerance`` (relative) by Illinois false position, every third step a bisection.

    Each bracket on its own, with the arithmetic of the vectorised loop it replaces
    (``liquidation._refine``), so the same floats.
    """
    failing_ends = np.empty(accounts.shape[0])
    probe = np.empty((3, 1))
    scratch = np.empty((4, 1))
    for bracket in range(accounts.shape[0]):
        failing_ends[bracket] = refine_bracket(
            book, search, accounts[bracket], brackets[:, bracket], tolerance, max_steps,
            probe, scratch,
        )  # fmt: skip
    return failing_ends
