"""Driving a development chain: deployments, dev-account transactions, chain time.

This is the world's side of the chain (deployer, market driver, keepers), using
anvil's unlocked development accounts through ``eth_sendTransaction``. The agent never
uses it: it signs its own transactions through the executor.
"""

from __future__ import annotations

import asyncio
from typing import Any

from eth_utils.address import to_checksum_address

from agent.errors import RejectedError, TransientError
from connectors.evm.abi import ContractAbi
from connectors.evm.jsonrpc import JsonRpcTransport
from sim.artifacts import Artifact
from sim.manifest import Manifest


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class TransactionFailed(RejectedError):
    """A world transaction reverted; ``receipt`` is the mined receipt."""

    def __init__(self, message: str, receipt: dict[str, Any] | None = None):
        super().__init__(message)
        self.receipt = receipt


class DevChain:
    """Dev-account transactions and chain-time control on one anvil."""

    def __init__(self, transport: JsonRpcTransport, *, receipt_timeout_s: float = 30.0) -> None:
        self.rpc = transport
        self.receipt_timeout_s = receipt_timeout_s
        self._accounts: list[str] | None = None

    async def accounts(self) -> list[str]:
        if self._accounts is None:
            accounts = await self.rpc.request("eth_accounts")
            self._accounts = [to_checksum_address(account) for account in accounts]
        return self._accounts

    async def chain_id(self) -> int:
        return int(await self.rpc.request("eth_chainId"), 16)

    async def block(self, tag: str = "latest") -> dict[str, Any]:
        block: dict[str, Any] = await self.rpc.request("eth_getBlockByNumber", [tag, False])
        return block

    async def timestamp(self) -> int:
        return int((await self.block())["timestamp"], 16)

    async def call(self, to: str, data: bytes, *, block: str = "latest") -> bytes:
        result = await self.rpc.request("eth_call", [{"to": to, "data": _hex(data)}, block])
        return bytes.fromhex(str(result).removeprefix("0x"))

    async def send(
        self, sender: str, to: str | None, data: bytes, *, value: int = 0, gas: int | None = None
    ) -> dict[str, Any]:
        """Send from an unlocked dev account and wait for the receipt; raise on revert."""
        transaction: dict[str, Any] = {"from": sender, "data": _hex(data), "value": hex(value)}
        if to is not None:
            transaction["to"] = to
        if gas is None:
            # anvil's own estimate is taken on the pending state and can fall short when
            # the execution block differs (time-dependent interest paths): add a margin.
            estimate = int(await self.rpc.request("eth_estimateGas", [transaction]), 16)
            gas = estimate * 13 // 10 + 20_000
        transaction["gas"] = hex(gas)
        tx_hash = await self.rpc.request("eth_sendTransaction", [transaction])
        receipt = await self.wait_receipt(str(tx_hash))
        if int(receipt["status"], 16) != 1:
            reason = await self._revert_reason(transaction, int(receipt["blockNumber"], 16))
            raise TransactionFailed(f"transaction {tx_hash} reverted: {reason}", receipt)
        return receipt

    async def _revert_reason(self, transaction: dict[str, Any], block: int) -> str:
        """Replay a reverted transaction on its parent block's state to read the reason."""
        try:
            await self.rpc.request("eth_call", [transaction, hex(block - 1)])
        except RejectedError as error:
            return str(error)
        return "no reason (the replay succeeded on the parent state)"

    async def wait_receipt(self, tx_hash: str) -> dict[str, Any]:
        """Poll for a receipt: anvil may answer null right after a send."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.receipt_timeout_s
        delay = 0.005
        while True:
            receipt = await self.rpc.request("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return dict(receipt)
            if loop.time() > deadline:
                raise TransientError(f"no receipt for {tx_hash} after {self.receipt_timeout_s}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)

    async def deploy(self, artifact: Artifact, *args: Any, sender: str) -> Contract:
        receipt = await self.send(sender, None, artifact.creation_data(args))
        return Contract(self, artifact.abi, str(receipt["contractAddress"]))

    async def set_code(self, address: str, code: bytes) -> None:
        await self.rpc.request("anvil_setCode", [address, _hex(code)])

    async def code(self, address: str) -> bytes:
        return bytes.fromhex(str(await self.rpc.request("eth_getCode", [address, "latest"]))[2:])

    async def set_next_timestamp(self, timestamp: int) -> None:
        await self.rpc.request("evm_setNextBlockTimestamp", [timestamp])

    async def mine(self, timestamp: int | None = None) -> None:
        await self.rpc.request("evm_mine", [timestamp] if timestamp is not None else [])

    async def set_balance(self, address: str, wei: int) -> None:
        await self.rpc.request("anvil_setBalance", [address, hex(wei)])


def attach(chain: DevChain, manifest: Manifest, role: str) -> Contract:
    """The contract deployed in ``role`` of a world, bound to ``chain``."""
    source, name = manifest.artifacts[role].split(":")
    return Contract(chain, Artifact.load(name, source).abi, manifest.contract(role))


def attach_all(chain: DevChain, manifest: Manifest) -> dict[str, Contract]:
    """Every contract of a world by role, bound to ``chain``."""
    return {role: attach(chain, manifest, role) for role in manifest.artifacts}


class Contract:
    """A deployed contract: encode with its ABI, call and send through a DevChain."""

    def __init__(self, chain: DevChain, abi: ContractAbi, address: str) -> None:
        self.chain = chain
        self.abi = abi
        self.address = to_checksum_address(address)

    async def read(self, function: str, *args: Any, block: str = "latest") -> tuple[Any, ...]:
        data = await self.chain.call(self.address, self.abi.encode(function, *args), block=block)
        return self.abi.decode(function, data)

    async def read_one(self, function: str, *args: Any) -> Any:
        (value,) = await self.read(function, *args)
        return value

    async def send(
        self, function: str, *args: Any, sender: str, value: int = 0, gas: int | None = None
    ) -> dict[str, Any]:
        return await self.chain.send(
            sender, self.address, self.abi.encode(function, *args), value=value, gas=gas
        )

    def events(self, receipt: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """This contract's decoded events in ``receipt``, in log order."""
        decoded = []
        for log in receipt.get("logs", []):
            if str(log.get("address", "")).lower() != self.address.lower():
                continue
            event = self.abi.decode_log(log)
            if event is not None:
                decoded.append(event)
        return decoded
