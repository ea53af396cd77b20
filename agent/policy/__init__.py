"""Pure decisions: the tick's risk, accounts and routes in, intents and alerts out.

No I/O, no logging, no clock reads: time and memory come in with ``PolicyInput``.

inputs.py    the frozen records the daemon fills each tick
settings.py  book rules from the config plus the policy's own parameters
health.py    lending health factor repairs (repay, repay with aTokens, supply)
margin.py    margin ratio repairs (add collateral, reduce positions)
steering.py  vol-aware health: each account's probability of liquidation, trigger, target
probability_model.py  the passage probabilities and moves steering solves once per vol
lending_steering.py   every lending account's steering in one loop
delta.py     the delta band (fixed or Whalley-Wilmott), rebalance interval, slices
routing.py   venue and instrument per slice by all-in cost
unwind.py    FLATTEN: every hedge closed, least healthy account first
alerts.py    limit breaches and venue Greeks that disagree with ours
decide.py    ``decide(input, settings) -> Decision``: all of the above, in order
"""

from agent.policy.alerts import Alert, AlertCode, Severity
from agent.policy.decide import Decision, decide
from agent.policy.inputs import (
    GreekCheck,
    HedgeRoute,
    LendingAccount,
    LendingAsset,
    MarginAccount,
    MarginPosition,
    PolicyInput,
    PolicyState,
    UnderlyingRisk,
)
from agent.policy.settings import PolicyParameters, PolicySettings

__all__ = [
    "Alert",
    "AlertCode",
    "Decision",
    "GreekCheck",
    "HedgeRoute",
    "LendingAccount",
    "LendingAsset",
    "MarginAccount",
    "MarginPosition",
    "PolicyInput",
    "PolicyParameters",
    "PolicySettings",
    "PolicyState",
    "Severity",
    "UnderlyingRisk",
    "decide",
]
