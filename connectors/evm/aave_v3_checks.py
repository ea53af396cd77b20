"""Which accounts of an Aave market are read in full this tick, and the cross-check of
the figures computed locally against the Pool's own.

An account is read in full when it has no kept state (first read, stable debt, anything
``aave_v3_local`` cannot replicate), when the tick's logs name it, when the chain's news
says every account must be (first read, gap, reorganisation, failed reply:
``chain_news``), when its market is suspect, or when the rotation picks it: every tick a
few accounts (``per_tick``) are read in full although nothing named them, and what the
kept state computes for them is compared with the chain's answer. Any difference is an
error naming the account and the field, counts in ``ballast_aave_local_mismatches``, and
makes the whole market suspect: the accounts computed this tick are read again in full at
the same block before the tick's snapshots leave the session (``ChainSession``), and
every account is read in full until a tick whose cross-checks are all clean. Every full
read is also checked against the state it leaves (computed at the same block, it must
give the same figures).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import structlog
from prometheus_client import Counter

from agent.ports import CallResult
from connectors.evm.aave_v3_local import EModeRisk, LocalMarket, ReserveFigures
from connectors.evm.aave_v3_reserves import EModeCategory, MarketView

log = structlog.get_logger(__name__)

MISMATCHES = Counter(
    "ballast_aave_local_mismatches",
    "Aave account figures computed locally that differed from the Pool's (per field)",
    ["venue"],
)
CHECKS_PER_TICK = 2


# A market's results parsed once a tick: e-mode categories (the reserves' view and the
# local arithmetic's), each asset's market results, and each asset's figures.
MarketRead = tuple[
    dict[int, EModeCategory],
    dict[int, EModeRisk],
    list[Sequence[CallResult]],
    list[ReserveFigures],
]


class MarketChecks:
    """Shared by every account connector of one market (``AaveV3Connector.for_account``)."""

    def __init__(self, per_tick: int = CHECKS_PER_TICK) -> None:
        if per_tick < 0:
            raise ValueError(f"cross-checks per tick must be >= 0, not {per_tick}")
        self.per_tick = per_tick
        self.accounts: dict[str, int] = {}  # connector names -> the order they joined in
        self.suspect = False
        self.mismatches = 0
        self.clean_checks = 0
        self._tick: int | None = None
        self._tick_clean = 0
        self._tick_bad = 0
        self._calls: dict[Hashable, tuple[Any, ...]] = {}
        self._parsed: tuple[tuple[CallResult, ...], MarketRead] | None = None
        self._views: dict[Hashable, MarketView] = {}  # of the parsed results
        self._local: LocalMarket | None = None  # of the parsed results' figures

    def parsed(
        self, results: Sequence[CallResult], parse: Callable[[Sequence[CallResult]], MarketRead]
    ) -> MarketRead:
        """``parse(results)``, once for every account of the market given the very same
        result objects (the batch's, for the market's shared calls) in a row."""
        last = self._parsed
        if last is not None:
            if last[0] is results:  # the accounts of one plan share one tuple (BatchedReader)
                return last[1]
            if len(last[0]) == len(results) and all(
                mine is theirs for mine, theirs in zip(last[0], results, strict=True)
            ):
                self._parsed = (tuple(results), last[1])  # the next account: the first test
                return last[1]
        found = parse(results)
        self._parsed = (tuple(results), found)
        self._views.clear()
        self._local = None
        return found

    def local(self, reserves: Sequence[ReserveFigures]) -> LocalMarket:
        """``reserves`` (the figures of the results last parsed: that very list, which
        nothing changes) as ``aave_v3_local`` computes accounts from them, prepared once
        for every account of the market."""
        found = self._local
        if found is None or found.reserves is not reserves:
            found = self._local = LocalMarket(reserves)
        return found

    def view(self, key: Hashable, make: Callable[[], MarketView]) -> MarketView:
        """The reserves' view ``key`` (an account's e-mode, the assets' categories) of the
        results last parsed, made once for the accounts that share it."""
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = make()
        return found

    def shared_calls(self, key: Hashable, make: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
        """The market's calls for ``key`` (what they depend on): one tuple for every
        account, so the batch merges them once (``connectors.evm.batch``)."""
        found = self._calls.get(key)
        if found is None:
            found = self._calls[key] = make()
        return found

    def join(self, name: str) -> None:
        self.accounts.setdefault(name, len(self.accounts))

    def begin(self, tick: int) -> None:
        """Note a new tick (once per tick, whichever account sees it first): a suspect
        market whose last tick's cross-checks were all clean is trusted again."""
        if tick == self._tick:
            return
        if self.suspect and self._tick_clean and not self._tick_bad:
            self.suspect = False
            log.info("aave_local_figures_trusted_again", clean_checks=self._tick_clean)
        self._tick, self._tick_clean, self._tick_bad = tick, 0, 0

    def picks(self, name: str, tick: int) -> bool:
        """Whether the rotation reads ``name`` in full this tick."""
        count = len(self.accounts)
        place = self.accounts.get(name)
        if not self.per_tick or place is None:
            return False
        if self.per_tick >= count:
            return True
        return (place - tick * self.per_tick) % count < self.per_tick

    def compared(
        self,
        venue: str,
        account: str,
        found: Sequence[tuple[str, object, object]],
        *,
        what: str,
    ) -> bool:
        """Record one comparison of local figures with the chain's (``found``: the fields
        that differ); True when clean."""
        if not found:
            self.clean_checks += 1
            self._tick_clean += 1
            return True
        self._tick_bad += 1
        self.suspect = True
        for field, local, chain in found:
            self.mismatches += 1
            MISMATCHES.labels(venue=venue).inc()
            log.error(
                "aave_local_figure_mismatch",
                venue=venue,
                account=account,
                field=field,
                local=str(local),
                chain=str(chain),
                check=what,
            )
        return False
