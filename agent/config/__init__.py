"""Typed configuration, validated once at start-up.

``load(path)`` reads one TOML file and returns a frozen ``Config`` or raises a
ConfigError that names the file and the dotted path of every bad field. Secrets are
given by reference (``env:NAME``, ``file:PATH``) and resolved here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.config.models import Config
from agent.errors import ConfigError
from agent.ops.redaction import register_model

__all__ = ["Config", "load", "read_toml", "validate"]


def read_toml(path: Path) -> dict[str, Any]:
    """The raw TOML document; a syntax error names the file and line."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read config: {error.strerror}", source=str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML: {error}", source=str(path)) from None


def _field(location: tuple[int | str, ...]) -> str:
    """Dotted path of a field as written in the file (``venues.aave.pool``)."""
    if len(location) > 2 and location[0] == "venues":
        location = location[:2] + location[3:]  # drop the union's branch tag (the kind)
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)


def validate(document: Mapping[str, Any], *, source: str, base_dir: Path | None = None) -> Config:
    """Validate a parsed document; every problem is reported, each with its field.

    Every secret of the result is registered for redaction (resolving a reference
    already registered it; this also covers ``SecretStr`` values passed in directly).
    """
    try:
        config = Config.model_validate(document, context={"base_dir": base_dir})
    except ValidationError as error:
        problems = [f"{source}:{_field(e['loc'])}: {e['msg']}" for e in error.errors()]
        first = error.errors()[0]
        raise ConfigError(
            f"{len(problems)} problem(s)\n  " + "\n  ".join(problems),
            source=None,
            field=_field(first["loc"]),
        ) from None
    register_model(config)
    return config


def load(path: Path) -> Config:
    """Read and validate ``path``; relative ``file:`` secrets resolve against its folder."""
    return validate(read_toml(path), source=str(path), base_dir=path.parent)
