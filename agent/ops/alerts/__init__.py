"""Telling operators when the agent acts, degrades or stops: webhook notices.

notices.py   what is worth telling: kill-switch transitions, health under its
             trigger, repeated failures (ticks, venue reads, intents), policy alerts,
             actions taken; changes of role on a shared journal (failover, lost lease)
formats.py   one payload per webhook format: generic JSON, Slack, Discord, Telegram
delivery.py  a bounded queue and a background task; per-notice repeat suppression and
             a per-webhook rate limit; failures logged and counted, never raised
"""

from agent.ops.alerts.delivery import AlertDispatcher, Sink
from agent.ops.alerts.notices import Notice, NoticeRules, role_notice, watch_kill_switch

__all__ = [
    "AlertDispatcher",
    "Notice",
    "NoticeRules",
    "Sink",
    "role_notice",
    "watch_kill_switch",
]
