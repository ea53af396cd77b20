"""The order book's depth behind the simulators' touch: levels, size, and what an order takes.

There are no other participants, so depth is a model: ``levels`` price levels a side,
``spacing`` apart (a fraction of the touch price), each holding ``level_usd`` of notional,
scaled by the scenario's ``liquidity`` factor and thinned when volatility spikes (by
(calm vol / vol)^2 once implied vol rises above where it started: market makers widen and
shrink in a crash). What an order takes stays taken until the next market step, when the
book refills; so a second order in the same step meets what the first one left.

An immediate-or-cancel order that meets less depth than it asks for fills partially and
the rest is cancelled; each venue reports that in its own way (``sim/venues/deribit`` and
``sim/venues/hyperliquid``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Level:
    price: float
    size_usd: float


@dataclass(slots=True)
class DepthModel:
    """Depth of every book of one venue (books named by the venue's instrument name)."""

    level_usd: float
    levels: int = 10
    spacing: float = 0.0005
    liquidity: float = 1.0
    calm_vol: dict[str, float] = field(default_factory=dict)
    taken_usd: dict[tuple[str, bool], float] = field(default_factory=dict)

    def per_level_usd(self, coin: str, vol: float) -> float:
        calm = self.calm_vol.setdefault(coin, vol)
        thinning = min(1.0, (calm / vol) ** 2) if vol > 0 else 1.0
        return self.level_usd * self.liquidity * thinning

    def side(
        self,
        book: str,
        coin: str,
        vol: float,
        touch: float,
        *,
        asks: bool,
        round_price: Callable[[float, bool], float],
    ) -> list[Level]:
        """The levels left on one side (asks when ``asks``), best first.

        ``round_price(price, up)`` puts a level on the venue's tick.
        """
        per_level = self.per_level_usd(coin, vol)
        taken = self.taken_usd.get((book, asks), 0.0)
        found = []
        for index in range(self.levels):
            offset = index * self.spacing
            price = round_price(touch * (1 + offset if asks else 1 - offset), asks)
            if price <= 0:
                break
            left = per_level - min(taken, per_level)
            taken = max(taken - per_level, 0.0)
            if left > 0:
                found.append(Level(price, left))
        return found

    def take(self, book: str, *, asks: bool, usd: float) -> None:
        """Remove ``usd`` of notional from one side until the next market step."""
        self.taken_usd[(book, asks)] = self.taken_usd.get((book, asks), 0.0) + usd

    def refill(self) -> None:
        """A new market step: the book is whole again."""
        self.taken_usd.clear()


def walk(
    levels: list[Level],
    wanted: float,
    limit: float | None,
    *,
    buy: bool,
    amount_of: Callable[[Level], float],
) -> list[tuple[float, float]]:
    """(price, amount) fills taking ``levels`` up to ``limit`` (None: any price), at most
    ``wanted`` in the venue's amount unit; ``amount_of`` is a level's size in that unit,
    already on the venue's size step."""
    fills = []
    remaining = wanted
    for level in levels:
        if remaining <= 1e-12:
            break
        if limit is not None and (level.price > limit if buy else level.price < limit):
            break
        amount = min(amount_of(level), remaining)
        if amount > 0:
            fills.append((level.price, amount))
            remaining -= amount
    return fills
