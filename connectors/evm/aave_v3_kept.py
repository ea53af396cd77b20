"""One Aave account's kept state across ticks: whether this tick reads it in full or
computes it (``aave_v3_checks`` says when), and the checks of every full read.

A full read replaces the kept state; when the rotation or a suspect market asked for it,
the state it replaces is cross-checked first (what it computes at this block against
what the Pool answered). Every new state is also checked at once against the read it
came from. An account whose figures cannot be computed exactly (``NotReplicable``, stable
debt) keeps no state, and so the full read, tick after tick.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import structlog

from agent.ports import CallResult
from connectors.evm.aave_v3_account import AccountFigures, computed, differences, read_full
from connectors.evm.aave_v3_checks import MarketChecks
from connectors.evm.aave_v3_local import AccountState, EModeRisk, NotReplicable, ReserveFigures
from connectors.evm.chain_news import ChainNews
from connectors.evm.venue import SubCallFailed

log = structlog.get_logger(__name__)


class KeptAccount:
    """The state of ``account`` (connector ``venue``) and this tick's choice."""

    def __init__(self, venue: str, account: str) -> None:
        self.venue = venue
        self.account = account
        self.state: AccountState | None = None  # from the last full read
        self.full = True  # whether this tick reads the account in full
        self.check = False  # whether this tick's full read cross-checks the kept state
        self.local_reads = 0  # ticks whose figures were computed from the kept state
        self.full_reads = 0

    def choose(self, news: ChainNews | None, checks: MarketChecks) -> bool:
        """Whether this tick reads the account in full (see ``aave_v3_checks``)."""
        self.check = False
        if (
            news is None
            or news.everything is not None
            or self.state is None
            or self.account.lower() in news.named
        ):
            self.full = True
        else:
            self.full = self.check = checks.suspect or checks.picks(self.venue, news.tick)
        return self.full

    def from_chain(
        self,
        results: Sequence[CallResult],
        symbols: Sequence[str],
        reserves: Sequence[ReserveFigures],
        risks: Mapping[int, EModeRisk],
        checks: MarketChecks,
    ) -> AccountFigures:
        """The account's full read (its calls' ``results``), after the checks."""
        self.full_reads += 1
        read = read_full(results, symbols)
        if self.check and self.state is not None:
            self._compare(self.state, reserves, risks, read.figures, symbols, checks, "kept")
        self.state = read.state
        if read.state is not None and not self._compare(
            read.state, reserves, risks, read.figures, symbols, checks, "full read"
        ):
            self.state = None
        return read.figures

    def _compare(
        self,
        state: AccountState,
        reserves: Sequence[ReserveFigures],
        risks: Mapping[int, EModeRisk],
        chain: AccountFigures,
        symbols: Sequence[str],
        checks: MarketChecks,
        what: str,
    ) -> bool:
        """Whether ``state`` computes ``chain``'s figures; not replicable: no verdict, and
        the account keeps the full read."""
        try:
            local = computed(state, checks.local(reserves), risks)
        except NotReplicable as reason:
            log.debug("aave_account_read_in_full", venue=self.venue, reason=str(reason))
            self.state = None
            return what == "kept"
        found = differences(local, chain, symbols)
        return checks.compared(self.venue, self.account, found, what=what)

    def computed(
        self,
        reserves: Sequence[ReserveFigures],
        risks: Mapping[int, EModeRisk],
        checks: MarketChecks,
    ) -> AccountFigures:
        """The figures from the kept state; never while the market is suspect."""
        if self.state is None:
            raise SubCallFailed(f"{self.venue}: no kept state to compute from")
        if checks.suspect:
            raise SubCallFailed(f"{self.venue}: local figures unconfirmed (market suspect)")
        try:
            local = computed(self.state, checks.local(reserves), risks)
        except NotReplicable as reason:
            raise SubCallFailed(f"{self.venue}: cannot compute the account: {reason}") from None
        self.local_reads += 1
        return local
