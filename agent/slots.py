"""Filling a frozen, slotted dataclass without its ``__init__``.

For records built by the hundred a tick whose builder has already made the checks their
``__post_init__`` would make (``agent.risk.fast_records``, ``agent.policy.inputs.held_asset``):
a frozen dataclass sets each field through ``object.__setattr__``, so laying the slots
directly costs a fraction of it. The builder names every field it lays, in order, and the
setters are refused at import when the class's fields are not those names: a field added,
renamed or moved in the class must be laid by its builder too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any


def slot_setters(cls: type[Any], *names: str) -> tuple[Callable[[object, object], None], ...]:
    """The setters of ``cls``'s slots, which must be ``names`` in field order."""
    found = tuple(field.name for field in fields(cls))
    if found != names:
        raise TypeError(f"{cls.__name__} has the fields {found}; its builder lays {names}")
    return tuple(getattr(cls, name).__set__ for name in names)
