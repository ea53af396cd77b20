"""``ballast run``'s process: logging, the config, exit codes.

The config is read and validated before the composition root (``agent.wiring``, which
loads web3, ccxt and numba: seconds) is imported, so a bad config is refused at once
with exit code 2 and what is wrong where. Under systemd a crash loop over a broken
config then spends its start budget (``StartLimitBurst``) in seconds and says why.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog

from agent import config as config_module
from agent.errors import BallastError
from agent.ops.logs import configure_logging

log = structlog.get_logger(__name__)


def run(*, config_path: str, log_format: str = "json", log_level: str = "info") -> int:
    """``ballast run``: the daemon, until SIGTERM or SIGINT; 0 after a graceful stop.

    Everything it prints is a log line (JSON by default), redacted: a bad config or a
    failed start-up is logged and exits 2, an unexpected crash is logged and exits 1.
    """
    configure_logging(json_lines=log_format == "json", level=log_level)
    try:
        config = config_module.load(Path(config_path))
        from agent.wiring import serve  # the heavy part, once the config is known good

        asyncio.run(serve(config))
    except Exception as error:
        failure = _ballast_error(error)
        if failure is None:
            log.critical("daemon_crashed", exc_info=True)
            return 1
        log.critical("daemon_failed", error=f"{type(failure).__name__}: {failure}")
        return 2
    return 0


def _ballast_error(error: BaseException) -> BallastError | None:
    """The BallastError that stopped the daemon, also when a TaskGroup it was raised
    through (the executor's) wrapped it, alone, in an ExceptionGroup."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error if isinstance(error, BallastError) else None
