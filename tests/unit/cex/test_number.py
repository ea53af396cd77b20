"""``number`` reads a venue's figure as float: a float as itself (the fast path) is what
the string round trip gave, and everything else still takes the round trip."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from connectors.cex.markets import number


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_what_its_string_gives(value: float) -> None:
    found = number(value)
    assert found is not None
    expected = float(str(value))
    assert found == expected or (math.isnan(found) and math.isnan(expected))
    assert math.copysign(1.0, found) == math.copysign(1.0, expected)


def test_other_values_take_the_round_trip() -> None:
    assert number("1.5") == 1.5
    assert number(3) == 3.0
    assert number(True, 7.0) == 7.0  # "True" is no number
    assert number("", 2.0) == 2.0
    assert number(None) is None
    assert number("abc", 0.0) == 0.0
