"""Secrets by reference: ``env:NAME`` or ``file:/path``, never the value in the TOML.

References are resolved once, at load, into ``SecretStr`` so a secret's value never
appears in a repr, a log line or an error; a missing variable or file is a
ConfigError naming the field. Every resolved secret is registered with
``agent.ops.redaction`` at once, so it is masked in any output from then on.

File paths may name environment variables as ``${NAME}``: systemd hands a service its
credentials in ``${CREDENTIALS_DIRECTORY}`` (``LoadCredential=``), so a config can say
``file:${CREDENTIALS_DIRECTORY}/keystore-password`` and work wherever the unit runs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr, ValidationInfo

from agent.ops.redaction import register

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_path(text: str) -> str:
    """``text`` with each ``${NAME}`` replaced by that environment variable.

    An unset variable is an error, not an empty string: ``file:${CREDENTIALS_DIRECTORY}/x``
    outside systemd must not quietly become ``file:/x``.
    """

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = os.environ.get(name)
        if not found:
            hint = (
                " (set by systemd for LoadCredential=)" if name == "CREDENTIALS_DIRECTORY" else ""
            )
            raise ValueError(f"environment variable {name} is not set{hint}")
        return found

    return _VARIABLE.sub(value, text)


def _resolve(reference: str, base_dir: Path | None) -> str:
    if reference.startswith("env:"):
        name = reference[4:]
        value = os.environ.get(name)
        if value is None:
            raise ValueError(f"environment variable {name} is not set")
        if not value.strip():
            raise ValueError(f"environment variable {name} is empty")
        return value
    if reference.startswith("file:"):
        path = Path(expand_path(reference[5:]))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            text = path.read_text().strip()
        except OSError as error:
            raise ValueError(f"cannot read secret file {path}: {error.strerror}") from None
        if not text:
            raise ValueError(f"secret file {path} is empty")
        return text
    raise ValueError("secrets must be given as env:NAME or file:PATH, not inline")


def _base_dir(info: ValidationInfo) -> Path | None:
    context = info.context or {}
    base = context.get("base_dir")
    return Path(base) if base else None


def _registered(secret: SecretStr) -> SecretStr:
    register(secret)
    return secret


def _secret(value: Any, info: ValidationInfo) -> SecretStr:
    if isinstance(value, SecretStr):
        return _registered(value)
    if not isinstance(value, str):
        raise ValueError("a secret reference must be a string (env:NAME or file:PATH)")
    return _registered(SecretStr(_resolve(value, _base_dir(info))))


def _url(value: Any, info: ValidationInfo) -> SecretStr:
    """An RPC URL: inline is allowed (it may be public), a reference is resolved; either
    way it is kept secret because provider URLs often embed API keys."""
    if isinstance(value, SecretStr):
        return _registered(value)
    if not isinstance(value, str):
        raise ValueError("an RPC URL must be a string")
    if value.startswith(("env:", "file:")):
        value = _resolve(value, _base_dir(info))
    secret = _registered(SecretStr(value))  # before any check: a bad URL may still hold a key
    if not value.startswith(("http://", "https://")):
        raise ValueError("a URL must start with http:// or https://")
    return secret


def _path(value: Any, info: ValidationInfo) -> Any:
    """A file path; ``${NAME}`` expanded, relative paths against the config's folder."""
    if not isinstance(value, str | Path):
        return value
    path = Path(expand_path(str(value)))
    base = _base_dir(info)
    return base / path if not path.is_absolute() and base is not None else path


Secret = Annotated[SecretStr, BeforeValidator(_secret)]
SecretUrl = Annotated[SecretStr, BeforeValidator(_url)]
ExpandedPath = Annotated[Path, BeforeValidator(_path)]
