"""Dry-run execution on a local anvil fork, without ever signing as the real account.

``ImpersonatingSigner`` answers for the real account's address but signs with a
throwaway key: its bytes are worthless on the real chain (their sender is a random
empty account). ``ForkRpc`` carries such a transaction out on the fork *as* the real
account: it decodes the fields, impersonates the account (``anvil_impersonateAccount``)
and sends them with ``eth_sendTransaction``; it then answers receipt and transaction
lookups for the throwaway hash with the fork's real ones, so the executor's whole
lifecycle (nonces, receipts, replacement) runs unchanged.

``ForkRpc.verify`` refuses anything that is not a loopback anvil forked from another
chain with the expected chain id: a dry run must never execute on a real chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from agent.errors import ConfigError, InvariantViolation
from agent.ports import Rpc, SignedTransaction
from connectors.evm.signer import LocalKeySigner

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class ImpersonatingSigner:
    """The ``Signer`` port for a dry run: the real address, a throwaway key."""

    def __init__(self, address: str, *, chain_id: int) -> None:
        self._address = address
        self._throwaway = LocalKeySigner(bytes(Account.create().key), chain_id=chain_id)
        self.chain_id = chain_id

    @property
    def address(self) -> str:
        return self._address

    async def sign_transaction(self, transaction: dict[str, object]) -> SignedTransaction:
        return await self._throwaway.sign_transaction(transaction)


class ForkRpc:
    """An ``Rpc`` over a fork that executes our transactions as the impersonated account."""

    def __init__(self, rpc: Rpc, *, account: str, url: str) -> None:
        self.rpc = rpc
        self.account = account
        self.url = url
        self._real_hash: dict[str, str] = {}
        self._impersonating = False

    async def verify(self, chain_id: int) -> None:
        """Refuse unless this is a loopback anvil, forked, on ``chain_id``."""
        host = urlsplit(self.url).hostname or ""
        if host not in LOOPBACK:
            raise ConfigError(f"dry-run executes only on a local fork, not on {host}")
        try:
            info = await self.rpc.request("anvil_nodeInfo", [])
        except Exception as error:  # any answer but anvil's is a refusal
            raise ConfigError("dry-run execution target is not an anvil node") from error
        fork = (info or {}).get("forkConfig") or {}
        if not fork.get("forkUrl"):
            raise ConfigError("dry-run execution target is not a fork of another chain")
        actual = int(await self.rpc.request("eth_chainId", []), 16)
        if actual != chain_id:
            raise ConfigError(f"the fork is on chain {actual}, the config on {chain_id}")

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "eth_sendRawTransaction":
            return await self._send(str(params[0]))
        if method in ("eth_getTransactionReceipt", "eth_getTransactionByHash"):
            return await self._lookup(method, str(params[0]))
        return await self.rpc.request(method, params)

    async def _send(self, raw: str) -> str:
        raw_bytes = bytes.fromhex(raw.removeprefix("0x"))
        fields = TypedTransaction.from_bytes(HexBytes(raw_bytes)).as_dict()
        ours = (
            "0x" + keccak(raw_bytes).hex()
        )  # the signed transaction's hash, as the executor has it
        if not self._impersonating:
            await self.rpc.request("anvil_impersonateAccount", [self.account])
            self._impersonating = True
        call = {
            "from": self.account,
            "to": fields["to"]
            if isinstance(fields["to"], str)
            else "0x" + bytes(fields["to"]).hex(),
            "data": "0x" + bytes(fields.get("data", b"")).hex(),
            "value": hex(fields["value"]),
            "gas": hex(fields["gas"]),
            "nonce": hex(fields["nonce"]),
            "maxFeePerGas": hex(fields["maxFeePerGas"]),
            "maxPriorityFeePerGas": hex(fields["maxPriorityFeePerGas"]),
        }
        real = str(await self.rpc.request("eth_sendTransaction", [call]))
        self._real_hash[ours] = real
        return ours

    async def _lookup(self, method: str, ours: str) -> Any:
        real = self._real_hash.get(ours)
        if real is None:
            if ours in self._real_hash.values():
                raise InvariantViolation("a dry run looked a transaction up by its fork hash")
            return await self.rpc.request(method, [ours])
        found = await self.rpc.request(method, [real])
        if isinstance(found, dict):
            found = {**found, "transactionHash" if "transactionHash" in found else "hash": ours}
        return found
