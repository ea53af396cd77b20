"""Logging for the daemon, configured in one place: one JSON object per line.

structlog events and the standard library's records (asyncio, aiohttp, ccxt, web3,
warnings) go through the same chain, so every line has the same shape and passes the
same redaction (``agent.ops.redaction``) *after* tracebacks are rendered: an
exception's message or a chained cause cannot carry a secret past it. Uncaught
exceptions in the main thread and in other threads are logged the same way instead of
being printed raw by the interpreter.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType
from typing import Any, TextIO

import structlog
from structlog.typing import Processor

from agent.ops.redaction import redact_event

_HANDLER_MARK = "_ballast_handler"


def _renderer(json_lines: bool) -> Processor:
    if json_lines:
        return structlog.processors.JSONRenderer(sort_keys=False)
    return structlog.dev.ConsoleRenderer(colors=False)


def _shared() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(
    *, json_lines: bool = True, level: str = "info", stream: TextIO | None = None
) -> None:
    """Send every log line to ``stream`` (stderr by default), redacted.

    ``json_lines``: one JSON object per line (what journald, Docker and log shippers
    want); otherwise a plain console rendering. ``level`` is a logging level name.
    """
    output = stream if stream is not None else sys.stderr
    threshold = logging.getLevelNamesMapping()[level.upper()]
    renderer = _renderer(json_lines)
    structlog.configure(
        processors=[
            *_shared(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.WriteLoggerFactory(file=output),
        cache_logger_on_first_use=False,
    )
    _route_standard_library(output, threshold, renderer)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_exception


def _route_standard_library(output: TextIO, threshold: int, renderer: Processor) -> None:
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared(), structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
    )
    handler = logging.StreamHandler(output)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(threshold)
    logging.captureWarnings(True)


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    structlog.get_logger("ballast").critical(
        "uncaught_exception", exc_info=(kind, error, traceback)
    )


def _log_thread_exception(arguments: Any) -> None:
    structlog.get_logger("ballast").critical(
        "uncaught_thread_exception",
        thread=getattr(arguments.thread, "name", None),
        exc_info=(arguments.exc_type, arguments.exc_value, arguments.exc_traceback),
    )
