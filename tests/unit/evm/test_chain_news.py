"""Who a tick's logs name, and when the logs cannot be trusted to tell every change
(``chain_news``); the whole path runs against anvil in
tests/integration/evm/test_aave_local.py (a rewind, a gap)."""

from __future__ import annotations

from connectors.evm.chain_news import _log_doubt, named_in

ALICE = "0x" + "a1" * 20
BOB = "0x" + "b0" * 20
SIGNATURE = "0x" + "dd" * 32  # topic 0: the event's signature, never an account


def _word(address: str) -> str:
    return "0" * 24 + address[2:]


def _log(number: int, block_hash: str, **extra: object) -> dict[str, object]:
    return {"blockNumber": hex(number), "blockHash": block_hash, "topics": [SIGNATURE],
            "data": "0x"} | extra  # fmt: skip


def test_accounts_named_in_topics_and_data_words() -> None:
    transfer = {"topics": [SIGNATURE, "0x" + _word(ALICE)], "data": "0x" + _word(BOB)}
    amount = {"topics": [SIGNATURE], "data": "0x" + "ff" * 32}  # not an address
    signature_only = {"topics": ["0x" + _word(ALICE)], "data": "0x"}
    assert named_in([transfer, amount, signature_only]) == {ALICE, BOB}


def test_logs_that_cannot_be_trusted() -> None:
    known = {10: "0xaa", 12: "0xcc"}
    assert _log_doubt([_log(10, "0xaa"), _log(11, "0xbb"), _log(12, "0xcc")], known, 10) is None
    assert "removed" in str(_log_doubt([_log(11, "0xbb", removed=True)], known, 10))
    assert "another block" in str(_log_doubt([_log(12, "0xc0")], known, 10))
    assert "before the range" in str(_log_doubt([_log(9, "0x99")], known, 10))
    assert "malformed" in str(_log_doubt([{"blockNumber": "x"}], known, 10))
