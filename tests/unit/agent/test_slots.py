"""``agent.slots``: a draft of a record's slots becomes the record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from agent.slots import draft_class


@dataclass(frozen=True, slots=True)
class _Pair:
    left: float
    right: float


@dataclass(frozen=True, slots=True)
class _Named:
    name: str
    size: float = 1.0


def test_a_draft_filled_by_name_becomes_the_record() -> None:
    draft: Any = object.__new__(draft_class(_Pair))
    draft.right, draft.left = 2.0, 1.0  # by name: the order of the stores does not matter
    draft.__class__ = _Pair
    assert type(draft) is _Pair
    assert draft == _Pair(1.0, 2.0)
    half: Any = object.__new__(draft_class(_Named))
    half.name = "x"
    half.__class__ = _Named
    with pytest.raises(AttributeError):  # a field left unset is missing, not another's
        _ = half.size


class _Plain:  # fields, no slots of its own
    left: float


def test_a_draft_needs_the_records_fields_as_its_slots() -> None:
    with pytest.raises(TypeError, match="a draft needs exactly its fields as slots"):
        draft_class(dataclass(_Plain))
