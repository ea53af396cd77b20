"""A Signer from an encrypted keystore file (Web3 Secret Storage, as eth-account writes it).

The file is decrypted once, at start-up, with a password given by reference (a systemd
credential, a Docker secret, an environment variable); the key then lives only in the
``LocalKeySigner`` it unlocks, which checks the chainId before every signature. The
decrypted key is registered for redaction before anything else can see it.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import structlog
from eth_account import Account
from pydantic import SecretStr

from agent.errors import ConfigError
from agent.ops.redaction import register
from connectors.evm.signer import LocalKeySigner

log = structlog.get_logger(__name__)


def _document(path: Path) -> dict[str, object]:
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigError(
            f"cannot read the keystore {path}: {error.strerror}", field="account.keystore"
        ) from None
    try:
        document = json.loads(text)
    except ValueError:
        raise ConfigError(f"{path} is not a JSON keystore", field="account.keystore") from None
    if not isinstance(document, dict) or "crypto" not in document:
        raise ConfigError(f"{path} is not a JSON keystore", field="account.keystore")
    return document


def _warn_if_readable(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("keystore_readable_by_others", path=str(path), mode=oct(mode & 0o777))


def keystore_signer(path: Path, password: SecretStr, *, chain_id: int) -> LocalKeySigner:
    """Unlock ``path`` with ``password``; a signer for ``chain_id`` only.

    ConfigError (naming the field) if the file is missing or malformed or the password
    is wrong; neither the password nor the key appears in any message.
    """
    document = _document(path)
    _warn_if_readable(path)
    try:
        key = bytes(Account.decrypt(document, password.get_secret_value()))
    except ValueError:
        raise ConfigError(
            "cannot unlock the keystore: wrong password or damaged file",
            field="account.keystore_password",
        ) from None
    except (KeyError, TypeError, NotImplementedError):
        raise ConfigError(f"{path} is not a supported keystore", field="account.keystore") from None
    register(key)
    return LocalKeySigner(key, chain_id=chain_id)
