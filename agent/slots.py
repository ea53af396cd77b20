"""Filling a frozen, slotted dataclass without its ``__init__``.

For records built by the hundred a tick whose builder has already made the checks their
``__post_init__`` would make (``agent.risk.fast_records``, ``agent.policy.inputs``,
``agent.tick.decision_inputs``): a frozen dataclass sets each field through
``object.__setattr__``. ``draft_class`` gives a plain class with the record's slots,
whose instance is filled by plain attribute stores (the interpreter's fastest) and then
made the record by assigning its ``__class__``, which CPython allows only between classes
of one layout. Each builder's tests compare its records with the class's own, field for
field, so a field added to the class and left unset by the builder fails them.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any


def draft_class(cls: type[Any]) -> type[Any]:
    """A plain class with the slots of ``cls`` (a slotted dataclass): fill an instance's
    every field by attribute, then ``draft.__class__ = cls`` makes it one of ``cls``.

    The slots are named after the fields, so a store lands in the field it names
    whatever the order; CPython refuses the ``__class__`` assignment between classes
    whose layouts differ, tried here once at import. A field left unset reads as an
    AttributeError, never as another field's value."""
    names = tuple(field.name for field in fields(cls))
    if getattr(cls, "__slots__", None) != names:
        raise TypeError(f"{cls.__name__}: a draft needs exactly its fields as slots")
    draft = type(f"{cls.__name__}Draft", (), {"__slots__": names, "__module__": cls.__module__})
    probe: Any = object.__new__(draft)
    probe.__class__ = cls  # TypeError here when the layouts differ
    return draft
