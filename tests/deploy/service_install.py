"""deploy/README.md's systemd install, carried out in a booted machine as written.

The README's ``sh`` blocks of its systemd section are read from the file and run line
by line as root (a line that reads a secret from the terminal gets it on stdin). Two
lines cannot run here, because nothing may download during the tests: ``git clone``
and ``pip install``. Instead this checkout is bound read-only at /opt/ballast/src and
its virtualenv's packages (the pinned constraints, installed by ``make setup``) are
bound read-only and linked into the venv the README's ``python3 -m venv`` made, with
the ``ballast`` entry point pip would have written. Both lines must still be in the
README, verbatim, so the notes and the test cannot drift apart unnoticed.

What an operator edits (the config, the environment file) is written here for the
local world: chain and venue simulators on loopback, every secret a credential.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account

from agent import config as config_module
from sim.local_config import AGENT_DEV_KEY, DERIBIT_CLIENT_ID, SimulatorUrls, local_document
from sim.stack import LOCAL_CONFIG, LocalStack
from tests.deploy.nspawn import Bind, Machine
from tests.support.toml_writer import dumps

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "deploy" / "README.md"
CREDENTIAL = "file:${CREDENTIALS_DIRECTORY}/"
# Where the operator's files (the keystore they made) are, inside the machine.
OPERATOR_DIR = "/root/ballast-install"
HOST_PACKAGES = "/opt/ballast/host-site-packages"
NOT_RUN = {
    "git clone <this repository> /opt/ballast/src": "bound read-only from this checkout",
    "/opt/ballast/venv/bin/pip install -c /opt/ballast/src/constraints.txt /opt/ballast/src": (
        "this checkout's installed packages are bound and linked instead"
    ),
}
ENTRY_POINT = "#!/opt/ballast/venv/bin/python\nimport sys\nfrom agent.cli import main\n"
ENTRY_POINT += "sys.exit(main())\n"
SOCKET = "/run/ballast/admin.sock"


def readme_blocks() -> dict[str, list[str]]:
    """The systemd section's ``sh`` blocks, by the comment on their first line."""
    text = README.read_text()
    section = text[text.index("\n## systemd\n") :]
    section = section[: section.index("\n## ", 1)]
    blocks = {}
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        lines = block.strip().splitlines()
        blocks[lines[0].lstrip("# ").strip()] = lines[1:]
    return blocks


def binds(host_run: Path, cache: Path) -> list[Bind]:
    packages = Path(sys.prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return [
        Bind(ROOT, "/opt/ballast/src"),
        Bind(packages / "site-packages", HOST_PACKAGES),
        Bind(host_run, OPERATOR_DIR),
        # Compiled kernels outlive the machine, as CacheDirectory= keeps them across boots.
        Bind(cache, "/var/cache/ballast", read_only=False),
    ]


@dataclass(frozen=True)
class Operator:
    """What an operator brings: a keystore in their folder, a secret per credential, and
    their edits of the config and of the environment file."""

    secrets: dict[str, str]  # credential name -> value
    config: dict[str, Any]
    environment: str  # lines appended to /etc/ballast/ballast.env
    admin_port: int


def operator_for(
    stack: LocalStack, folder: Path, secrets: dict[str, str], admin_port: int
) -> Operator:
    """The local world's config with every secret a credential of the unit; the chain
    key in an encrypted keystore (in ``folder``) unlocked by ``keystore-password``."""
    assert stack.world.manifest is not None
    assert stack.deribit is not None
    assert stack.hyperliquid is not None
    keystore = Account.encrypt(AGENT_DEV_KEY, secrets["keystore-password"], iterations=2**12)
    (folder / "agent-keystore.json").write_text(json.dumps(keystore))
    urls = SimulatorUrls(deribit=stack.deribit.url, hyperliquid=stack.hyperliquid.url)
    document = local_document(config_module.read_toml(LOCAL_CONFIG), stack.world.manifest, urls)
    chain = document["chains"]["local"]
    chain["rpc_urls"] = [CREDENTIAL + "arbitrum-rpc-primary", CREDENTIAL + "arbitrum-rpc-backup"]
    chain["account"] = {
        "address": chain["account"]["address"],
        "keystore": "${CREDENTIALS_DIRECTORY}/agent-keystore.json",
        "keystore_password": CREDENTIAL + "keystore-password",
    }
    document["venues"]["deribit"].update(
        client_id="env:DERIBIT_CLIENT_ID", client_secret=CREDENTIAL + "deribit-client-secret"
    )
    document["venues"]["hyperliquid"]["private_key"] = CREDENTIAL + "hyperliquid-agent-key"
    # A tick waits at most 10 s for an intent, so a watchdog drill may use WatchdogSec=20.
    document["agent"].update(journal="/var/lib/ballast/journal.sqlite", intent_wait_s=10)
    document["admin"] = {
        "socket": SOCKET,
        "tcp_host": "127.0.0.1",
        "tcp_port": admin_port,
        "tcp_token": CREDENTIAL + "admin-token",
    }
    environment = f"DERIBIT_CLIENT_ID={DERIBIT_CLIENT_ID}\n"
    return Operator(secrets, document, environment, admin_port)


async def run_lines(machine: Machine, lines: list[str], operator: Operator) -> None:
    """README lines as root in the operator's folder; ``cat > .../NAME`` gets the secret."""
    for line in lines:
        if line.startswith("#") or not line.strip() or line in NOT_RUN:
            continue
        reads = re.search(r"cat > /etc/ballast/credentials/([\w.-]+)", line)
        stdin = operator.secrets[reads.group(1)] + "\n" if reads else None
        await machine.run("sh", "-ec", line, stdin=stdin, cwd=OPERATOR_DIR)


async def install(machine: Machine, operator: Operator) -> None:
    """Blocks 1 and 2 of the README, then the operator's edits (block 3 is the start)."""
    blocks = readme_blocks()
    software, service = blocks["1. the software"], blocks["2. the service"]
    for line in NOT_RUN:
        assert line in software, f"deploy/README.md no longer says {line!r}"
    await run_lines(machine, software, operator)
    python = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    made = await machine.run("/opt/ballast/venv/bin/python", "-c", "import sys; print(sys.version)")
    assert made.out.startswith(python.removeprefix("python") + "."), (
        f"the machine's python3 is {made.out.strip()}; the checkout's packages are for {python}"
    )
    packages = f"/opt/ballast/venv/lib/{python}/site-packages"
    await machine.shell(
        f"echo 'import site; site.addsitedir(\"{HOST_PACKAGES}\")' > {packages}/host.pth\n"
        # the checkout itself (the bound venv holds it as an editable install of its path)
        f"echo /opt/ballast/src > {packages}/ballast.pth\n"
        "cat > /opt/ballast/venv/bin/ballast && chmod 0755 /opt/ballast/venv/bin/ballast",
        stdin=ENTRY_POINT,
    )
    await run_lines(machine, service, operator)
    await write_config(machine, operator.config)
    await machine.shell("cat >> /etc/ballast/ballast.env", stdin=operator.environment)


async def write_config(machine: Machine, document: dict[str, Any]) -> None:
    """Replace /etc/ballast/ballast.toml's text, keeping its owner and mode."""
    await machine.shell("cat > /etc/ballast/ballast.toml", stdin=dumps(document))
