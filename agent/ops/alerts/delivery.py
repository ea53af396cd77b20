"""Delivering notices to webhooks without ever holding up or breaking a tick.

``notify`` never blocks and never raises: it drops a repeat of a notice sent less than
``repeat_after_s`` ago (unless it is more severe; the next delivery says how many
were suppressed) and puts the rest on a bounded queue, dropping and counting when the
queue is full. ``run`` is a background task in the daemon's TaskGroup: it posts each
notice to every webhook whose ``min_severity`` it reaches, within a per-webhook rate
limit (a token bucket of ``max_per_minute``), each post bounded by ``timeout_s``. A
failed post is logged (the webhook by name, never its URL) and counted. On stop it
announces the stop and drains what is queued, bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import aiohttp
import structlog
from pydantic import SecretStr

from agent.config.models import AlertDeliverySettings, WebhookSettings
from agent.ops.alerts.formats import payload
from agent.ops.alerts.notices import Notice
from agent.ops.redaction import redact
from agent.policy.alerts import Severity

log = structlog.get_logger(__name__)


@dataclass
class Sink:
    """One webhook: its name (for logs and metrics), format, secret URL and threshold."""

    name: str
    format: str
    url: SecretStr
    min_severity: Severity = Severity.WARNING
    chat_id: str | None = None
    tokens: float = 0.0
    refilled_at: float = field(default=0.0)

    @classmethod
    def from_settings(cls, index: int, settings: WebhookSettings) -> Sink:
        return cls(
            name=settings.name or f"{settings.format}-{index}",
            format=settings.format,
            url=settings.url,
            min_severity=Severity(settings.min_severity),
            chat_id=settings.chat_id,
        )


class AlertDispatcher:
    """The queue between the tick and the webhooks."""

    def __init__(
        self,
        sinks: Sequence[Sink],
        settings: AlertDeliverySettings,
        *,
        agent: str,
        monotonic: Callable[[], float],
    ) -> None:
        self.sinks = list(sinks)
        self.settings = settings
        self.agent = agent
        self.monotonic = monotonic
        self.counts: Counter[tuple[str, str]] = Counter()
        self.queue: asyncio.Queue[Notice] = asyncio.Queue(maxsize=settings.queue_size)
        self._session: aiohttp.ClientSession | None = None
        self._last_sent: dict[str, tuple[float, Severity]] = {}
        self._suppressed: Counter[str] = Counter()
        for sink in self.sinks:
            sink.tokens = float(settings.max_per_minute)
            sink.refilled_at = monotonic()

    # --- the tick's side: never blocks --------------------------------------------------

    def notify(self, notice: Notice) -> None:
        """Queue ``notice`` unless it repeats a recent one or the queue is full."""
        if not self.sinks:
            return
        now = self.monotonic()
        last = self._last_sent.get(notice.key)
        recent = last is not None and now - last[0] < self.settings.repeat_after_s
        if recent and last is not None and notice.severity.rank <= last[1].rank:
            self._suppressed[notice.key] += 1
            self.counts[("*", "suppressed")] += 1
            return
        self._last_sent[notice.key] = (now, notice.severity)
        repeats = self._suppressed.pop(notice.key, 0)
        if repeats:
            notice = replace(notice, text=f"{notice.text} ({repeats} repeats suppressed)")
        try:
            self.queue.put_nowait(notice)
        except asyncio.QueueFull:
            self.counts[("*", "dropped")] += 1
            if self.counts[("*", "dropped")] % 100 == 1:
                log.warning("alert_queue_full", dropped=self.counts[("*", "dropped")])

    # --- the background task -------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop``, then announce the stop and drain (bounded)."""
        if not self.sinks:
            return
        self.notify(self._lifecycle("started", "The agent started."))
        try:
            while not stop.is_set():
                notice = await self._next(stop)
                if notice is not None:
                    await self._deliver_safely(notice)
            self.notify(self._lifecycle("stopping", "The agent is stopping (signal received)."))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.timeout_s * 2):
                    while not self.queue.empty():
                        await self._deliver_safely(self.queue.get_nowait())
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (``run`` does it when it ends)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _deliver_safely(self, notice: Notice) -> None:
        """``deliver``, and a bug in it is logged: this task shares the daemon's TaskGroup,
        where an exception would stop the hedging loop."""
        try:
            await self.deliver(notice)
        except Exception:
            self.counts[("*", "failed")] += 1
            log.exception("alert_delivery_crashed", key=notice.key)

    def _lifecycle(self, what: str, text: str) -> Notice:
        return Notice(f"lifecycle:{what}", Severity.WARNING, f"Agent {what}", text,
                      datetime.now(UTC))  # fmt: skip

    async def _next(self, stop: asyncio.Event) -> Notice | None:
        getter = asyncio.ensure_future(self.queue.get())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait([getter, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return getter.result()
        return None

    async def deliver(self, notice: Notice) -> None:
        """Post ``notice`` to every sink that wants it; never raises (but for cancel)."""
        notice = replace(
            notice,
            title=redact(notice.title),
            text=redact(notice.text),
            fields={k: redact(v) for k, v in notice.fields.items()},
        )
        for sink in self.sinks:
            if notice.severity.rank < sink.min_severity.rank:
                continue
            if not self._take_token(sink):
                self.counts[(sink.name, "rate_limited")] += 1
                continue
            body = payload(sink.format, notice, agent=self.agent, chat_id=sink.chat_id)
            self.counts[(sink.name, await self._post(sink, body))] += 1

    def _take_token(self, sink: Sink) -> bool:
        now = self.monotonic()
        rate = self.settings.max_per_minute / 60.0
        capacity = float(self.settings.max_per_minute)
        sink.tokens = min(capacity, sink.tokens + (now - sink.refilled_at) * rate)
        sink.refilled_at = now
        if sink.tokens < 1.0:
            return False
        sink.tokens -= 1.0
        return True

    async def _post(self, sink: Sink, body: dict[str, Any]) -> str:
        try:
            status = await self._send(sink.url.get_secret_value(), body)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            log.warning("alert_delivery_failed", sink=sink.name, error=type(error).__name__)
            return "failed"
        if 200 <= status < 300:
            return "sent"
        log.warning("alert_delivery_failed", sink=sink.name, status=status)
        return "failed"

    async def _send(self, url: str, body: dict[str, Any]) -> int:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout)
        async with self._session.post(url, json=body) as response:
            await response.read()
            return response.status
