"""The config of running for real: key sources, systemd credentials, webhooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent import config as config_module
from agent.config.models import Config
from agent.errors import ConfigError

KEY = "0x" + "11" * 32


def _document(account: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "chains": {
            "c": {
                "chain_id": 1, "rpc_urls": ["http://127.0.0.1:8545"], "account": account,
                "gas": {"max_fee_gwei": 1, "max_priority_fee_gwei": 0.1,
                        "emergency_max_fee_gwei": 2, "emergency_max_priority_fee_gwei": 0.2},
                "tokens": {},
            }
        },
        "venues": {},
        "underlyings": {},
        "limits": {
            "max_notional_per_action_usd": 1, "max_notional_per_hour_usd": 1, "venue_caps": {},
        },
        **extra,
    }  # fmt: skip


def _validate(document: dict[str, Any], base_dir: Path | None = None) -> Config:
    return config_module.validate(document, source="ballast.toml", base_dir=base_dir)


ADDRESS = "0x" + "ab" * 20


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ({}, "exactly one of private_key, keystore or remote_signer"),
        (
            {"private_key": "env:K", "remote_signer": "http://127.0.0.1:9000"},
            "exactly one of",
        ),
        ({"keystore": __file__}, "a keystore needs keystore_password"),
        ({"keystore": "/no/such/k.json", "keystore_password": "env:K"}, "no keystore file at"),
        ({"private_key": "env:EMPTY"}, "environment variable EMPTY is empty"),
        ({"private_key": "env:K", "keystore_password": "env:K"}, "without a keystore"),
        ({"private_key": "env:K", "remote_signer_token": "env:K"}, "without a remote_signer"),
        ({"remote_signer": "ftp://signer"}, "must start with http"),
        ({"remote_signer": "http://s", "remote_signer_api": "eth_sign"}, "remote_signer_api"),
    ],
)
def test_an_account_has_exactly_one_valid_key_source(
    monkeypatch: pytest.MonkeyPatch, account: dict[str, Any], message: str
) -> None:
    monkeypatch.setenv("K", KEY)
    monkeypatch.setenv("EMPTY", "")
    with pytest.raises(ConfigError, match=message) as raised:
        _validate(_document({"address": ADDRESS, **account}))
    assert "chains.c.account" in str(raised.value)


def test_a_remote_signer_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNER_TOKEN", "a-long-bearer-token")
    account = {
        "address": ADDRESS,
        "remote_signer": "http://127.0.0.1:9000/",
        "remote_signer_api": "account_signTransaction",
        "remote_signer_token": "env:SIGNER_TOKEN",
    }
    settings = _validate(_document(account)).chains["c"].account
    assert settings.remote_signer is not None
    assert settings.remote_signer_api == "account_signTransaction"
    assert "a-long-bearer-token" not in repr(settings)


def test_systemd_credentials_resolve_through_credentials_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "keystore-password").write_text("correct horse battery\n")
    (tmp_path / "agent-keystore.json").write_text("{}")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    account = {
        "address": ADDRESS,
        "keystore": "${CREDENTIALS_DIRECTORY}/agent-keystore.json",
        "keystore_password": "file:${CREDENTIALS_DIRECTORY}/keystore-password",
    }
    settings = _validate(_document(account)).chains["c"].account
    assert settings.keystore == tmp_path / "agent-keystore.json"
    assert settings.keystore_password is not None
    assert settings.keystore_password.get_secret_value() == "correct horse battery"


def test_a_credential_outside_systemd_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    account = {"address": ADDRESS, "private_key": "file:${CREDENTIALS_DIRECTORY}/agent-key"}
    with pytest.raises(ConfigError, match=r"CREDENTIALS_DIRECTORY is not set .*LoadCredential"):
        _validate(_document(account))


def test_a_relative_keystore_is_next_to_the_config(tmp_path: Path) -> None:
    account = {"address": ADDRESS, "keystore": "keys/agent.json", "keystore_password": "file:pw"}
    (tmp_path / "pw").write_text("pw")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "agent.json").write_text("{}")
    settings = _validate(_document(account), base_dir=tmp_path).chains["c"].account
    assert settings.keystore == tmp_path / "keys" / "agent.json"


def test_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K", KEY)
    monkeypatch.setenv("TG", "https://api.telegram.org/bot123:abc/sendMessage")
    hooks = [
        {"format": "slack", "url": "https://hooks.slack.com/services/T/B/X"},
        {"format": "telegram", "url": "env:TG", "chat_id": "-100", "min_severity": "critical"},
    ]
    document = _document({"address": ADDRESS, "private_key": "env:K"},
                         alerts={"webhooks": hooks, "delivery": {"max_per_minute": 5}})  # fmt: skip
    alerts = _validate(document).alerts
    assert [w.format for w in alerts.webhooks] == ["slack", "telegram"]
    assert alerts.delivery.max_per_minute == 5
    hooks[1].pop("chat_id")
    with pytest.raises(ConfigError, match="chat_id is required for telegram"):
        _validate(document)
