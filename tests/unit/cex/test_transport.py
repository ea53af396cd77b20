"""Retry-After parsing and the session handed to ccxt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.cex.transport import open_session, parse_retry_after


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 120 ", 120.0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, tzinfo=UTC)
    assert parse_retry_after(header, now) == seconds


async def test_the_session_never_resends_a_request_on_its_own() -> None:
    session = open_session()
    try:
        assert session._retry_connection is False
        assert session.trace_configs
    finally:
        await session.close()
