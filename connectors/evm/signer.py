"""A Signer holding a private key in process memory (eth-account).

For development and the local world; production keys belong in an encrypted keystore
or a remote signer (a later issue). The chain id of every transaction is checked
against the one this signer was configured for *before* it is signed, and the key
never appears in a repr, a log line, an exception or a pickle.
"""

from __future__ import annotations

from typing import Any, NoReturn

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr

from agent.errors import ConfigError, InvariantViolation
from agent.ports import SignedTransaction

_REQUIRED = ("chainId", "nonce", "to", "value", "gas", "maxFeePerGas", "maxPriorityFeePerGas")


def _account(private_key: SecretStr | bytes) -> LocalAccount:
    secret = private_key.get_secret_value() if isinstance(private_key, SecretStr) else private_key
    try:
        account: LocalAccount = Account.from_key(secret)
    except (ValueError, TypeError):
        raise ConfigError("the private key is not a valid secp256k1 key") from None
    return account


class LocalKeySigner:
    """Signs EIP-1559 transactions for one account on one chain (``agent.ports.Signer``)."""

    __slots__ = ("_account", "chain_id")

    def __init__(self, private_key: SecretStr | bytes, *, chain_id: int) -> None:
        self._account = _account(private_key)
        self.chain_id = chain_id

    @property
    def address(self) -> str:
        return str(self._account.address)

    async def sign_transaction(self, transaction: dict[str, object]) -> SignedTransaction:
        """Sign ``transaction`` (type 2); InvariantViolation if its chainId is not ours."""
        chain_id = transaction.get("chainId")
        if chain_id != self.chain_id:
            raise InvariantViolation(
                f"refusing to sign for chain {chain_id!r}: this key signs for {self.chain_id}"
            )
        missing = [name for name in _REQUIRED if name not in transaction]
        if missing:
            raise InvariantViolation(f"transaction lacks {', '.join(missing)}")
        fields: dict[str, Any] = {"type": 2, "data": b"", **transaction}
        try:
            signed = self._account.sign_transaction(fields)
        except (ValueError, TypeError) as error:
            # eth-account's messages describe the fields, never the key.
            raise InvariantViolation(f"cannot sign: {error}") from None
        return SignedTransaction(
            raw=bytes(signed.raw_transaction),
            hash="0x" + bytes(signed.hash).hex(),
            nonce=int(str(fields["nonce"])),
            chain_id=self.chain_id,
        )

    def __repr__(self) -> str:
        return f"LocalKeySigner(address={self.address}, chain_id={self.chain_id})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a signer holding a key cannot be pickled")
