"""What a scenario run records at each tick, for its report and plots.

Each tick gives one ``Sample``: the market, the agent's net Greeks and band, health per
venue, liquidation distance, the kill switch, and what the tick cost. Costs come from
outside the agent's own bookkeeping: gas from the receipts of every transaction the
agent's account sent (scanned block by block), execution cost as the change of the
account's equity (``scenario_equity``, read from the world) across the tick's actions
at unchanged prices (fees as the venues reported them; slippage is the rest). P&L is
attributed by Greek step by step (``agent.risk.attribution``) on the book the agent
held through each step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.intents import Intent, Outcome, OutcomeStatus
from agent.policy.steering import Steering
from agent.risk.attribution import COMPONENTS, attribute_pnl, held_through
from agent.risk.book import Book
from agent.risk.validation import RiskInputError
from agent.risk.venue_failure import VenueFailure
from agent.tick.assessment import Assessment
from agent.tick.report import TickReport
from sim.chain import DevChain, attach
from sim.manifest import Manifest
from sim.market import MarketState

WAD = 10**18
# Outcomes after which the book may have changed (anything that reached a venue).
ACTED = frozenset(
    {OutcomeStatus.FILLED, OutcomeStatus.PARTIAL, OutcomeStatus.PENDING, OutcomeStatus.FAILED,
     OutcomeStatus.UNKNOWN}
)  # fmt: skip


@dataclass(frozen=True)
class ActionRecord:
    """One intent that went out (or tried to): ``quantity`` in coin or tokens,
    ``notional_usd`` at the decision's reference price, costs in USD."""

    time_s: int
    venue: str
    action: str
    asset: str
    quantity: float
    reason: str
    status: str
    reference: str | None
    notional_usd: float
    fee_usd: float
    gas_usd: float
    risk_reducing: bool
    detail: str


@dataclass(frozen=True)
class RejectionRecord:
    """An intent refused before anything was sent (guard, kill switch, read-only gate)."""

    time_s: int
    venue: str
    action: str
    asset: str
    quantity: float
    reason: str


@dataclass
class Sample:
    """One tick. Deltas in coin, health as ratios (liquidation below 1), USD amounts."""

    time_s: int
    prices: dict[str, float]
    implied_vols: dict[str, float]
    delta: dict[str, float] = field(default_factory=dict)
    delta_after: dict[str, float] = field(default_factory=dict)
    band: dict[str, float] = field(default_factory=dict)
    target: dict[str, float] = field(default_factory=dict)
    gamma: dict[str, float] = field(default_factory=dict)
    vega: dict[str, float] = field(default_factory=dict)
    theta: dict[str, float] = field(default_factory=dict)
    health: dict[str, float] = field(default_factory=dict)
    liquidation_distance: dict[str, Any] = field(default_factory=dict)
    steering: dict[str, Steering] = field(default_factory=dict)  # per account
    venue_failure: dict[str, VenueFailure] = field(default_factory=dict)  # per venue
    kill_state: str = "active"
    equity_usd: float = 0.0  # the account's worth after the tick (world's view)
    fees_usd: float = 0.0
    gas_usd: float = 0.0
    execution_usd: float = 0.0  # equity after the tick's actions minus before
    actions: int = 0
    error: str | None = None


class GasMeter:
    """Gas the agent's account paid, from the receipts of its transactions (USD at the
    current ETH price), block by block since ``start``."""

    def __init__(self, chain: DevChain, account: str) -> None:
        self.chain = chain
        self.account = account.lower()
        self.next_block = 0

    async def _head(self) -> int:
        return int(await self.chain.rpc.request("eth_blockNumber"), 16)

    async def start(self) -> None:
        """Count only what is mined from now on (not the seeded book's set-up)."""
        self.next_block = await self._head() + 1

    async def collect(self, eth_usd: float) -> dict[str, float]:
        """Transaction hash -> gas paid (USD) for the agent's transactions since the last
        call."""
        head = await self._head()
        paid: dict[str, float] = {}
        for number in range(self.next_block, head + 1):
            block = await self.chain.rpc.request("eth_getBlockByNumber", [hex(number), True])
            for transaction in block["transactions"]:
                if str(transaction["from"]).lower() != self.account:
                    continue
                receipt = await self.chain.wait_receipt(transaction["hash"])
                wei = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
                paid[transaction["hash"]] = wei / WAD * eth_usd
        self.next_block = head + 1
        return paid


class AaveProbe:
    """A market listener placed just before the liquidator: the agent's Aave health
    factor right after each price move, before anyone liquidates (the lowest since the
    last ``take``)."""

    def __init__(self, chain: DevChain, manifest: Manifest) -> None:
        self.pool = attach(chain, manifest, "aave.pool")
        self.account = manifest.accounts["agent"]
        self.lowest: float | None = None

    async def on_market(self, state: MarketState) -> None:
        data = await self.pool.read("getUserAccountData", self.account)
        if data[1] == 0:  # no debt: nothing to liquidate
            return
        health = data[5] / WAD
        self.lowest = health if self.lowest is None else min(self.lowest, health)

    def take(self) -> float | None:
        lowest, self.lowest = self.lowest, None
        return lowest


def venue_health(report: TickReport) -> dict[str, float]:
    """Lowest finite health ratio per venue, as the venues reported it to the agent."""
    health: dict[str, float] = {}
    for read in report.reads.values():
        for item in read.snapshot.health if read.snapshot else ():
            if math.isfinite(item.ratio):
                health[item.venue] = min(health.get(item.venue, math.inf), item.ratio)
    return health


