"""A local remote signer: Web3Signer's and Clef's JSON-RPC over HTTP, for tests and demos.

It holds keys in memory (never anywhere but the local world) and answers what Ballast's
``RemoteSigner`` calls on the real thing:

- ``eth_accounts`` (Web3Signer) and ``account_list`` (Clef): the addresses it holds;
- ``eth_signTransaction`` (Web3Signer): one transaction object of hex quantities
  (``from``, ``to``, ``gas``, ``maxFeePerGas``, ``maxPriorityFeePerGas``, ``value``,
  ``nonce``, ``chainId``, ``data``) -> the signed transaction's bytes as hex;
- ``account_signTransaction`` (Clef): the same with ``input`` for the data ->
  ``{"raw": hex, "tx": {...}}``.

A bearer token may be required. Fault modes make it misbehave the way a compromised or
misconfigured signer would: ``tamper`` signs a different transaction than asked
(another recipient), ``chain_id`` signs for another chain, ``refuse`` answers every
signature with a JSON-RPC error. Every request is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web
from eth_account import Account
from eth_account.signers.local import LocalAccount

from sim.anvil import free_port


@dataclass
class SignerFaults:
    tamper: bool = False
    chain_id: int | None = None
    refuse: str | None = None


def _int(value: object) -> int:
    return int(str(value), 16)


class LocalRemoteSigner:
    """An aiohttp app on loopback, entered with ``async with``."""

    def __init__(self, keys: list[str], *, token: str | None = None, path: str = "/") -> None:
        self.accounts: dict[str, LocalAccount] = {}
        for key in keys:
            account: LocalAccount = Account.from_key(key)
            self.accounts[account.address.lower()] = account
        self.token = token
        self.path = path
        self.port = free_port()
        self.faults = SignerFaults()
        self.requests: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def signatures(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("method", "").endswith("signTransaction")]

    async def __aenter__(self) -> LocalRemoteSigner:
        app = web.Application()
        app.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if (
            self.token is not None
            and request.headers.get("Authorization") != f"Bearer {self.token}"
        ):
            return web.json_response({"error": "unauthorized"}, status=401)
        payload: dict[str, Any] = await request.json()
        self.requests.append(payload)
        method, ident = payload.get("method"), payload.get("id")
        try:
            result = self._answer(str(method), payload.get("params") or [])
        except ValueError as error:
            reply = {"code": -32000, "message": str(error)}
            return web.json_response({"jsonrpc": "2.0", "id": ident, "error": reply})
        return web.json_response({"jsonrpc": "2.0", "id": ident, "result": result})

    def _answer(self, method: str, params: list[Any]) -> Any:
        if method == "eth_accounts":
            return [account.address for account in self.accounts.values()]
        if method == "account_list":
            return [account.address for account in self.accounts.values()]
        if method in ("eth_signTransaction", "account_signTransaction"):
            if self.faults.refuse is not None:
                raise ValueError(self.faults.refuse)
            raw, fields = self._sign(params[0], data_field="data" if method[0] == "e" else "input")
            if method == "eth_signTransaction":
                return raw
            return {
                "raw": raw,
                "tx": {k: hex(v) if isinstance(v, int) else v for k, v in fields.items()},
            }
        raise ValueError(f"the method {method} does not exist/is not available")

    def _sign(self, request: dict[str, Any], *, data_field: str) -> tuple[str, dict[str, Any]]:
        account = self.accounts.get(str(request.get("from", "")).lower())
        if account is None:
            raise ValueError("unknown account")
        fields: dict[str, Any] = {
            "type": 2,
            "chainId": self.faults.chain_id or _int(request["chainId"]),
            "nonce": _int(request["nonce"]),
            "to": request["to"],
            "value": _int(request.get("value", "0x0")),
            "gas": _int(request["gas"]),
            "maxFeePerGas": _int(request["maxFeePerGas"]),
            "maxPriorityFeePerGas": _int(request["maxPriorityFeePerGas"]),
            "data": request.get(data_field, "0x"),
        }
        if self.faults.tamper:
            fields["to"] = "0x" + "66" * 20
        signed = account.sign_transaction(fields)
        return "0x" + bytes(signed.raw_transaction).hex(), fields
