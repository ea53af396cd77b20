"""Config loading: the real-chain example validates; every bad input names file and field
(RELIABILITY row 20)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_utils.address import to_checksum_address

from agent import cli, config
from agent.errors import ConfigError
from agent.wiring.execution import open_journal
from tests.support.postgres import PostgresDatabase

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
    provider = 'addresses_provider = "0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb"'
    path = _example_with(secrets, provider, 'addresses_provider = "0x794a"')
    with pytest.raises(
        ConfigError, match=r"venues\.aave\.addresses_provider: String should match pattern"
    ):
        config.load(path)
    path = _example_with(
        secrets,
        'hedge_venues = ["hyperliquid", "gmx", "uniswap", "deribit"]',
        'hedge_venues = ["dydx"]',
    )
    with pytest.raises(ConfigError, match="hedges on unknown venue 'dydx'"):
        config.load(path)


def test_aave_needs_its_addresses_provider_or_all_three_addresses(secrets: Path) -> None:
    provider = 'addresses_provider = "0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb"'
    pool = 'pool = "0x794a61358D6845594F94dc1DB02A252b5b4814aD"'
    path = _example_with(secrets, provider, pool)
    with pytest.raises(ConfigError, match=r"venues\.aave: .*all of pool, data_provider and oracle"):
        config.load(path)
    path = _example_with(secrets, provider, f"{provider}\n{pool}")
    with pytest.raises(ConfigError, match=r"venues\.aave: .*not both"):
        config.load(path)


def test_aave_cross_checks_per_tick_is_a_count(secrets: Path) -> None:
    provider = 'addresses_provider = "0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb"'
    path = _example_with(secrets, provider, f"{provider}\ncross_checks_per_tick = -1")
    with pytest.raises(
        ConfigError,
        match=r"venues\.aave\.cross_checks_per_tick: Input should be greater than or equal to 0",
    ):
        config.load(path)


def test_trigger_above_target_is_refused(secrets: Path) -> None:
    path = _example_with(secrets, "lending_target = 1.6", "lending_target = 1.2")
    with pytest.raises(ConfigError, match="lending_target must be above lending_trigger"):
        config.load(path)


def test_ballast_config_check_passes_on_the_example_with_dummy_secrets(
    secrets: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example as shipped (keystore from systemd's credentials directory), every secret a
    dummy: the operator's command says it is valid and names every protocol's venue."""
    (secrets / "keystore-password").write_text("dummy\n")
    (secrets / "agent-keystore.json").write_text("{}\n")  # config check needs it to exist
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(secrets))
    assert cli.main(["config", "check", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.strip().endswith("ok (1 chain(s), 7 venue(s))")
    loaded = config.load(EXAMPLE)
    kinds = {venue.kind for venue in loaded.venues.values()}
    assert {"aave_v3", "uniswap_v3", "chainlink", "gmx_v2", "premia_v3"} <= kinds


def test_every_address_in_the_example_is_checksummed() -> None:
    addresses = set(re.findall(r"0x[0-9a-fA-F]{40}", EXAMPLE.read_text()))
    assert len(addresses) > 20
    assert all(to_checksum_address(a) == a for a in addresses)


def test_a_mistyped_checksummed_address_is_refused(secrets: Path) -> None:
    good = "0x1C3fa76e6E1088bCE750f23a5BFcffa1efEF6A41"  # GMX's ExchangeRouter
    path = _example_with(secrets, good, good.replace("1C3f", "1c3f"))
    with pytest.raises(ConfigError, match="EIP-55 checksum"):
        config.load(path)


def test_a_venue_naming_a_token_its_chain_lacks_is_refused(secrets: Path) -> None:
    path = _example_with(secrets, 'index_token = "WETH"', 'index_token = "BTC"')
    with pytest.raises(ConfigError, match=r"venue 'gmx' names tokens \['BTC'\]"):
        config.load(path)


def test_two_chains_with_one_chain_id_are_refused(secrets: Path) -> None:
    document = config.read_toml(_without_keystore(secrets))
    document["chains"]["other"] = document["chains"]["arbitrum"]
    with pytest.raises(ConfigError, match="two chains share a chain_id"):
        config.validate(document, source="two.toml", base_dir=secrets)


def test_a_ticks_wait_for_an_intent_is_configurable_and_positive(secrets: Path) -> None:
    assert config.load(_without_keystore(secrets)).agent.intent_wait_s == 120.0  # the default
    shorter = _example_with(
        secrets, "venue_timeout_s = 5", "venue_timeout_s = 5\nintent_wait_s = 10"
    )
    assert config.load(shorter).agent.intent_wait_s == 10.0
    never = _example_with(secrets, "venue_timeout_s = 5", "venue_timeout_s = 5\nintent_wait_s = 0")
    with pytest.raises(ConfigError, match=r"agent\.intent_wait_s: Input should be greater than 0"):
        config.load(never)


JOURNAL = 'journal = "/var/lib/ballast/journal.sqlite"'


def test_a_postgresql_journal_takes_its_password_by_reference(
    secrets: Path, monkeypatch: pytest.MonkeyPatch, postgres_database: PostgresDatabase
) -> None:
    """The URL, the password from the environment and the book, from config to an open
    journal on that book."""
    monkeypatch.setenv("JOURNAL_PASSWORD", postgres_database.password)
    shared = _example_with(
        secrets,
        JOURNAL,
        f'journal = "{postgres_database.url}"\njournal_password = "env:JOURNAL_PASSWORD"\n'
        'book = "arbitrum"',
    )
    loaded = config.load(shared)
    assert loaded.agent.journal == postgres_database.url
    assert postgres_database.password not in repr(loaded)
    with open_journal(loaded) as journal:
        assert (journal.book, journal.path) == ("arbitrum", None)
        assert journal.lease().book == "arbitrum"


def test_a_password_in_the_journal_url_is_refused_and_not_shown(secrets: Path) -> None:
    inline = _example_with(secrets, JOURNAL, 'journal = "postgresql://ballast:hunter2@db/ballast"')
    with pytest.raises(ConfigError, match=r"agent\.journal: .*by reference") as error:
        config.load(inline)
    assert "hunter2" not in str(error.value)
    plain = _example_with(
        secrets, JOURNAL, 'journal = "postgresql://ballast@db/b"\njournal_password = "hunter2"'
    )
    with pytest.raises(ConfigError, match=r"agent\.journal_password: .*not inline"):
        config.load(plain)
    on_a_file = _example_with(secrets, JOURNAL, f'{JOURNAL}\njournal_password = "env:HOME"')
    with pytest.raises(ConfigError, match="journal is a SQLite file"):
        config.load(on_a_file)
    bad_book = _example_with(secrets, JOURNAL, f'{JOURNAL}\nbook = "Main Book"')
    with pytest.raises(ConfigError, match=r"agent\.book"):
        config.load(bad_book)
