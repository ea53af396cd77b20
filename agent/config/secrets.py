"""Secrets by reference: ``env:NAME`` or ``file:/path``, never the value in the TOML.

References are resolved once, at load, into ``SecretStr`` so a secret's value never
appears in a repr, a log line or an error; a missing variable or file is a
ConfigError naming the field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr, ValidationInfo


def _resolve(reference: str, base_dir: Path | None) -> str:
    if reference.startswith("env:"):
        name = reference[4:]
        value = os.environ.get(name)
        if value is None:
            raise ValueError(f"environment variable {name} is not set")
        return value
    if reference.startswith("file:"):
        path = Path(reference[5:])
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            return path.read_text().strip()
        except OSError as error:
            raise ValueError(f"cannot read secret file {path}: {error.strerror}") from None
    raise ValueError("secrets must be given as env:NAME or file:PATH, not inline")


def _base_dir(info: ValidationInfo) -> Path | None:
    context = info.context or {}
    base = context.get("base_dir")
    return Path(base) if base else None


def _secret(value: Any, info: ValidationInfo) -> SecretStr:
    if isinstance(value, SecretStr):
        return value
    if not isinstance(value, str):
        raise ValueError("a secret reference must be a string (env:NAME or file:PATH)")
    return SecretStr(_resolve(value, _base_dir(info)))


def _url(value: Any, info: ValidationInfo) -> SecretStr:
    """An RPC URL: inline is allowed (it may be public), a reference is resolved; either
    way it is kept secret because provider URLs often embed API keys."""
    if isinstance(value, SecretStr):
        return value
    if not isinstance(value, str):
        raise ValueError("an RPC URL must be a string")
    if value.startswith(("env:", "file:")):
        value = _resolve(value, _base_dir(info))
    if not value.startswith(("http://", "https://")):
        raise ValueError("an RPC URL must start with http:// or https://")
    return SecretStr(value)


Secret = Annotated[SecretStr, BeforeValidator(_secret)]
SecretUrl = Annotated[SecretStr, BeforeValidator(_url)]
