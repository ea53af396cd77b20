"""LocalKeySigner: the chain id is checked before every signature; the key never shows."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import structlog
from eth_account import Account
from pydantic import SecretStr

from agent.errors import ConfigError, InvariantViolation
from connectors.evm.signer import LocalKeySigner

KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def transaction(**changes: Any) -> dict[str, object]:
    fields: dict[str, object] = {
        "chainId": 31337, "nonce": 7, "to": ADDRESS, "value": 1, "data": b"", "gas": 21_000,
        "maxFeePerGas": 2 * 10**9, "maxPriorityFeePerGas": 10**9,
    }  # fmt: skip
    return fields | changes


async def test_signs_for_its_chain() -> None:
    signer = LocalKeySigner(SecretStr(KEY), chain_id=31337)
    signed = await signer.sign_transaction(transaction())
    assert signer.address == ADDRESS
    assert (signed.nonce, signed.chain_id) == (7, 31337)
    assert Account.recover_transaction(signed.raw) == ADDRESS
    assert signed.hash.startswith("0x")
    assert len(signed.hash) == 66


@pytest.mark.parametrize("chain_id", [1, "31337", None])
async def test_refuses_any_other_chain(chain_id: object) -> None:
    signer = LocalKeySigner(bytes.fromhex(KEY[2:]), chain_id=31337)
    with pytest.raises(InvariantViolation, match="refusing to sign"):
        await signer.sign_transaction(transaction(chainId=chain_id))


async def test_refuses_an_incomplete_transaction() -> None:
    signer = LocalKeySigner(SecretStr(KEY), chain_id=31337)
    incomplete = transaction()
    del incomplete["maxFeePerGas"]
    with pytest.raises(InvariantViolation, match="lacks maxFeePerGas"):
        await signer.sign_transaction(incomplete)


async def test_the_key_never_shows(capsys: pytest.CaptureFixture[str]) -> None:
    signer = LocalKeySigner(SecretStr(KEY), chain_id=31337)
    shown = [repr(signer), str(signer), f"{signer}"]
    with pytest.raises(InvariantViolation) as refused:
        await signer.sign_transaction(transaction(chainId=1))
    shown.append(str(refused.value))
    with pytest.raises(InvariantViolation) as broken:
        await signer.sign_transaction(transaction(gas="lots"))
    shown.append(str(broken.value))
    structlog.get_logger().info("signer", signer=signer)
    shown.append(capsys.readouterr().out)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(signer)
    assert not any(KEY[2:] in text.lower() for text in shown), shown


def test_a_malformed_key_is_a_config_error_without_the_key() -> None:
    with pytest.raises(ConfigError) as error:
        LocalKeySigner(SecretStr("0x1234"), chain_id=1)
    assert "1234" not in str(error.value)
