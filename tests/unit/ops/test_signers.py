"""Keystore and remote signers without a chain: what they sign, and what they refuse.

(Signing and sending on the local world: tests/e2e/test_ops_keys.py.)"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from eth_account import Account
from pydantic import SecretStr

from agent.errors import ConfigError, InvariantViolation, RejectedError
from agent.ops.redaction import MASK, redact
from connectors.evm.keystore import keystore_signer
from connectors.evm.remote_signer import RemoteSigner
from sim.remote_signer import LocalRemoteSigner

CHAIN = 31337
TOKEN = "signer-bearer-token-" + "x" * 8


def _transaction(**changes: object) -> dict[str, object]:
    return {
        "type": 2, "chainId": CHAIN, "nonce": 7, "to": "0x" + "22" * 20, "value": 5,
        "data": b"\x01\x02", "gas": 50_000, "maxFeePerGas": 3 * 10**9,
        "maxPriorityFeePerGas": 10**9, **changes,
    }  # fmt: skip


@pytest.fixture
def key() -> str:
    return "0x" + secrets.token_hex(32)


@pytest.fixture
async def signer_service(key: str) -> AsyncIterator[LocalRemoteSigner]:
    async with LocalRemoteSigner([key], token=TOKEN, path="/signer") as service:
        yield service


def _remote(service: LocalRemoteSigner, key: str, api: str = "eth_signTransaction") -> RemoteSigner:
    address = Account.from_key(key).address
    return RemoteSigner(SecretStr(service.url), address=address, chain_id=CHAIN, api=api,
                        token=SecretStr(TOKEN), timeout_s=5)  # fmt: skip


@pytest.mark.parametrize("api", ["eth_signTransaction", "account_signTransaction"])
async def test_a_remote_signature_is_exactly_the_transaction_asked_for(
    signer_service: LocalRemoteSigner, key: str, api: str
) -> None:
    async with _remote(signer_service, key, api) as signer:
        await signer.verify()
        signed = await signer.sign_transaction(_transaction())
    expected = Account.from_key(key).sign_transaction(_transaction())
    assert signed.raw == bytes(expected.raw_transaction)
    assert signed.hash == "0x" + bytes(expected.hash).hex()
    request = signer_service.signatures()[0]
    assert request["method"] == api
    sent = request["params"][0]
    assert sent["chainId"] == hex(CHAIN)
    assert sent["data" if api == "eth_signTransaction" else "input"] == "0x0102"
    assert TOKEN not in repr(signer)
    assert signer_service.url not in repr(signer)


async def test_the_chain_id_is_checked_before_the_signer_is_asked(
    signer_service: LocalRemoteSigner, key: str
) -> None:
    async with _remote(signer_service, key) as signer:
        with pytest.raises(InvariantViolation, match="refusing to sign for chain 1"):
            await signer.sign_transaction(_transaction(chainId=1))
    assert signer_service.signatures() == []


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("tamper", "different transaction \\(to\\)"),
        ("chain_id", "different transaction \\(chainId"),
    ],
)
async def test_a_signer_that_signs_something_else_is_refused(
    signer_service: LocalRemoteSigner, key: str, fault: str, message: str
) -> None:
    if fault == "tamper":
        signer_service.faults.tamper = True
    else:
        signer_service.faults.chain_id = 1
    async with _remote(signer_service, key) as signer:
        with pytest.raises(InvariantViolation, match=message):
            await signer.sign_transaction(_transaction())


async def test_a_signer_without_our_key_or_with_other_credentials_is_refused(
    signer_service: LocalRemoteSigner, key: str
) -> None:
    stranger = RemoteSigner(SecretStr(signer_service.url), address="0x" + "33" * 20,
                            chain_id=CHAIN, token=SecretStr(TOKEN))  # fmt: skip
    async with stranger:
        with pytest.raises(ConfigError, match="does not hold 0x3333"):
            await stranger.verify()
    intruder = RemoteSigner(SecretStr(signer_service.url), address=Account.from_key(key).address,
                            chain_id=CHAIN, token=SecretStr("wrong-token-123"))  # fmt: skip
    async with intruder:
        with pytest.raises(RejectedError, match="refused our credentials"):
            await intruder.sign_transaction(_transaction())
    signer_service.faults.refuse = "signing is disabled"
    async with _remote(signer_service, key) as signer:
        with pytest.raises(RejectedError, match="refused: signing is disabled"):
            await signer.sign_transaction(_transaction())


def test_a_keystore_unlocks_with_its_password_only(tmp_path: Path, key: str) -> None:
    password = "pw-" + secrets.token_hex(8)
    path = tmp_path / "agent.json"
    path.write_text(json.dumps(Account.encrypt(key, password, iterations=2**10)))
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="wrong password") as raised:
        keystore_signer(path, SecretStr("not-" + password), chain_id=CHAIN)
    assert password not in str(raised.value)
    signer = keystore_signer(path, SecretStr(password), chain_id=CHAIN)
    assert signer.address == Account.from_key(key).address
    assert redact(f"leaked {key}") == f"leaked {MASK}", "the decrypted key is registered"
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(ConfigError, match="not a JSON keystore"):
        keystore_signer(tmp_path / "bad.json", SecretStr(password), chain_id=CHAIN)
