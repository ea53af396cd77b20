"""The intents the policy fills as drafts are the class's own, and their numbered copies
replace's."""

from __future__ import annotations

from dataclasses import fields, replace

from agent.intents import Action, Intent
from agent.policy.plan import intent_of, numbered
from tests.unit.policy.builders import NOW, instrument


def test_a_drafted_intent_is_the_class_s_own() -> None:
    # intent_of and numbered fill an Intent's slots by hand: a field left out reads as
    # an AttributeError in ==, a field swapped for another as a difference
    given = {
        "venue": "gmx", "action": Action.SELL, "asset": "ETH", "quantity": 1.25,
        "reason": "band", "instrument": instrument("gmx"), "limit_price": 1_990.0,
        "reference_price": 2_000.0, "notional_usd": 2_500.0, "risk_reducing": True,
        "urgent": True, "created_at": NOW, "sequence": 3,
    }  # fmt: skip
    assert set(given) == {item.name for item in fields(Intent)}
    drafted = intent_of(**given)
    assert type(drafted) is Intent
    assert drafted == Intent(**given)
    assert [getattr(drafted, name) for name in given] == list(given.values())
    for sequence in (0, 1, 29):
        copy = numbered(drafted, sequence)
        assert type(copy) is Intent
        assert copy == replace(drafted, sequence=sequence)
    plain = Intent("aave", Action.REPAY, "USDC", 10.0, "health")  # the defaults
    assert numbered(plain, 4) == replace(plain, sequence=4)
