"""Keeping secrets out of every log line, error message, admin response and alert.

Two layers, because neither is enough alone:

- **Known values.** Every secret the process holds is registered once: each
  ``SecretStr`` of the config when it is loaded (private keys, API secrets, tokens, RPC
  and webhook URLs), and whatever is derived later (a key decrypted from a keystore).
  A registered value is masked wherever it appears, with or without its ``0x`` prefix;
  hex secrets in any letter case. A registered URL also registers its credentials,
  its path and query, and their long segments, since an echoing server may quote
  just the token.
- **Shapes.** Secrets nobody registered still have recognisable shapes: a URL keeps
  only ``scheme://host:port`` (paths and queries carry provider API keys), ``Bearer``
  tokens and ``key=value`` pairs named like secrets lose their values, and a log field
  named like a secret (``password``, ``private_key``, ``token``...) is masked whole.

Redaction is for output only: nothing functional ever reads a redacted string.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, SecretStr

MASK = "***"
MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words; no real secret is this short
_MIN_SEGMENT_LENGTH = 12  # URL path segments and query values this long count as tokens

_HEX = re.compile(r"^(0x)?[0-9a-fA-F]+$")
_URL = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)"
    r"(?P<userinfo>[^\s/@'\"<>]*@)?"
    r"(?P<host>[^\s/?#'\"<>@]+)"
    r"(?P<rest>[/?#][^\s'\"<>]*)?"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{8,}")
_NAMED_VALUE = re.compile(
    r"(?i)\b(?P<name>api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|"
    r"client[_-]?secret|secret|password|passwd|passphrase|private[_-]?key|signature)"
    r"(?P<sep>[\"']?\s*[=:]\s*)(?P<quote>[\"']?)(?P<value>[^\s&\"',;}]+)"
)
_SECRET_FIELD = re.compile(
    r"(?i)(secret|password|passphrase|private_?key|api_?key|token|authorization|credential)"
)


def _plain(secret: str | bytes | SecretStr) -> str:
    if isinstance(secret, SecretStr):
        return secret.get_secret_value()
    if isinstance(secret, bytes):
        return "0x" + secret.hex()
    return secret


def _url_parts(value: str) -> set[str]:
    """The pieces of a URL that may be quoted on their own: credentials, path, query."""
    if "://" not in value:
        return set()
    parts = urlsplit(value)
    pieces = {parts.netloc.rpartition("@")[0], parts.password or "", parts.query, parts.fragment}
    pieces.discard("")
    if parts.path.strip("/"):
        pieces.add(parts.path)
        pieces.update(s for s in parts.path.split("/") if len(s) >= _MIN_SEGMENT_LENGTH)
    pieces.update(v for _, v in parse_qsl(parts.query) if len(v) >= _MIN_SEGMENT_LENGTH)
    return pieces


def _forms(value: str) -> set[str]:
    """Every form in which ``value`` may show up in text."""
    value = value.strip()
    parts = _url_parts(value)
    # A URL without credentials, path or query (``http://127.0.0.1:8545``) hides nothing,
    # and masking it would hide which provider failed.
    forms = {value, *parts} if parts or "://" not in value else set()
    if value[:2] in ("0x", "0X"):
        forms.add(value[2:])
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def _alternative(form: str) -> str:
    escaped = re.escape(form)
    return f"(?i:{escaped})" if _HEX.match(form) else escaped


class SecretRegistry:
    """The values to mask, compiled into one pattern (longest first)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def add(self, secret: str | bytes | SecretStr | None) -> None:
        """Register ``secret`` (and its derived forms); None and short values are ignored."""
        if secret is None:
            return
        forms = _forms(_plain(secret))
        with self._lock:
            if forms <= self._values:
                return
            self._values |= forms
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(_alternative(v) for v in ordered))

    def scrub(self, text: str) -> str:
        """``text`` with every registered value masked."""
        pattern = self._pattern
        return text if pattern is None else pattern.sub(MASK, text)

    def clear(self) -> None:
        """Forget everything (tests only: a process never unlearns a secret)."""
        with self._lock:
            self._values.clear()
            self._pattern = None


SECRETS = SecretRegistry()


def register(secret: str | bytes | SecretStr | None) -> None:
    """Register one secret with the process-wide registry."""
    SECRETS.add(secret)


def register_model(model: BaseModel) -> int:
    """Register every ``SecretStr`` inside ``model`` (nested models, lists, dicts).

    Returns how many secrets were found.
    """
    found = list(_secrets_in(model))
    for secret in found:
        SECRETS.add(secret)
    return len(found)


def _secrets_in(value: object) -> Iterable[SecretStr]:
    if isinstance(value, SecretStr):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _secrets_in(getattr(value, name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _secrets_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _secrets_in(item)


def _url_shape(match: re.Match[str]) -> str:
    userinfo = f"{MASK}@" if match["userinfo"] else ""
    rest = match["rest"] or ""
    tail = "" if rest in ("", "/") else f"/{MASK}"
    return f"{match['scheme']}{userinfo}{match['host']}{tail}"


# A plain word after "password: " is the message's own ("password: Value error",
# "keystore_password: No such file"), not a value: every configured secret is already
# masked by value (``SECRETS``), this rule only catches unregistered ones, which are
# never a short all-letter word.
_WORD = re.compile(r"^(?:[A-Z]?[a-z]{1,11}|[A-Z]{1,3})$")


def _named_shape(match: re.Match[str]) -> str:
    if not match["quote"] and _WORD.match(match["value"]):
        return match[0]
    return f"{match['name']}{match['sep']}{match['quote']}{MASK}"


def redact(text: str) -> str:
    """``text`` without registered secrets, URL paths and queries, or named secret values."""
    text = SECRETS.scrub(text)
    text = _URL.sub(_url_shape, text)
    text = _BEARER.sub(lambda m: f"{m[1]} {MASK}", text)
    return _NAMED_VALUE.sub(_named_shape, text)


def secret_field(name: str) -> bool:
    """Whether a field named ``name`` holds a secret by its name alone."""
    return bool(_SECRET_FIELD.search(name))


def redact_data(value: Any, *, field: str | None = None) -> Any:
    """A JSON-like document with every string redacted and secret-named fields masked.

    Numbers, booleans and None pass through; anything else becomes its redacted ``str``.
    """
    if field is not None and secret_field(field) and value is not None:
        return MASK
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {key: redact_data(item, field=str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return redact(str(value))


def redact_event(_logger: object, _method: str, event: MutableMapping[str, Any]) -> Any:
    """structlog processor: every field of every event, after tracebacks are rendered."""
    return {key: redact_data(value, field=key) for key, value in event.items()}
