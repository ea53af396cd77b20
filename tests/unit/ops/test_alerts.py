"""Alert notices: what is told, in which format, and how delivery keeps the tick free.

Delivery goes to a real HTTP receiver on loopback; nothing is mocked but the clock that
decides rate limits and repeats."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import structlog
from pydantic import SecretStr

from agent.config.models import AlertDeliverySettings, Config
from agent.control.killswitch import KillTransition
from agent.intents import Action, Intent, KillState, Outcome, OutcomeStatus
from agent.model import Health, HealthKind, VenueSnapshot
from agent.ops.alerts import AlertDispatcher, Notice, NoticeRules, Sink
from agent.ops.alerts.formats import payload
from agent.ops.alerts.notices import kill_notice
from agent.ops.redaction import register
from agent.policy.alerts import Severity
from agent.tick.checks import InputReport
from agent.tick.reading import VenueRead
from agent.tick.report import TickReport
from tests.support.webhook_receiver import Behaviour, WebhookReceiver

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _notice(key: str = "k", severity: Severity = Severity.WARNING, text: str = "t") -> Notice:
    return Notice(key, severity, f"title {key}", text, AT, {"health": "1.2"})


def _config(streak: int = 2) -> Config:
    from agent import config as config_module

    return config_module.validate(
        {
            "venues": {},
            "underlyings": {},
            "limits": {
                "max_notional_per_action_usd": 1, "max_notional_per_hour_usd": 1, "venue_caps": {},
            },
            "health": {"lending_trigger": 1.3, "lending_target": 1.6},
            "alerts": {"delivery": {"failure_streak": streak}},
        },
        source="test.toml",
    )  # fmt: skip


def _report(
    *, health: float | None = None, error: str | None = None, read_error: str | None = None,
    outcomes: tuple[Outcome, ...] = (), intents: tuple[Intent, ...] = (),
) -> TickReport:  # fmt: skip
    reads = {}
    if health is not None:
        snapshot = VenueSnapshot(
            "aave", AT, health=(Health("aave", HealthKind.LENDING, health, 100.0, 50.0),)
        )
        reads["aave"] = VenueRead("aave", snapshot, fresh=read_error is None, error=read_error)
    empty = InputReport((), frozenset())
    return TickReport(AT, reads, empty, None, intents, outcomes, error=error)


# --- what is told ---------------------------------------------------------------------


def test_health_under_trigger_is_told_while_it_lasts_then_its_restoration() -> None:
    rules = NoticeRules(_config(), lambda notice: None)
    assert list(rules.notices(_report(health=1.5))) == []
    under = list(rules.notices(_report(health=1.25)))
    assert [(n.key, n.severity) for n in under] == [("health:aave", Severity.WARNING)]
    assert "1.250" in under[0].text
    critical = list(rules.notices(_report(health=1.05)))
    assert critical[0].severity is Severity.CRITICAL
    restored = list(rules.notices(_report(health=1.7)))
    assert [(n.key, n.severity) for n in restored] == [("health:aave:restored", Severity.INFO)]
    assert list(rules.notices(_report(health=1.7))) == []


def test_repeated_failures_are_told_after_the_streak_and_their_recovery_once() -> None:
    rules = NoticeRules(_config(streak=2), lambda notice: None)
    first = list(rules.notices(_report(error="TransientError: rpc", health=1.5, read_error="x")))
    assert first == [], "one failure is not a streak"
    second = list(rules.notices(_report(error="TransientError: rpc", health=1.5, read_error="x")))
    assert {n.key for n in second} == {"streak:tick", "streak:venue:aave"}
    assert all("2 failures in a row" in n.text for n in second)
    recovered = list(rules.notices(_report(health=1.5)))
    assert {n.key for n in recovered} == {"streak:tick:recovered", "streak:venue:aave:recovered"}


def test_intent_failures_and_actions() -> None:
    rules = NoticeRules(_config(streak=2), lambda notice: None)
    intent = Intent("gmx", Action.SELL, "ETH", 2.5, reason="delta off target", created_at=AT)
    failed = Outcome(intent.intent_id, OutcomeStatus.FAILED, "gmx", detail="reverted")
    filled = Outcome(intent.intent_id, OutcomeStatus.FILLED, "gmx", reference="0xabc")
    assert list(rules.notices(_report(intents=(intent,), outcomes=(failed,)))) == []
    streak = list(rules.notices(_report(intents=(intent,), outcomes=(failed,))))
    assert [n.key for n in streak] == ["streak:intents"]
    acted = list(rules.notices(_report(intents=(intent,), outcomes=(filled,))))
    assert [n.severity for n in acted] == [Severity.INFO, Severity.INFO]
    assert acted[1].title == "Sell 2.5 ETH on gmx"


def test_kill_switch_transitions_are_critical_when_trading_stops() -> None:
    halted = KillTransition(AT, KillState.ACTIVE, KillState.HALTED, "ops@host", "manual", False)
    reduce = KillTransition(AT, KillState.ACTIVE, KillState.REDUCE_ONLY, "automatic", "stale",
                            True)  # fmt: skip
    assert kill_notice(halted).severity is Severity.CRITICAL
    assert "by ops@host: manual" in kill_notice(halted).text
    assert kill_notice(reduce).severity is Severity.WARNING
    assert kill_notice(reduce).text == "Set automatically: stale"


# --- formats --------------------------------------------------------------------------


def test_each_format_has_its_service_shape() -> None:
    notice = _notice(severity=Severity.CRITICAL, text="x" * 5000)
    generic = payload("json", notice, agent="a", chat_id=None)
    assert generic["severity"] == "critical"
    assert generic["fields"] == {"health": "1.2"}
    slack = payload("slack", notice, agent="a", chat_id=None)
    assert slack["blocks"][0]["type"] == "header"
    assert slack["blocks"][0]["text"]["type"] == "plain_text"
    assert len(slack["blocks"][1]["text"]["text"]) == 3000
    assert slack["text"].startswith("[CRITICAL] a: title k")
    discord = payload("discord", notice, agent="a", chat_id=None)
    embed = discord["embeds"][0]
    assert embed["color"] == 0xE74C3C
    assert len(embed["description"]) == 4096
    assert embed["fields"] == [{"name": "health", "value": "1.2", "inline": True}]
    assert discord["allowed_mentions"] == {"parse": []}
    telegram = payload("telegram", notice, agent="a", chat_id="-1001")
    assert telegram["chat_id"] == "-1001"
    assert len(telegram["text"]) == 4096
    assert "parse_mode" not in telegram, "plain text: nothing to escape"


# --- delivery -------------------------------------------------------------------------


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver() as running:
        yield running


def _dispatcher(
    receiver: WebhookReceiver, clock: FakeMonotonic, *sinks: tuple[str, str, str], **settings: Any
) -> AlertDispatcher:
    built = [
        Sink(name, kind, SecretStr(receiver.url(f"/{name}")), Severity(level), chat_id="42")
        for name, kind, level in sinks
    ]
    return AlertDispatcher(
        built, AlertDeliverySettings(**settings), agent="test-agent", monotonic=clock
    )


async def _stopped(
    dispatcher: AlertDispatcher, task: asyncio.Task[None], stop: asyncio.Event
) -> None:
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_notices_reach_every_webhook_at_its_severity(receiver: WebhookReceiver) -> None:
    clock = FakeMonotonic()
    dispatcher = _dispatcher(
        receiver, clock, ("hooks", "json", "info"), ("slack", "slack", "warning"),
        ("discord", "discord", "critical"), ("telegram", "telegram", "warning"),
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    dispatcher.notify(_notice("info", Severity.INFO))
    dispatcher.notify(_notice("crit", Severity.CRITICAL))
    await receiver.wait_for(3, "/hooks")  # started, info, critical
    await receiver.wait_for(1, "/discord")
    await _stopped(dispatcher, task, stop)
    keys = [b["key"] for b in receiver.at("/hooks")]
    assert sorted(keys[:3]) == ["crit", "info", "lifecycle:started"]
    assert keys[3:] == ["lifecycle:stopping"]
    assert len(receiver.at("/slack")) == 3
    assert [e["embeds"][0]["title"] for e in receiver.at("/discord")] == ["title crit"]
    assert receiver.at("/telegram")[1]["chat_id"] == "42"
    assert dispatcher.counts[("hooks", "sent")] == 4


async def test_repeats_are_suppressed_then_counted(receiver: WebhookReceiver) -> None:
    clock = FakeMonotonic()
    dispatcher = _dispatcher(receiver, clock, ("hooks", "json", "warning"), repeat_after_s=60)
    for _ in range(3):
        dispatcher.notify(_notice("same"))
    dispatcher.notify(_notice("same", Severity.CRITICAL))  # more severe: goes through
    clock.now += 61
    dispatcher.notify(_notice("same", Severity.CRITICAL))
    texts = [dispatcher.queue.get_nowait().text for _ in range(dispatcher.queue.qsize())]
    assert texts == ["t", "t (2 repeats suppressed)", "t"]
    assert dispatcher.counts[("*", "suppressed")] == 2


async def test_each_webhook_is_rate_limited(receiver: WebhookReceiver) -> None:
    clock = FakeMonotonic()
    dispatcher = _dispatcher(receiver, clock, ("hooks", "json", "warning"), max_per_minute=3)
    for index in range(6):
        await dispatcher.deliver(_notice(f"k{index}"))
    clock.now += 20  # one more token
    await dispatcher.deliver(_notice("later"))
    await dispatcher.aclose()
    assert [b["key"] for b in receiver.at("/hooks")] == ["k0", "k1", "k2", "later"]
    assert dispatcher.counts[("hooks", "rate_limited")] == 3


async def test_a_failing_or_hanging_webhook_never_blocks_the_tick_nor_raises(
    receiver: WebhookReceiver,
) -> None:
    token = secrets.token_hex(16)
    register(token)
    receiver.behaviour["/broken"] = Behaviour(status=500)
    receiver.behaviour[f"/slow/{token}"] = Behaviour(hold=asyncio.Event())
    clock = FakeMonotonic()
    sinks = [
        Sink("broken", "json", SecretStr(receiver.url("/broken")), Severity.INFO),
        Sink("slow", "json", SecretStr(receiver.url(f"/slow/{token}")), Severity.INFO),
    ]
    settings = AlertDeliverySettings(timeout_s=0.3, queue_size=2)
    dispatcher = AlertDispatcher(sinks, settings, agent="a", monotonic=clock)
    stop = asyncio.Event()
    with structlog.testing.capture_logs() as logs:
        task = asyncio.create_task(dispatcher.run(stop))
        for index in range(5):
            dispatcher.notify(_notice(f"k{index}"))  # returns at once, whatever happens
        await receiver.wait_for(1, "/broken")
        await _stopped(dispatcher, task, stop)
    assert dispatcher.counts[("*", "dropped")] >= 1
    assert dispatcher.counts[("broken", "failed")] >= 1
    assert dispatcher.counts[("slow", "failed")] >= 1
    failures = [e for e in logs if e["event"] == "alert_delivery_failed"]
    assert {e["sink"] for e in failures} == {"broken", "slow"}
    assert token not in repr(logs)


async def test_a_bug_in_delivery_is_logged_and_never_ends_the_task(
    receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("formatting bug")

    monkeypatch.setattr("agent.ops.alerts.delivery.payload", broken)
    dispatcher = _dispatcher(receiver, FakeMonotonic(), ("hooks", "json", "info"))
    stop = asyncio.Event()
    with structlog.testing.capture_logs() as logs:
        task = asyncio.create_task(dispatcher.run(stop))
        dispatcher.notify(_notice("a"))
        await _stopped(dispatcher, task, stop)
    assert task.exception() is None
    assert dispatcher.counts[("*", "failed")] >= 2  # started, a (and stopping)
    assert any(e["event"] == "alert_delivery_crashed" for e in logs)


def test_a_standby_tells_only_of_its_own_failing_ticks_not_the_book_s_news() -> None:
    rules = NoticeRules(_config(streak=2), lambda notice: None)
    assert [n.key for n in rules.notices(_report(health=1.05))] == ["health:aave"]
    standby = replace(_report(health=1.05), acting=False)  # the leader tells of it, once
    assert list(NoticeRules(_config(streak=2), lambda notice: None).notices(standby)) == []
    failing = NoticeRules(_config(streak=2), lambda notice: None)
    for _ in range(2):
        found = list(failing.notices(replace(_report(error="boom"), acting=False)))
    assert [n.title for n in found] == ["Ticks are failing"]  # a blind standby is news
