"""One payload per webhook format; every string already redacted by the caller.

- ``json``: a flat generic document (``source``, ``agent``, ``severity``, ``key``,
  ``title``, ``text``, ``at``, ``fields``) for anything that takes JSON.
- ``slack``: an incoming-webhook message, ``text`` (the fallback shown in
  notifications) and Block Kit ``blocks`` (header, section, context).
- ``discord``: an execute-webhook body with one embed (title, description, colour by
  severity, ISO timestamp, inline fields) and mentions disabled.
- ``telegram``: a Bot API ``sendMessage`` body (``chat_id``, plain ``text``, no link
  previews, Bot API 7+); plain text needs no escaping.

Each format's size limits are respected by cutting long text with an ellipsis.
"""

from __future__ import annotations

from typing import Any

from agent.ops.alerts.notices import Notice
from agent.policy.alerts import Severity

_ICON = {Severity.INFO: "i", Severity.WARNING: "!", Severity.CRITICAL: "!!"}
_DISCORD_COLOUR = {Severity.INFO: 0x3498DB, Severity.WARNING: 0xF1C40F, Severity.CRITICAL: 0xE74C3C}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _headline(notice: Notice, agent: str) -> str:
    return f"[{notice.severity.value.upper()}] {agent}: {notice.title}"


def generic(notice: Notice, agent: str) -> dict[str, Any]:
    return {
        "source": "ballast",
        "agent": agent,
        "severity": notice.severity.value,
        "key": notice.key,
        "title": notice.title,
        "text": notice.text,
        "at": notice.at.isoformat(),
        "fields": dict(notice.fields),
    }


def slack(notice: Notice, agent: str) -> dict[str, Any]:
    details = " | ".join(f"*{k}*: {v}" for k, v in notice.fields.items())
    context = f"{agent} · {notice.severity.value} · {notice.at.isoformat()}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": _cut(f"{_ICON[notice.severity]} {notice.title}", 150),
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(notice.text, 3000)}},
    ]
    if details:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(details, 3000)}})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(context, 3000)}]}
    )
    return {"text": _cut(f"{_headline(notice, agent)}: {notice.text}", 3000), "blocks": blocks}


def discord(notice: Notice, agent: str) -> dict[str, Any]:
    fields = [
        {"name": _cut(k, 256), "value": _cut(v or "-", 1024), "inline": True}
        for k, v in list(notice.fields.items())[:25]
    ]
    embed = {
        "title": _cut(notice.title, 256),
        "description": _cut(notice.text, 4096),
        "color": _DISCORD_COLOUR[notice.severity],
        "timestamp": notice.at.isoformat(),
        "footer": {"text": _cut(f"{agent} · {notice.severity.value}", 2048)},
        "fields": fields,
    }
    return {"username": "Ballast", "embeds": [embed], "allowed_mentions": {"parse": []}}


def telegram(notice: Notice, agent: str, chat_id: str) -> dict[str, Any]:
    lines = [_headline(notice, agent), notice.text]
    lines += [f"{k}: {v}" for k, v in notice.fields.items()]
    return {
        "chat_id": chat_id,
        "text": _cut("\n".join(lines), 4096),
        "link_preview_options": {"is_disabled": True},
    }


def payload(format_name: str, notice: Notice, *, agent: str, chat_id: str | None) -> dict[str, Any]:
    """The body to POST for ``notice`` in ``format_name``."""
    if format_name == "slack":
        return slack(notice, agent)
    if format_name == "discord":
        return discord(notice, agent)
    if format_name == "telegram":
        return telegram(notice, agent, chat_id or "")
    return generic(notice, agent)
