"""Liquidations of an Aave v3 account, from the Pool's ``LiquidationCall`` logs: the
filter that finds them and the evidence each gives (Aave v3 IPool: collateralAsset,
debtAsset and user indexed, in that order)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.evm.abi import ContractAbi

POOL = ContractAbi.load("IPool")


def log_filter(pool: str, account: str, from_block: int, to_block: int) -> dict[str, object]:
    """eth_getLogs filter for the Pool's ``LiquidationCall`` events against ``account``."""
    user = "0x" + account.lower().removeprefix("0x").rjust(64, "0")
    topic = "0x" + POOL.event_topic("LiquidationCall").hex()
    return {
        "address": pool, "fromBlock": hex(from_block), "toBlock": hex(to_block),
        "topics": [topic, None, None, user],
    }  # fmt: skip


def evidence(logs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each LiquidationCall log as evidence: transaction, block, amounts, liquidator."""
    found = []
    for log in logs:
        decoded = POOL.decode_log(log)
        if decoded is None or decoded[0] != "LiquidationCall":
            continue
        values = decoded[1]
        found.append(
            f"LiquidationCall tx {log['transactionHash']} block {int(log['blockNumber'], 16)}:"
            f" debt covered {values['debtToCover']}, collateral taken"
            f" {values['liquidatedCollateralAmount']} (smallest units), liquidator"
            f" {values['liquidator']}"
        )
    return found
