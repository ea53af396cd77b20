"""A proof that a margin account is healthy at every move of a stretch of the grid, from
its positions priced at the stretch's two ends alone (``liquidation_walk``'s shortcut).

Every position a margin account can hold is worth a monotonic function of the moving
underlying's price: an option (Black-Scholes or Black-76 at a fixed vol, or its
intrinsic value once expired), a perpetual or future (affine in the price), spot. So
between two moves, each position is worth at least the lesser of its values at the two
ends, and its maintenance margin (``fixed + per_spot * price * basis``, affine) at most
the greater. If those bounds, summed, leave the account healthy by a margin far above
the rounding of the floats, every move between is healthy in the walk's own floats too:
the walk's answer (the first failing move) is the same whether it prices those moves
or skips them. When the bounds prove nothing the walk prices the moves as before.

The margin: ``_RELATIVE`` of the sum of the magnitudes the figures are made of (cash,
fees, each value at both ends, each requirement, and the terms whose difference a value
is: an option's forward and strike legs, a contract's price and entry terms). Pricing
and summing in doubles errs by some 1e-16 of those magnitudes per operation; the margin
is seven orders above that.
"""

from __future__ import annotations

from agent.risk.book import FEES, KIND, SPOT
from agent.risk.book import UNDERLYING as UNDERLYING_CODE
from agent.risk.jit import inline_kernel, kernel
from agent.risk.liquidation_kernels import BookTerms, SearchTerms, moving_options
from agent.risk.validation import FloatArray
from agent.risk.valuation import linear_position_row

_OPTION = 0
_RELATIVE = 1e-9


@kernel
def safe_between(book: BookTerms, search: SearchTerms, account: int, moves: FloatArray) -> bool:
    """Whether margin account ``account`` is healthy (>= 1) at every multiplier of the
    search's underlying between ``moves[0, 0]`` and ``moves[0, 1]`` (their logs in
    ``moves[1]``), as ``health_of`` computes health; False when the bounds do not show
    it (not a proof of failure)."""
    terms, codes, market, lending_count, margin_cash = book[0], book[1], book[2], book[4], book[5]
    members, starts, underlying = search[0], search[1], search[2]
    options, first = moving_options(book, search, account, moves[0], moves[1])
    cash = margin_cash[account - lending_count]
    assets, requirement, scale = cash, 0.0, abs(cash)
    for slot in range(starts[account], starts[account + 1]):
        index = members[slot]
        moving = codes[index, UNDERLYING_CODE] == underlying
        if not moving:
            lowest = search[3][index]
            size = abs(lowest)
        elif codes[index, KIND] == _OPTION:
            lowest, size = _option_bounds(search, index, options, first, moves)
        else:
            lowest, size = _contract_bounds(book, index, moves)
        fees = terms[index, FEES]
        highest, required = _requirement_bounds(
            search, index, moving, market[codes[index, UNDERLYING_CODE], SPOT], moves
        )
        assets += lowest - fees
        requirement += highest
        scale += size + abs(fees) + required
    tolerance: float = _RELATIVE * scale
    floor: float = assets - tolerance
    return floor > 0.0 and floor >= requirement + tolerance


@inline_kernel
def _option_bounds(
    search: SearchTerms, index: int, options: FloatArray, first: int, moves: FloatArray
) -> tuple[float, float]:
    """(the lesser of option ``index``'s values at the two moves, the magnitude of its
    values and of its forward and strike legs) from ``moving_options``' values."""
    setups, column = search[4], search[5][index]
    first_value, second_value = options[0, column - first], options[1, column - first]
    reach = max(moves[0, 0], moves[0, 1])
    legs = abs(setups[0, column]) * (abs(setups[3, column]) * reach + abs(setups[2, column]))
    return min(first_value, second_value), abs(first_value) + abs(second_value) + legs


@inline_kernel
def _contract_bounds(book: BookTerms, index: int, moves: FloatArray) -> tuple[float, float]:
    """(the lesser of position ``index``'s values at the two moves, the magnitude of its
    values and of the terms they are the sum of): it is affine in the price, so its
    value at a multiplier of 0 is its constant term."""
    terms, codes, market, now = book[0], book[1], book[2], book[3]
    first = linear_position_row(terms, codes, index, market, now, moves[0, 0])[0]
    second = linear_position_row(terms, codes, index, market, now, moves[0, 1])[0]
    constant = linear_position_row(terms, codes, index, market, now, 0.0)[0]
    return min(first, second), 2.0 * (abs(first) + abs(second) + abs(constant))


@inline_kernel
def _requirement_bounds(
    search: SearchTerms, index: int, moving: bool, spot: float, moves: FloatArray
) -> tuple[float, float]:
    """(the greater of position ``index``'s maintenance margins at the two moves, the
    magnitude of both): ``health_of``'s ``fixed + per_spot * price * basis``."""
    margins = search[6]
    fixed, per_spot, basis = margins[index, 0], margins[index, 1], margins[index, 2]
    first = fixed + per_spot * (spot * (moves[0, 0] if moving else 1.0)) * basis
    second = fixed + per_spot * (spot * (moves[0, 1] if moving else 1.0)) * basis
    return max(first, second), abs(first) + abs(second) + abs(fixed)
