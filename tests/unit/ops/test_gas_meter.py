"""The gas meter counts what our transactions paid, once each, from receipts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.ops.gas import GasMeter

OURS = "0x" + "aa" * 20


class Node:
    """An Rpc answering receipts from a table."""

    def __init__(self, receipts: dict[str, dict[str, Any] | None]) -> None:
        self.receipts = receipts

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        assert method == "eth_getTransactionReceipt"
        return self.receipts[params[0]]


def _receipt(tx_hash: str, sender: str = OURS, *, mined: bool = True) -> dict[str, Any]:
    return {
        "transactionHash": tx_hash, "from": sender, "blockHash": "0xb" if mined else None,
        "gasUsed": hex(21_000), "effectiveGasPrice": hex(3 * 10**9),
    }  # fmt: skip


async def test_each_of_our_mined_transactions_counts_once() -> None:
    node = Node({
        "0x1": _receipt("0x1", OURS.upper().replace("0X", "0x")),
        "0x2": _receipt("0x2", "0x" + "bb" * 20),
        "0x3": _receipt("0x3", mined=False),
        "0x4": None,
    })  # fmt: skip
    meter = GasMeter(node, account=OURS, chain_id=1)
    for tx_hash in ("0x1", "0x1", "0x2", "0x3", "0x4", "0x1"):
        await meter.request("eth_getTransactionReceipt", [tx_hash])
    assert (meter.transactions, meter.gas_used, meter.spent_wei) == (1, 21_000, 21_000 * 3 * 10**9)
