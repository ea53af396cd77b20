"""A small TOML writer for the configs tests hand to ``ballast run`` (strings, numbers,
booleans, lists of scalars, tables and arrays of tables: what a Ballast config holds)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        assert math.isfinite(value), value
        return repr(value)
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, Mapping) for i in value)


def _table(lines: list[str], path: list[str], table: Mapping[str, Any]) -> None:
    nested = []
    for key, value in table.items():
        if isinstance(value, Mapping) or _is_table_list(value):
            nested.append((key, value))
        elif value is not None:
            lines.append(f"{json.dumps(str(key))} = {_scalar(value)}")
    for key, value in nested:
        name = ".".join(json.dumps(str(p)) for p in [*path, key])
        if isinstance(value, Mapping):
            lines += ["", f"[{name}]"]
            _table(lines, [*path, key], value)
        else:
            for item in value:
                lines += ["", f"[[{name}]]"]
                _table(lines, [*path, key], item)


def dumps(document: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _table(lines, [], document)
    return "\n".join(lines) + "\n"
