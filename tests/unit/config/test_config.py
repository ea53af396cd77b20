"""Config loading: the real-chain example validates; every bad input names file and field
(RELIABILITY row 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import config
from agent.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "arbitrum.example.toml"
SECRETS = {
    "ARBITRUM_RPC_PRIMARY": "https://arb-mainnet.example/v2/CANARY-TOKEN",
    "ARBITRUM_RPC_BACKUP": "https://arbitrum.example/rpc",
    "DERIBIT_CLIENT_ID": "id",
    "DERIBIT_CLIENT_SECRET": "CANARY-SECRET",
    "HYPERLIQUID_AGENT_KEY": "0x" + "11" * 32,
}


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return tmp_path


KEYSTORE = (
    'keystore = "${CREDENTIALS_DIRECTORY}/agent-keystore.json"\n'
    'keystore_password = "file:${CREDENTIALS_DIRECTORY}/keystore-password"'
)


def _example_with(tmp_path: Path, old: str, new: str) -> Path:
    """The example, with the keystore swapped for a key file in ``tmp_path``, and ``old``
    replaced by ``new``."""
    text = EXAMPLE.read_text().replace(KEYSTORE, 'private_key = "file:agent.key"')
    assert old in text, old
    (tmp_path / "agent.key").write_text("0x" + "22" * 32 + "\n")
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def _without_keystore(tmp_path: Path) -> Path:
    return _example_with(tmp_path, "[agent]", "[agent]")


def test_the_arbitrum_example_validates(secrets: Path) -> None:
    loaded = config.load(_without_keystore(secrets))
    chain = loaded.chains["arbitrum"]
    assert chain.chain_id == 42161
    assert chain.rpc_urls[0].get_secret_value().endswith("CANARY-TOKEN")
    assert chain.account.private_key is not None
    assert chain.account.private_key.get_secret_value() == "0x" + "22" * 32
    assert loaded.venues["aave"].kind == "aave_v3"
    assert loaded.underlyings["ETH"].band.mode == "whalley_wilmott"


def test_secrets_never_show_in_the_config_repr(secrets: Path) -> None:
    loaded = config.load(_without_keystore(secrets))
    text = repr(loaded) + str(loaded.model_dump())
    assert "CANARY-TOKEN" not in text
    assert "CANARY-SECRET" not in text
    assert "22" * 32 not in text


def test_a_missing_environment_secret_names_the_field(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DERIBIT_CLIENT_SECRET")
    with pytest.raises(ConfigError) as caught:
        config.load(_without_keystore(secrets))
    message = str(caught.value)
    assert "venues.deribit.client_secret" in message
    assert "DERIBIT_CLIENT_SECRET is not set" in message
    assert "bad.toml" in message


def test_an_inline_secret_is_refused(secrets: Path) -> None:
    path = _example_with(
        secrets, 'client_secret = "env:DERIBIT_CLIENT_SECRET"', 'client_secret = "hunter2"'
    )
    with pytest.raises(
        ConfigError, match=r"venues\.deribit\.client_secret: .*env:NAME or file:PATH"
    ):
        config.load(path)


def test_unknown_key_is_refused_with_its_path(secrets: Path) -> None:
    path = _example_with(secrets, "[health]\n", "[health]\nlending_trigerr = 1.2\n")
    with pytest.raises(ConfigError, match=r"bad\.toml:health\.lending_trigerr: Extra inputs"):
        config.load(path)


def test_negative_limit_is_refused(secrets: Path) -> None:
    path = _example_with(
        secrets, "max_notional_per_action_usd = 100000", "max_notional_per_action_usd = -5"
    )
    with pytest.raises(
        ConfigError, match=r"limits\.max_notional_per_action_usd: Input should be greater than 0"
    ):
        config.load(path)


def test_malformed_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[agent]\nname = \n")
    with pytest.raises(ConfigError, match=r"broken\.toml: invalid TOML: .*line 2"):
        config.load(path)


def test_a_bad_address_and_a_dangling_venue_are_both_reported(secrets: Path) -> None:
    path = _example_with(
        secrets, 'pool = "0x794a61358D6845594F94dc1DB02A252b5b4814aD"', 'pool = "0x794a"'
    )
    with pytest.raises(ConfigError, match=r"venues\.aave\.pool: String should match pattern"):
        config.load(path)
    path = _example_with(
        secrets, 'hedge_venues = ["hyperliquid", "uniswap", "deribit"]', 'hedge_venues = ["gmx"]'
    )
    with pytest.raises(ConfigError, match="hedges on unknown venue 'gmx'"):
        config.load(path)


def test_trigger_above_target_is_refused(secrets: Path) -> None:
    path = _example_with(secrets, "lending_target = 1.6", "lending_target = 1.2")
    with pytest.raises(ConfigError, match="lending_target must be above lending_trigger"):
        config.load(path)


def test_a_ticks_wait_for_an_intent_is_configurable_and_positive(secrets: Path) -> None:
    assert config.load(_without_keystore(secrets)).agent.intent_wait_s == 120.0  # the default
    shorter = _example_with(
        secrets, "venue_timeout_s = 5", "venue_timeout_s = 5\nintent_wait_s = 10"
    )
    assert config.load(shorter).agent.intent_wait_s == 10.0
    never = _example_with(secrets, "venue_timeout_s = 5", "venue_timeout_s = 5\nintent_wait_s = 0")
    with pytest.raises(ConfigError, match=r"agent\.intent_wait_s: Input should be greater than 0"):
        config.load(never)
