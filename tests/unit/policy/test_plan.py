"""``Rebuild``: the copies the policy makes of routes and intents are replace's."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import pytest

from agent.intents import Action, Intent
from agent.policy.inputs import HedgeRoute
from agent.policy.plan import Rebuild
from tests.unit.policy.builders import NOW, route


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
