"""Hyperliquid's action signatures, verified the way the venue does.

L1 actions (order, cancel ...) are signed as an EIP-712 ``Agent`` "phantom agent":
``{source: "a" (mainnet) | "b" (testnet), connectionId: keccak(msgpack(action) ||
nonce (8 bytes, big-endian) || vault flag [|| vault address] [|| 0x00 || expiresAfter
(8 bytes)])}`` under the domain ``Exchange / 1 / chainId 1337 / address 0``. The
server re-serialises the action from its own typed fields, in its own field order, so
a client that packs fields in another order (or adds fields) signs a different hash and
is refused. User-signed actions (approveAgent, approveBuilderFee) are EIP-712 messages
under the ``HyperliquidSignTransaction`` domain, chain id from ``signatureChainId``.
A signature is checked by recovering its signer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgpack
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
USER_SIGNED_TYPES: dict[str, list[dict[str, str]]] = {
    "approveAgent": [
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "agentAddress", "type": "address"},
        {"name": "agentName", "type": "string"},
        {"name": "nonce", "type": "uint64"},
    ],
    "approveBuilderFee": [
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "maxFeeRate", "type": "string"},
        {"name": "builder", "type": "address"},
        {"name": "nonce", "type": "uint64"},
    ],
}
_PRIMARY_TYPES = {
    "approveAgent": "HyperliquidTransaction:ApproveAgent",
    "approveBuilderFee": "HyperliquidTransaction:ApproveBuilderFee",
}


class SignatureError(Exception):
    """The signature cannot be checked at all (malformed)."""


def _pick(source: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: source[key] for key in keys if key in source}


def _order_wire(order: Mapping[str, Any]) -> dict[str, Any]:
    wire = _pick(order, ("a", "b", "p", "s", "r"))
    kind = order.get("t", {})
    if "limit" in kind:
        wire["t"] = {"limit": _pick(kind["limit"], ("tif",))}
    elif "trigger" in kind:
        wire["t"] = {"trigger": _pick(kind["trigger"], ("isMarket", "triggerPx", "tpsl"))}
    if order.get("c") is not None:
        wire["c"] = order["c"]
    return wire


def canonical_action(action: Mapping[str, Any]) -> dict[str, Any]:
    """The action as the venue re-serialises it: known fields only, in its order."""
    kind = action.get("type")
    if kind == "order":
        wire: dict[str, Any] = {
            "type": "order",
            "orders": [_order_wire(order) for order in action.get("orders", [])],
            "grouping": action.get("grouping", "na"),
        }
        if action.get("builder") is not None:
            wire["builder"] = _pick(action["builder"], ("b", "f"))
        return wire
    if kind == "cancel":
        return {"type": "cancel", "cancels": [_pick(c, ("a", "o")) for c in action["cancels"]]}
    if kind == "cancelByCloid":
        cancels = [_pick(c, ("asset", "cloid")) for c in action["cancels"]]
        return {"type": "cancelByCloid", "cancels": cancels}
    return dict(action)


def action_hash(
    action: Mapping[str, Any], nonce: int, vault: str | None, expires_after: int | None
) -> bytes:
    """The phantom agent's ``connectionId``."""
    data = msgpack.packb(canonical_action(action)) + nonce.to_bytes(8, "big")
    data += b"\x00" if vault is None else b"\x01" + bytes.fromhex(vault.removeprefix("0x"))
    if expires_after is not None:
        data += b"\x00" + expires_after.to_bytes(8, "big")
    return keccak(data)


def _recover(typed: dict[str, Any], signature: Mapping[str, Any]) -> str:
    try:
        message = encode_typed_data(full_message=typed)
        vrs = (int(signature["v"]), int(str(signature["r"]), 16), int(str(signature["s"]), 16))
        return str(Account.recover_message(message, vrs=vrs)).lower()
    except (KeyError, TypeError, ValueError) as error:
        raise SignatureError(str(error)) from error


def recover_l1_signer(
    action: Mapping[str, Any],
    nonce: int,
    signature: Mapping[str, Any],
    *,
    vault: str | None = None,
    expires_after: int | None = None,
    mainnet: bool = True,
) -> str:
    """The (lower-case) address whose key signed this L1 action."""
    typed = {
        "domain": {
            "name": "Exchange",
            "version": "1",
            "chainId": 1337,
            "verifyingContract": ZERO_ADDRESS,
        },
        "types": {
            "EIP712Domain": _DOMAIN_TYPE,
            "Agent": [
                {"name": "source", "type": "string"},
                {"name": "connectionId", "type": "bytes32"},
            ],
        },
        "primaryType": "Agent",
        "message": {
            "source": "a" if mainnet else "b",
            "connectionId": action_hash(action, nonce, vault, expires_after),
        },
    }
    return _recover(typed, signature)


def recover_user_signer(action: Mapping[str, Any], signature: Mapping[str, Any]) -> str:
    """The (lower-case) address that signed a user-signed action (approveAgent ...)."""
    kind = str(action.get("type"))
    fields = USER_SIGNED_TYPES.get(kind)
    if fields is None:
        raise SignatureError(f"not a user-signed action: {kind}")
    try:
        chain_id = int(str(action["signatureChainId"]), 16)
        message = {field["name"]: action[field["name"]] for field in fields}
    except (KeyError, ValueError) as error:
        raise SignatureError(f"malformed {kind}: {error}") from error
    for field in fields:
        if field["type"] == "address":
            message[field["name"]] = to_checksum_address(message[field["name"]])
    typed = {
        "domain": {
            "name": "HyperliquidSignTransaction",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": ZERO_ADDRESS,
        },
        "types": {"EIP712Domain": _DOMAIN_TYPE, _PRIMARY_TYPES[kind]: fields},
        "primaryType": _PRIMARY_TYPES[kind],
        "message": message,
    }
    return _recover(typed, signature)