def _distance(assessment: Assessment) -> dict[str, Any]:
    """Per underlying: the move down to the first liquidation (fraction) and where."""
    distances: dict[str, Any] = {}
    for underlying, distance in sorted(assessment.liquidation.items()):
        if distance.down is not None:
            distances[underlying] = {"down": -distance.down.shock, "venue": distance.down.venue}
    return distances


@dataclass(frozen=True)
class HeldBook:
    """The agent's book after a tick's actions and its net delta per underlying (coin)."""

    book: Book
    deltas: Mapping[str, float]


@dataclass(frozen=True)
class TickFacts:
    """What one tick saw and did. ``after`` is the agent's book re-read after the
    tick's actions (None if it did nothing); ``gas`` maps the step's transaction hashes
    to USD; ``probe`` is the lowest Aave health seen on chain since the last tick;
    ``equity_before``/``equity_after`` are the account's worth per venue (USD) before
    the tick and after its actions, at the same prices."""

    time_s: int
    state: MarketState
    report: TickReport
    after: HeldBook | None
    gas: Mapping[str, float]
    probe: float | None
    equity_before: Mapping[str, float]
    equity_after: Mapping[str, float]


class Recorder:
    """Collects samples, actions, rejections and the P&L attribution of one run."""

    def __init__(self, targets: Mapping[str, float]) -> None:
        self.targets = dict(targets)
        self.samples: list[Sample] = []
        self.actions: list[ActionRecord] = []
        self.rejections: list[RejectionRecord] = []
        self.attribution = dict.fromkeys(COMPONENTS, 0.0)
        self.first_equity_usd: float | None = None
        self.last_equity_usd: float | None = None
        self.first_equity: dict[str, float] = {}  # per venue, USD
        self.last_equity: dict[str, float] = {}
        self._held: Book | None = None  # the book carried into the next step

    def record(self, facts: TickFacts) -> Sample:
        """One tick (see ``TickFacts``)."""
        report = facts.report
        sample = Sample(facts.time_s, dict(facts.state.prices), dict(facts.state.implied_vols))
        sample.kill_state = report.kill_state.value
        sample.error = report.error
        sample.health = venue_health(report)
        sample.steering = {steering.account: steering for steering in report.steering}
        if facts.probe is not None:
            sample.health["aave"] = min(sample.health.get("aave", math.inf), facts.probe)
        sample.gas_usd = math.fsum(facts.gas.values())
        before, after = (
            math.fsum(facts.equity_before.values()),
            math.fsum(facts.equity_after.values()),
        )
        sample.equity_usd = after
        sample.execution_usd = after - before
        if self.first_equity_usd is None:
            self.first_equity_usd = before
            self.first_equity = dict(facts.equity_before)
        self.last_equity_usd = after
        self.last_equity = dict(facts.equity_after)
        self._outcomes(facts.time_s, report, facts.gas, sample)
        if report.assessment is not None:
            self._risk(sample, report, facts.after)
        self.samples.append(sample)
        return sample

    def _risk(self, sample: Sample, report: TickReport, after: HeldBook | None) -> None:
        assessment = report.assessment
        assert assessment is not None
        for underlying, greeks in sorted(assessment.net.items()):
            if underlying not in self.targets:
                continue
            sample.delta[underlying] = greeks.delta
            sample.gamma[underlying] = greeks.gamma
            sample.vega[underlying] = greeks.vega
            sample.theta[underlying] = greeks.theta
            sample.target[underlying] = self.targets[underlying]
            if underlying in report.band_half_widths:
                sample.band[underlying] = report.band_half_widths[underlying]
            held = after.deltas.get(underlying) if after is not None else None
            sample.delta_after[underlying] = greeks.delta if held is None else held
        sample.liquidation_distance = _distance(assessment)
        sample.venue_failure = {row.venue: row for row in assessment.venue_failures}
        self._attribute(assessment.book)
        self._held = after.book if after is not None else assessment.book

    def _attribute(self, book: Book) -> None:
        """Add the P&L of the book held through the last step, by Greek."""
        if self._held is None:
            return
        held = held_through(self._held, book)
        if held is None or not held.positions:
            return
        try:
            summary = attribute_pnl(held, book).summary()
        except RiskInputError:
            return  # left to "carry_and_events": the step cannot be attributed
        for name in COMPONENTS:
            self.attribution[name] += summary[name]

    def _outcomes(
        self, time_s: int, report: TickReport, gas: Mapping[str, float], sample: Sample
    ) -> None:
        for intent, outcome in zip(report.intents, report.outcomes, strict=False):
            if outcome.status is OutcomeStatus.REJECTED:
                self.rejections.append(_rejection(time_s, intent, outcome))
                continue
            sample.actions += 1
            sample.fees_usd += outcome.fee_usd
            self.actions.append(_action(time_s, intent, outcome, gas))


def _rejection(time_s: int, intent: Intent, outcome: Outcome) -> RejectionRecord:
    return RejectionRecord(
        time_s, intent.venue, intent.action.value, intent.asset, intent.quantity, outcome.detail
    )


def _action(
    time_s: int, intent: Intent, outcome: Outcome, gas: Mapping[str, float]
) -> ActionRecord:
    return ActionRecord(
        time_s=time_s,
        venue=intent.venue,
        action=intent.action.value,
        asset=intent.asset,
        quantity=intent.quantity,
        reason=intent.reason,
        status=outcome.status.value,
        reference=outcome.reference,
        notional_usd=intent.notional_usd,
        fee_usd=outcome.fee_usd,
        gas_usd=gas.get(outcome.reference or "", 0.0),
        risk_reducing=intent.risk_reducing,
        detail=outcome.detail,
    )


def acted(report: TickReport) -> bool:
    """Whether anything of the tick may have reached a venue."""
    return any(outcome.status in ACTED for outcome in report.outcomes)
