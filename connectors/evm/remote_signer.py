"""A Signer whose key lives in another process: Web3Signer or Clef, over JSON-RPC/HTTP.

Web3Signer answers ``eth_signTransaction`` with the signed transaction's bytes; Clef
answers ``account_signTransaction`` with ``{"raw": ..., "tx": {...}}``. Both take the
transaction as one object of hex quantities (``from``, ``to``, ``gas``,
``maxFeePerGas``, ``maxPriorityFeePerGas``, ``value``, ``nonce``, ``chainId`` and
``data``, or ``input`` for Clef).

Nothing the signer returns is trusted: the chainId is checked before the request
leaves, and the returned bytes are decoded and must be an EIP-1559 transaction with
exactly the requested fields, signed by our address, before they are journaled or
sent. The signer's URL and bearer token never appear in a message or a repr.
"""

from __future__ import annotations

import itertools
from types import TracebackType
from typing import Any, NoReturn

import aiohttp
from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from pydantic import SecretStr

from agent.errors import ConfigError, InvariantViolation, RejectedError, TransientError
from agent.ports import SignedTransaction
from connectors.evm.jsonrpc import redact_url

_REQUIRED = ("chainId", "nonce", "to", "value", "gas", "maxFeePerGas", "maxPriorityFeePerGas")
_LIST_METHOD = {"eth_signTransaction": "eth_accounts", "account_signTransaction": "account_list"}
_COMPARED = ("chainId", "nonce", "value", "gas", "maxFeePerGas", "maxPriorityFeePerGas")


def _hex_data(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value or "0x")
    return text if text.startswith("0x") else "0x" + text


def _as_bytes(value: object) -> bytes:
    return bytes.fromhex(_hex_data(value)[2:])


def check_chain(transaction: dict[str, object], chain_id: int) -> None:
    """InvariantViolation unless ``transaction`` is complete and for ``chain_id``."""
    if transaction.get("chainId") != chain_id:
        raise InvariantViolation(
            f"refusing to sign for chain {transaction.get('chainId')!r}: this key signs for "
            f"{chain_id}"
        )
    missing = [name for name in _REQUIRED if name not in transaction]
    if missing:
        raise InvariantViolation(f"transaction lacks {', '.join(missing)}")


def verify_signed(
    raw: bytes, transaction: dict[str, object], *, address: str, chain_id: int
) -> SignedTransaction:
    """The signed transaction, if ``raw`` is exactly ``transaction`` signed by ``address``."""
    if not raw or raw[0] != 2:
        raise InvariantViolation("the remote signer did not return an EIP-1559 transaction")
    try:
        decoded = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        sender = Account.recover_transaction(raw)
    except (ValueError, TypeError, KeyError) as error:
        raise InvariantViolation(f"the remote signer returned undecodable bytes: {error}") from None
    different = [name for name in _COMPARED if int(decoded[name]) != int(str(transaction[name]))]
    if _hex_data(decoded["to"]).lower() != _hex_data(transaction["to"]).lower():
        different.append("to")
    if _as_bytes(decoded.get("data", b"")) != _as_bytes(transaction.get("data", b"")):
        different.append("data")
    if decoded.get("accessList"):
        different.append("accessList")
    if different:
        raise InvariantViolation(
            f"the remote signer returned a different transaction ({', '.join(different)})"
        )
    if sender.lower() != address.lower():
        raise InvariantViolation(f"the remote signer signed as {sender}, not {address}")
    return SignedTransaction(
        raw=raw, hash="0x" + keccak(raw).hex(), nonce=int(str(transaction["nonce"])),
        chain_id=chain_id,
    )  # fmt: skip


class RemoteSigner:
    """Signs EIP-1559 transactions for one account on one chain through a remote signer."""

    def __init__(
        self,
        url: SecretStr,
        *,
        address: str,
        chain_id: int,
        api: str = "eth_signTransaction",
        token: SecretStr | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if api not in _LIST_METHOD:
            raise ConfigError(
                f"unknown remote signer API {api!r}", field="account.remote_signer_api"
            )
        self._url = url
        self._token = token
        self._address = address
        self.chain_id = chain_id
        self.api = api
        self.label = redact_url(url.get_secret_value())
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)
        self.requests = 0

    @property
    def address(self) -> str:
        return self._address

    async def __aenter__(self) -> RemoteSigner:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def verify(self) -> None:
        """ConfigError unless the signer is reachable and holds our account's key."""
        try:
            accounts = await self._call(_LIST_METHOD[self.api], [])
        except (TransientError, RejectedError) as error:
            raise ConfigError(f"remote signer {self.label}: {error}", field="account") from None
        listed = accounts if isinstance(accounts, list) else []
        held = {
            str(item.get("address") if isinstance(item, dict) else item).lower() for item in listed
        }
        if self._address.lower() not in held:
            raise ConfigError(
                f"remote signer {self.label} does not hold {self._address}", field="account.address"
            )

    async def sign_transaction(self, transaction: dict[str, object]) -> SignedTransaction:
        """Sign remotely; InvariantViolation before any request if the chainId is not ours,
        and after it if the signer returned anything but our exact transaction."""
        check_chain(transaction, self.chain_id)
        result = await self._call(self.api, [self._request(transaction)])
        raw = result.get("raw") if isinstance(result, dict) else result
        if not isinstance(raw, str) or not raw.startswith("0x"):
            raise InvariantViolation("the remote signer's reply holds no signed transaction")
        try:
            raw_bytes = bytes.fromhex(raw[2:])
        except ValueError:
            raise InvariantViolation("the remote signer's reply is not hex") from None
        return verify_signed(raw_bytes, transaction, address=self._address, chain_id=self.chain_id)

    def _request(self, transaction: dict[str, object]) -> dict[str, str]:
        data_field = "input" if self.api == "account_signTransaction" else "data"
        request = {name: hex(int(str(transaction[name]))) for name in _COMPARED}
        request.update(
            {"from": self._address, "to": str(transaction["to"])},
        )
        request[data_field] = _hex_data(transaction.get("data", b""))
        return request

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            headers = {}
            if self._token is not None:
                headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=headers)
        return self._session

    async def _call(self, method: str, params: list[Any]) -> Any:
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        self.requests += 1
        try:
            async with self._session_now().post(
                self._url.get_secret_value(), json=payload
            ) as reply:
                if reply.status in (401, 403):
                    raise RejectedError(f"{method}: {self.label} refused our credentials")
                if reply.status >= 400:
                    raise TransientError(f"{method}: HTTP {reply.status} from {self.label}")
                document = await reply.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise TransientError(
                f"{method}: no usable reply from {self.label} ({type(error).__name__})"
            ) from None
        if not isinstance(document, dict):
            raise TransientError(f"{method}: malformed reply from {self.label}")
        if document.get("error"):
            refusal = document["error"]
            message = refusal.get("message") if isinstance(refusal, dict) else refusal
            raise RejectedError(f"{method}: {self.label} refused: {message}")
        return document.get("result")

    def __repr__(self) -> str:
        return f"RemoteSigner({self.label}, address={self._address}, chain_id={self.chain_id})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a signer holding credentials cannot be pickled")
