"""Gas actually paid, counted from the receipts the executor already fetches.

``GasMeter`` wraps the executor's ``Rpc``: it forwards every call unchanged and, when
a reply is a receipt of a transaction sent by our account, adds
``gasUsed * effectiveGasPrice`` (wei) once per transaction hash. It costs no extra
request. A transaction later reorganised away stays counted: the meter reports what
was observed paid, the journal stays the record of what is final.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.ports import Rpc


def _quantity(value: object) -> int:
    return int(str(value), 16) if isinstance(value, str) else int(str(value or 0))


class GasMeter:
    """An ``Rpc`` that counts our account's gas spend on one chain."""

    def __init__(self, rpc: Rpc, *, account: str, chain_id: int) -> None:
        self.rpc = rpc
        self.account = account.lower()
        self.chain_id = chain_id
        self.gas_used = 0
        self.spent_wei = 0
        self.transactions = 0
        self._seen: set[str] = set()

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        result = await self.rpc.request(method, params)
        if method == "eth_getTransactionReceipt" and isinstance(result, dict):
            self._count(result)
        return result

    def _count(self, receipt: dict[str, Any]) -> None:
        tx_hash = str(receipt.get("transactionHash", "")).lower()
        if not tx_hash or tx_hash in self._seen or receipt.get("blockHash") is None:
            return
        if str(receipt.get("from", "")).lower() != self.account:
            return
        self._seen.add(tx_hash)
        used = _quantity(receipt.get("gasUsed"))
        self.gas_used += used
        self.spent_wei += used * _quantity(receipt.get("effectiveGasPrice"))
        self.transactions += 1
