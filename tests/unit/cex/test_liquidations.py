"""Whose liquidation a fill or trade records (connectors.cex.liquidations).

The e2e drill (tests/e2e/test_external.py) proves the simulators' liquidations are found;
these cover the sides a simulator does not produce: being the liquidator's counterparty.
"""

from __future__ import annotations

from connectors.cex.liquidations import deribit_liquidations, hyperliquid_liquidations

US, THEM = "0x" + "11" * 20, "0x" + "22" * 20


def hl_fill(tid: int, liquidation: dict[str, object] | None) -> dict[str, object]:
    fill: dict[str, object] = {
        "coin": "ETH", "px": "2500.0", "sz": "1.5", "side": "A", "dir": "Close Long",
        "hash": "0x" + "ab" * 32, "tid": tid,
    }  # fmt: skip
    if liquidation is not None:
        fill["liquidation"] = liquidation
    return fill


def test_a_hyperliquid_fill_is_evidence_only_when_it_liquidated_us() -> None:
    fills = [
        hl_fill(1, None),  # our own trade
        hl_fill(2, {"liquidatedUser": THEM, "markPx": "2500.0", "method": "market"}),
        hl_fill(3, {"liquidatedUser": US.upper().replace("0X", "0x"), "markPx": "2499.5",
                    "method": "backstop"}),
    ]  # fmt: skip
    [found] = hyperliquid_liquidations(fills, US)
    assert "tid 3 " in found
    assert "backstop" in found


def deribit_trade(trade_id: str, liquidity: str, mark: str | None, at: int) -> dict[str, object]:
    trade: dict[str, object] = {
        "trade_id": trade_id, "liquidity": liquidity, "timestamp": at, "direction": "sell",
        "amount": 10.0, "instrument_name": "ETH_USDC-PERPETUAL", "price": 2500.0,
    }  # fmt: skip
    if mark is not None:
        trade["liquidation"] = mark
    return trade


def test_a_deribit_trade_is_evidence_when_our_side_was_under_liquidation() -> None:
    trades = [
        deribit_trade("ETH-1", "T", None, 1_000),  # an ordinary trade
        deribit_trade("ETH-2", "M", "T", 1_000),  # we took over someone's liquidation
        deribit_trade("ETH-3", "T", "T", 1_000),
        deribit_trade("ETH-4", "M", "MT", 1_000),
        deribit_trade("ETH-5", "T", "T", 5_000),  # after the span
    ]
    found = deribit_liquidations(trades, 500, 2_000)
    assert [line.split(":")[0] for line in found] == [
        "liquidation trade ETH-3",
        "liquidation trade ETH-4",
    ]
