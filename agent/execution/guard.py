"""The guard: every intent is checked against the limits, whatever the policy thinks.

The rules are pure (``rules.py``); this class adds what an operator needs around
them: every rejection is logged with its reason code and counted (in memory for the
status page and as the Prometheus counter ``ballast_guard_rejections_total``).
"""

from __future__ import annotations

from collections import Counter

import structlog
from prometheus_client import Counter as MetricCounter

from agent.execution.fees import FeeQuote, Fees
from agent.execution.limits import GuardLimits
from agent.execution.proposal import GuardContext, Proposal, ReasonCode, Rejection, Verdict
from agent.execution.rules import evaluate
from agent.execution.stress_gate import StressLimits, check_stress

log = structlog.get_logger(__name__)

REJECTIONS = MetricCounter(
    "ballast_guard_rejections_total", "Intents refused by the guard, by reason", ["reason"]
)


class Guard:
    """Checks proposals against ``limits``; holds no other state than its counters."""

    def __init__(self, limits: GuardLimits, stress: StressLimits | None = None) -> None:
        self.limits = limits
        self.stress = stress or StressLimits()
        self.rejection_counts: Counter[ReasonCode] = Counter()

    def check(self, proposal: Proposal, context: GuardContext) -> Verdict:
        """Judge ``proposal``; approved only if it respects every limit."""
        facts, rejections = evaluate(proposal, context, self.limits)
        if context.stress is not None:  # the stress gate (agent/execution/stress_gate.py)
            stressed = check_stress(
                context.stress, proposal.intent, self.stress, risk_reducing=facts.risk_reducing
            )
            rejections = (*rejections, *stressed)
        verdict = Verdict(
            intent_id=proposal.intent.intent_id,
            rejections=rejections,
            notional_usd=facts.notional_usd,
            risk_reducing=facts.risk_reducing,
            unwind=proposal.unwind,
        )
        for rejection in rejections:
            self._count(verdict.intent_id, rejection)
        return verdict

    def check_fees(
        self,
        intent_id: str,
        quote: FeeQuote,
        fees: Fees,
        *,
        emergency: bool,
        chain_id: int | None = None,
    ) -> Rejection | None:
        """Refuse fees above the cap, or a base fee so high the cap cannot get mined.

        ``emergency`` (risk-reducing work only) selects the higher emergency caps;
        ``chain_id`` the chain's own caps.
        """
        caps = self.limits.gas_caps(emergency=emergency, chain_id=chain_id)
        problem = None
        if quote.base_fee_wei > caps.max_fee_per_gas_wei:
            problem = (
                f"next base fee {quote.base_fee_wei / 1e9:.3f} gwei is above the cap "
                f"{caps.max_fee_per_gas_wei / 1e9:.3f} gwei"
            )
        elif (
            fees.max_fee_per_gas > caps.max_fee_per_gas_wei
            or fees.max_priority_fee_per_gas > caps.max_priority_fee_per_gas_wei
        ):
            problem = f"fees {fees} exceed the caps {caps}"
        return None if problem is None else self.reject(intent_id, ReasonCode.GAS_CAP, problem)

    def reject(self, intent_id: str, code: ReasonCode, message: str) -> Rejection:
        """Record a rejection found outside the pure rules (simulation, fees)."""
        rejection = Rejection(code, message)
        self._count(intent_id, rejection)
        return rejection

    def _count(self, intent_id: str, rejection: Rejection) -> None:
        self.rejection_counts[rejection.code] += 1
        REJECTIONS.labels(reason=rejection.code.value).inc()
        log.warning(
            "guard_rejected",
            intent_id=intent_id,
            reason=rejection.code.value,
            message=rejection.message,
        )
