"""``agent.slots.slot_setters``: a builder that lays a record's slots names every field,
in order, or is refused at import."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from agent.slots import slot_setters


@dataclass(frozen=True, slots=True)
class _Pair:
    left: float
    right: float


def test_the_setters_lay_each_named_slot() -> None:
    set_left, set_right = slot_setters(_Pair, "left", "right")
    pair = object.__new__(_Pair)
    set_left(pair, 1.0)
    set_right(pair, 2.0)
    assert pair == _Pair(1.0, 2.0)


@pytest.mark.parametrize("names", [("right", "left"), ("left",), ("left", "right", "middle")])
def test_fields_other_than_the_names_are_refused(names: tuple[str, ...]) -> None:
    with pytest.raises(TypeError, match=r"_Pair has the fields \('left', 'right'\)"):
        slot_setters(_Pair, *names)
