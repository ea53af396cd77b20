"""``ballast run``'s exit code and last log line when start-up fails."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

import agent.wiring as wiring
from agent import service
from agent.errors import ConfigError


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure = service.configure_logging
    monkeypatch.setattr(
        service, "configure_logging", lambda **options: configure(**options, stream=stream)
    )
    monkeypatch.setattr(service.config_module, "load", lambda path: object())
    yield stream
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def _failing(error: BaseException) -> Any:
    async def serve(config: object) -> None:
        raise error

    return serve


@pytest.mark.parametrize(
    "raised",
    [
        ConfigError("the admin API token must be at least 16 characters"),
        # What the executor's TaskGroup makes of an error raised while it is open.
        ExceptionGroup("unhandled errors in a TaskGroup", [ConfigError("too short")]),
    ],
)
def test_a_refused_start_exits_2_and_says_why(
    raised: BaseException, logged: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wiring, "serve", _failing(raised))
    assert service.run(config_path="ballast.toml") == 2
    last = json.loads(logged.getvalue().splitlines()[-1])
    assert last["event"] == "daemon_failed"
    assert last["error"].startswith("ConfigError: "), last


def test_a_bug_exits_1_with_its_traceback(
    logged: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = ExceptionGroup("two", [ConfigError("a"), KeyError("b")])
    monkeypatch.setattr(wiring, "serve", _failing(group))
    assert service.run(config_path="ballast.toml") == 1
    last = json.loads(logged.getvalue().splitlines()[-1])
    assert last["event"] == "daemon_crashed"
    assert "KeyError" in last["exception"]
