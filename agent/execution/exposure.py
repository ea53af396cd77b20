"""Which way an intent moves risk and exposure, judged from the book, not the policy.

Pure functions. Quantities are coin units, exposures USD.
"""

from __future__ import annotations

from agent.execution.proposal import GuardContext
from agent.intents import Action, Intent
from agent.model import Kind

_ALWAYS_REDUCING = frozenset(
    {
        Action.CANCEL,
        Action.REPAY,
        Action.REPAY_WITH_COLLATERAL,
        Action.SUPPLY,
        Action.ENABLE_COLLATERAL,
    }
)
_NEVER_REDUCING = frozenset({Action.BORROW, Action.WITHDRAW, Action.DISABLE_COLLATERAL})
_TRADES = frozenset({Action.BUY, Action.SELL})
_PRICE_FREE = frozenset({Action.CANCEL, Action.ENABLE_COLLATERAL, Action.DISABLE_COLLATERAL})


def needs_reference_price(intent: Intent) -> bool:
    """Every action that moves value is valued at an independent price."""
    return intent.action not in _PRICE_FREE


def signed_quantity(intent: Intent) -> float:
    """+quantity for a buy, -quantity for a sell (coin units); 0 for other actions."""
    if intent.action is Action.BUY:
        return intent.quantity
    if intent.action is Action.SELL:
        return -intent.quantity
    return 0.0


def independent_risk_reducing(intent: Intent, context: GuardContext) -> bool | None:
    """Whether ``intent`` reduces risk, as far as the book shows; None if it cannot tell.

    Repaying (also with collateral), supplying or enabling collateral and cancelling
    reduce risk; borrowing, withdrawing and disabling collateral do not. A trade
    reduces risk when it shrinks the venue's position in the asset or the book's net
    delta in it. An option trade's delta is not its quantity, and a swap has no
    direction here: those are left to the policy's claim.
    """
    if intent.action in _ALWAYS_REDUCING:
        return True
    if intent.action in _NEVER_REDUCING:
        return False
    if intent.action not in _TRADES:
        return None
    if intent.instrument is not None and intent.instrument.kind is Kind.OPTION:
        return None
    change = signed_quantity(intent)
    position = context.positions.get((intent.venue, intent.asset), 0.0)
    if abs(position + change) < abs(position):
        return True
    delta = context.net_delta.get(intent.asset)
    return delta is not None and abs(delta + change) < abs(delta)


def exposure_change_usd(intent: Intent, context: GuardContext, notional_usd: float) -> float:
    """Signed change of the venue's gross exposure (USD) if ``intent`` is carried out."""
    if intent.action in _TRADES:
        position = context.positions.get((intent.venue, intent.asset), 0.0)
        after = position + signed_quantity(intent)
        return (abs(after) - abs(position)) / intent.quantity * notional_usd
    if intent.action in (Action.SUPPLY, Action.BORROW):
        return notional_usd
    if intent.action in (Action.WITHDRAW, Action.REPAY, Action.REPAY_WITH_COLLATERAL):
        return -notional_usd
    return 0.0
