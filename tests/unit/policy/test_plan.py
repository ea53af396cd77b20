"""``Rebuild``: the copies the policy makes of routes and intents are replace's."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import pytest

from agent.intents import Action, Intent
from agent.policy.inputs import HedgeRoute
from agent.policy.plan import Rebuild, intent_of, numbered
from tests.unit.policy.builders import NOW, instrument, route


def test_every_field_changed_alone_is_the_copy_replace_makes() -> None:
    original = route("gmx", taker_fee_rate=0.0005, room_usd=1e6, position_coin=2.0)
    rebuild = Rebuild(HedgeRoute)
    for item in fields(HedgeRoute):
        value = getattr(original, item.name)
        factor = 0.5 if item.name == "bid_usd" else 1.5  # bid stays under ask
        changed = value * factor + 1.0 if isinstance(value, float) else value
        assert rebuild(original, **{item.name: changed}) == replace(
            original, **{item.name: changed}
        )
    intent = Intent("gmx", Action.BUY, "ETH", 1.5, "band", created_at=NOW)
    assert Rebuild(Intent)(intent, sequence=7) == replace(intent, sequence=7)


def test_the_copy_is_checked_as_any_route_is() -> None:
    with pytest.raises(ValueError, match="bid <= ask"):
        Rebuild(HedgeRoute)(route("gmx"), bid_usd=3_000.0)


def test_a_class_with_a_field_outside_init_is_refused() -> None:
    @dataclass
    class Derived:
        value: float
        doubled: float = field(init=False, default=0.0)

    with pytest.raises(TypeError, match="init field"):
        Rebuild(Derived)


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
