"""Redaction: registered secrets and secret-shaped text never reach an output."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator

import pytest
import structlog
from pydantic import SecretStr

from agent import config as config_module
from agent.ops.logs import configure_logging
from agent.ops.redaction import MASK, SecretRegistry, redact, redact_data, register


@pytest.fixture
def key() -> str:
    """A fresh canary private key, registered."""
    value = "0x" + secrets.token_hex(32)
    register(value)
    return value


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log line of this test (structlog and the standard library), as the daemon
    would write them."""
    stream = io.StringIO()
    configure_logging(json_lines=True, level="debug", stream=stream)
    yield stream
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def test_a_registered_key_is_masked_in_any_case_and_without_its_prefix(key: str) -> None:
    text = f"a {key} b {key[2:].upper()} c {key[2:]}"
    assert redact(text) == f"a {MASK} b {MASK} c {MASK}"


def test_a_registered_url_masks_its_token_even_when_quoted_alone() -> None:
    token = secrets.token_hex(16)
    register(SecretStr(f"https://rpc.example.org/v3/{token}"))
    assert token not in redact(f"provider says: invalid project id {token}")
    assert token not in redact(f"https://rpc.example.org/v3/{token}")


def test_a_plain_url_keeps_its_host_but_not_its_path_or_credentials() -> None:
    text = "POST https://user:pw@node.example.org:8545/v2/abcdef?apikey=zzz failed"
    assert redact(text) == f"POST https://{MASK}@node.example.org:8545/{MASK} failed"
    assert redact("at http://127.0.0.1:8545") == "at http://127.0.0.1:8545"


def test_named_secret_values_and_bearer_tokens_lose_their_values() -> None:
    assert redact("client_secret=abc123xyz&x=1") == f"client_secret={MASK}&x=1"
    assert redact('"password": "hunter22"') == f'"password": "{MASK}"'
    assert redact("Authorization: Bearer abcdefghijkl") == f"Authorization: Bearer {MASK}"


def test_short_values_and_host_only_urls_are_not_registered() -> None:
    registry = SecretRegistry()
    registry.add("abc")
    registry.add("http://127.0.0.1:8545")
    assert len(registry) == 0
    assert registry.scrub("abc http://127.0.0.1:8545") == "abc http://127.0.0.1:8545"


def test_documents_mask_secret_named_fields_and_every_string(key: str) -> None:
    document = {
        "problems": [f"rpc said {key}"],
        "api_key": "anything",
        "nested": {"private_key": None, "n": 1.5, "ok": True},
    }
    assert redact_data(document) == {
        "problems": [f"rpc said {MASK}"],
        "api_key": MASK,
        "nested": {"private_key": None, "n": 1.5, "ok": True},
    }


def test_loading_a_config_registers_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    canary = "deribit-" + secrets.token_hex(12)
    monkeypatch.setenv("CANARY_SECRET", canary)
    document = json.loads(json.dumps(_minimal_document()))
    document["venues"]["deribit"] = {
        "kind": "deribit", "client_id": "env:CANARY_SECRET", "client_secret": "env:CANARY_SECRET",
    }  # fmt: skip
    config_module.validate(document, source="test.toml")
    assert canary not in redact(f"error: {canary}")


def test_a_secret_resolved_for_an_invalid_config_is_registered_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = secrets.token_hex(16)
    monkeypatch.setenv("CANARY_URL", f"wss://node.example.org/{token}")
    document = _minimal_document()
    document["chains"] = {"c": _chain(rpc="env:CANARY_URL")}
    with pytest.raises(Exception, match="must start with http") as raised:
        config_module.validate(document, source="test.toml")
    assert token not in str(raised.value)
    assert token not in redact(f"later, somewhere: {token}")


def test_log_lines_are_json_and_redacted_including_tracebacks(
    captured: io.StringIO, key: str
) -> None:
    log = structlog.get_logger("test")
    try:
        raise ValueError(f"signing failed with {key}")
    except ValueError:
        log.exception("boom", detail=f"key {key}", private_key=key, error=ValueError(key))
    logging.getLogger("aiohttp.client").error("stdlib says %s", key)
    lines = captured.getvalue().splitlines()
    assert len(lines) == 2
    for line in lines:
        event = json.loads(line)
        assert "level" in event
        assert "timestamp" in event
    assert key[2:].lower() not in captured.getvalue().lower()
    first = json.loads(lines[0])
    assert "ValueError" in first["exception"]
    assert first["private_key"] == MASK


def test_warnings_and_levels_are_honoured(captured: io.StringIO) -> None:
    structlog.get_logger("test").debug("fine")
    logging.getLogger("x").warning("std %s", "warn")
    events = [json.loads(line)["event"] for line in captured.getvalue().splitlines()]
    assert events == ["fine", "std warn"]


def _chain(*, rpc: str) -> dict[str, object]:
    return {
        "chain_id": 1,
        "rpc_urls": [rpc],
        "account": {"address": "0x" + "11" * 20, "private_key": "env:NOPE"},
        "gas": {
            "max_fee_gwei": 1, "max_priority_fee_gwei": 0.1,
            "emergency_max_fee_gwei": 2, "emergency_max_priority_fee_gwei": 0.2,
        },
        "tokens": {},
    }  # fmt: skip


def _minimal_document() -> dict[str, object]:
    return {
        "venues": {},
        "underlyings": {},
        "limits": {
            "max_notional_per_action_usd": 1, "max_notional_per_hour_usd": 1, "venue_caps": {},
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("chains.c.account.private_key: Value error, variable K is not set", "Value error"),
        ("keystore_password: No such file or directory", "No such file"),
        ("client_secret: empty", "client_secret: empty"),
    ],
)
def test_the_messages_own_words_after_a_secret_name_are_kept(text: str, kept: str) -> None:
    assert kept in redact(text)


@pytest.mark.parametrize(
    "text",
    ["password=hunter2", "api_key: 0xdeadbeefcafe", "token: 'abc'", "secret=Tr0ub4dor&3"],
)
def test_values_after_a_secret_name_are_still_masked(text: str) -> None:
    assert MASK in redact(text)
