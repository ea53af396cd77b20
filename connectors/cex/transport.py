"""The HTTP session handed to ccxt, and what it notes about each reply.

Two things ccxt's own session does not give us:

- **No silent resend.** aiohttp resends an "idempotent" request (GET, PUT, DELETE ...)
  once when the server closes a kept-alive connection without answering. Deribit's
  API takes orders as ``GET /api/v2/private/buy``, so that resend places a second
  order after a lost reply. The session here never resends; the connector looks the
  order up by its client id instead.
- **Retry-After.** ccxt's rate-limit exceptions do not carry response headers. A trace
  hook records ``Retry-After`` into a per-call ``ReplyNotes`` held in a context
  variable, so concurrent calls never see each other's headers.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

import aiohttp
import certifi


@dataclass(slots=True)
class ReplyNotes:
    """What the last HTTP reply of one connector call said beyond its body."""

    status: int | None = None
    retry_after_s: float | None = None


_current: ContextVar[ReplyNotes | None] = ContextVar("ballast_cex_reply_notes", default=None)


@contextmanager
def noting_replies() -> Iterator[ReplyNotes]:
    """Collect reply notes for the requests made inside the block (this task only)."""
    notes = ReplyNotes()
    token = _current.set(notes)
    try:
        yield notes
    finally:
        _current.reset(token)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)


async def _on_request_end(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceRequestEndParams,
) -> None:
    notes = _current.get()
    if notes is None:
        return
    notes.status = params.response.status
    notes.retry_after_s = parse_retry_after(params.response.headers.get("Retry-After"))


def open_session() -> aiohttp.ClientSession:
    """A session for one ccxt exchange: verified TLS (certifi), notes, no resends."""
    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(_on_request_end)
    connector = aiohttp.TCPConnector(
        ssl=ssl.create_default_context(cafile=certifi.where()), enable_cleanup_closed=True
    )
    session = aiohttp.ClientSession(connector=connector, trace_configs=[trace])
    # aiohttp has no public switch for this; see the module docstring for why it matters.
    session._retry_connection = False
    return session
