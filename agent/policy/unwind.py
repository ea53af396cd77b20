"""FLATTEN: the operator's unwind of every hedge, in a safe order (DESIGN.md, kill switch).

The hedges are the perpetuals and dated futures in margin accounts (GMX, Hyperliquid,
Deribit); the options are the book being hedged and stay, and so do lending positions
and wallet balances (repaying and withdrawing are the operator's call). Each hedge is
closed in full, reduce-only, in slices no larger than its underlying's hedge slice.

The order: the least healthy account first (its positions are the ones a move could
liquidate mid-unwind), and within an account the largest position first; every slice
of one position before the next position. Open orders were cancelled when FLATTEN
was set; nothing here adds risk to a venue, so the kill switch admits it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from agent.intents import Intent
from agent.model import Kind
from agent.policy.delta import slices
from agent.policy.inputs import MarginAccount, MarginPosition, PolicyInput
from agent.policy.plan import side_of, trade_action
from agent.policy.routing import bounded_limit
from agent.policy.settings import PolicySettings

HEDGE_KINDS = frozenset({Kind.PERP, Kind.FUTURE})


def unwind_intents(policy_input: PolicyInput, settings: PolicySettings) -> tuple[Intent, ...]:
    """Close every hedge: intents in the order they should be carried out."""
    spots = {risk.underlying: risk.spot_usd for risk in policy_input.underlyings}
    intents: list[Intent] = []
    for account in sorted(policy_input.margin, key=lambda a: (a.ratio, a.venue)):
        for position in sorted(_hedges(account), key=_size_usd, reverse=True):
            intents.extend(_close(account, position, spots, settings, policy_input.now))
    return tuple(replace(intent, sequence=n) for n, intent in enumerate(intents))


def _size_usd(position: MarginPosition) -> float:
    return abs(position.quantity) * position.mark_price_usd


def _hedges(account: MarginAccount) -> list[MarginPosition]:
    return [p for p in account.positions if p.instrument.kind in HEDGE_KINDS and p.quantity]


def _close(
    account: MarginAccount,
    position: MarginPosition,
    spots: Mapping[str, float],
    settings: PolicySettings,
    now: datetime,
) -> list[Intent]:
    underlying = position.instrument.underlying
    reference = spots.get(underlying, position.mark_price_usd)
    side = side_of(-position.quantity)
    rules = settings.underlyings.get(underlying)
    size = abs(position.quantity)
    pieces = slices(size, rules.max_slice_coin) if rules is not None else (size,)
    return [
        Intent(
            venue=account.venue,
            action=trade_action(side),
            asset=underlying,
            quantity=piece,
            reason=f"flatten: close {position.instrument.symbol}, slice {n}/{len(pieces)}",
            instrument=position.instrument,
            limit_price=bounded_limit(
                side, position.mark_price_usd, reference, settings.parameters
            ),
            reference_price=reference,
            notional_usd=piece * reference,
            risk_reducing=True,  # it shrinks the venue's position: the guard's own rule
            urgent=True,
            created_at=now,
        )
        for n, piece in enumerate(pieces, start=1)
    ]
