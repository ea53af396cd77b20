"""Status shows each venue's account settings (margin model, per-asset leverage)."""

from __future__ import annotations

from agent.control.client import format_status
from agent.control.status import AgentStatus, to_json


def test_status_lists_each_venues_margin_settings() -> None:
    agent = AgentStatus(
        account_settings={
            "deribit": {"margin_model": "cross_sm"},
            "hyperliquid": {"BTC": "isolated 10x", "ETH": "cross 20x"},
        }
    )
    text = format_status({"kill_switch": {"state": "active"}, "agent": to_json(agent)})
    assert "deribit: margin_model cross_sm" in text
    assert "hyperliquid: BTC isolated 10x, ETH cross 20x" in text
