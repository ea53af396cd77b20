"""Measuring the book's risk once per tick: Greeks, liquidation distance, stress.

Pure: the risk engine's kernels over the book built from the snapshots. The result is
what the policy, the status report and the metrics read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from operator import attrgetter

from agent.model import Greeks
from agent.policy.inputs import UnderlyingRisk
from agent.risk.book import Account, Book, BookArrays, IntArray
from agent.risk.book_structure import Recent
from agent.risk.health import AccountHealth, account_health
from agent.risk.liquidation import LiquidationDistance, liquidation_distance
from agent.risk.portfolio import BookGreeks, greeks_with_rows
from agent.risk.stress import StressGrid, StressResult, stress_and_worst
from agent.risk.validation import FloatArray
from agent.risk.valuation import DELTA, GAMMA, RHO, THETA, VEGA
from agent.risk.venue_failure import VenueFailure, venue_failures
from agent.slots import draft_class


@dataclass(frozen=True)
class Assessment:  # not slotted: ``accounts`` is a cached property
    """The book's risk at one instant.

    ``net`` per underlying in the units of DESIGN.md; ``positions`` by risk position id;
    ``book_value_usd`` is what the positions are worth plus margin accounts' cash;
    ``worst_stress_loss_usd`` is positive for a loss (None if the grid was skipped).
    """

    book: Book
    net: dict[str, Greeks]
    positions: Mapping[str, Greeks]  # by risk position id (``PositionGreeks``)
    underlyings: tuple[UnderlyingRisk, ...]
    liquidation: dict[str, LiquidationDistance]
    book_value_usd: float
    worst_stress_loss_usd: float | None
    stress: StressResult | None = None

    @functools.cached_property
    def accounts(self) -> tuple[AccountHealth, ...]:
        """Every account's health with its liquidation prices (computed on first use:
        it revalues the book many times, and the tick itself does not need it)."""
        return account_health(self.book) if self.book.positions else ()

    @functools.cached_property
    def venue_failures(self) -> tuple[VenueFailure, ...]:
        """Each venue's failure row, the largest loss first (computed on first use)."""
        return venue_failures(self.book)


def _nets(greeks: BookGreeks) -> dict[str, Greeks]:
    """Per underlying, its net Greeks: ``BookGreeks.net_for``'s floats (+ 0.0 turns -0.0
    into 0.0 there too), read from the table in one ``tolist``, not a dict each."""
    spots = greeks.spot.tolist()
    return {
        underlying: Greeks(
            delta=row[DELTA] + 0.0,
            delta_usd=row[DELTA] * spot + 0.0,
            gamma=row[GAMMA] + 0.0,
            vega=row[VEGA] + 0.0,
            theta=row[THETA] + 0.0,
            rho=row[RHO] + 0.0,
        )
        for underlying, row, spot in zip(
            greeks.underlyings, greeks.net.tolist(), spots, strict=True
        )
    }


_GreeksDraft = draft_class(Greeks)  # filled by attribute, then a Greeks (agent.slots)
_new = object.__new__
_NAME = attrgetter("name")


class PositionGreeks(Mapping[str, Greeks]):
    """Per position id, the Greeks of ``portfolio.position_greeks`` (the same floats: +
    0.0 turns -0.0 into 0.0 there too), each built when first asked for: the tick asks
    for its options' only (to compare with the venue's), not for every loan's.

    The options' ids are indexed at once; every id only when another is asked for or
    the mapping is walked (a thousand ids cost more than the rest of the Greeks)."""

    __slots__ = ("_built", "_options", "_positions", "_rows", "_table")

    def __init__(self, book: Book, rows: FloatArray, options: IntArray) -> None:
        """``rows`` and ``options``: ``valuation.position_rows_kernel``'s."""
        self._table = rows  # Greeks' fields, in their order
        self._positions = positions = book.positions
        self._options = {positions[row].id: row for row in options.tolist()}
        self._rows: dict[str, int] | None = None
        self._built: dict[str, Greeks] = {}

    def __getitem__(self, identifier: str) -> Greeks:
        found = self._built.get(identifier)
        if found is None:
            row = self._options.get(identifier)
            if row is None:
                row = self._every_row()[identifier]
            delta, delta_usd, gamma, vega, theta, rho = self._table[row].tolist()
            draft = _new(_GreeksDraft)  # Greeks(...) checks nothing: a quarter of its cost
            draft.delta, draft.delta_usd, draft.gamma = delta, delta_usd, gamma
            draft.vega, draft.theta, draft.rho = vega, theta, rho
            draft.__class__ = Greeks
            found = self._built[identifier] = draft
        return found

    def _every_row(self) -> dict[str, int]:
        if self._rows is None:
            self._rows = {position.id: row for row, position in enumerate(self._positions)}
        return self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._every_row())

    def __len__(self) -> int:
        return len(self._positions)

    def __repr__(self) -> str:
        return f"PositionGreeks({len(self)} positions)"


# The last few books' accounts (the lending ones, the margin ones' names), their names
# and whether those are all different.
_RECENT_NAMES: Recent[tuple[tuple[Account, ...], tuple[str, ...]], tuple[tuple[str, ...], bool]]
_RECENT_NAMES = Recent(4)


def _account_names(arrays: BookArrays) -> tuple[tuple[str, ...], bool]:
    """The accounts' names, lending first, then margin, and whether they are all
    different. A book's lending accounts are laid once per set of records and handed
    back while its positions stay the same (``agent.risk.book``'s ``Checked``): the same
    tuple, found again by a pointer compare; its margin accounts are laid every tick,
    compared by name. The same accounts are not walked again (226 Aave accounts, each a
    first touch on cold caches). Keyed on the accounts, never on amounts."""
    lending = arrays.lending_accounts
    margin = tuple(map(_NAME, arrays.margin_accounts))
    found = _RECENT_NAMES.get((lending, margin))
    if found is None:
        names = tuple(map(_NAME, lending)) + margin
        found = (names, len(set(names)) == len(names))
        _RECENT_NAMES.put((lending, margin), found)
    return found


def assess(book: Book, *, stress: StressGrid | None = None, run_stress: bool = True) -> Assessment:
    greeks, rows, options = greeks_with_rows(book)
    net = _nets(greeks)
    per_position = PositionGreeks(book, rows, options)
    names, unique = _account_names(book.arrays)
    distances = liquidation_distance(book, unique)
    risks = []
    for underlying, distance in sorted(distances.items()):
        spot = float(book.market[underlying].spot)
        implied = book.market[underlying].vol
        risks.append(
            UnderlyingRisk(
                underlying=underlying,
                spot_usd=spot,
                delta_coin=net[underlying].delta,
                gamma=net[underlying].gamma,
                vega_usd=net[underlying].vega,
                liquidation_distance_down=-distance.down.shock if distance.down else None,
                liquidation_distance_up=distance.up.shock if distance.up else None,
                vol=implied if implied is not None and implied > 0 else None,
            )
        )
    worst = None
    result = None
    if run_stress and book.positions:
        result, worst_pnl = stress_and_worst(book, stress, names)
        worst = max(-worst_pnl, 0.0)
    cash = sum(account.cash_usd for account in book.margin_accounts.values())
    value = (float(greeks.positions[:, 0].sum()) if book.positions else 0.0) + cash
    return Assessment(
        book=book,
        net=net,
        positions=per_position,
        underlyings=tuple(risks),
        liquidation=distances,
        book_value_usd=value,
        worst_stress_loss_usd=worst,
        stress=result,
    )
