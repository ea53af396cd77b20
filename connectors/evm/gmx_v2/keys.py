"""GMX v2 DataStore keys and units, derived exactly as gmx-synthetics v2.2 derives them.

A base key is ``keccak256(abi.encode("NAME"))`` (contracts/data/Keys.sol); a keyed value
lives under ``keccak256(abi.encode(BASE, args...))``; ``Config.setUint(base, data, v)``
stores under ``keccak256(base ++ data)`` with ``data = abi.encode(args...)``, which is the
same key. A position's key is ``keccak256(abi.encode(account, market, collateral, isLong))``.

Units: every USD amount is scaled by 1e30 (``USD_SCALE``); a token price is USD * 1e30 per
*smallest unit* of the token, so ETH at $3,000 (18 decimals) is 3000e12. Factors
(fee, funding, borrowing, collateral factors) are fractions scaled by 1e30.
"""

from __future__ import annotations

from functools import cache

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

USD_SCALE = 10**30  # GMX "float precision": USD amounts and factors
FLOAT_PRECISION_SQRT = 10**15  # funding amounts per size carry this extra scale
SECONDS_PER_YEAR = 365 * 86_400


# Keys are pure functions of their arguments and every tick's read asks for the same
# ones: each is hashed once (the memory is bounded by the markets, tokens and accounts).


@cache
def base_key(name: str) -> bytes:
    """``keccak256(abi.encode(name))``, as Keys.sol defines its constants."""
    return keccak(abi_encode(["string"], [name]))


def keyed(name: str, types: list[str], values: list[object]) -> bytes:
    """``keccak256(abi.encode(BASE, values...))`` for a Keys.sol key function."""
    return _keyed(name, tuple(types), tuple(values))


@cache
def _keyed(name: str, types: tuple[str, ...], values: tuple[object, ...]) -> bytes:
    return keccak(abi_encode(["bytes32", *types], [base_key(name), *values]))


@cache
def position_key(account: str, market: str, collateral_token: str, is_long: bool) -> bytes:
    """Position.getPositionKey."""
    return keccak(
        abi_encode(
            ["address", "address", "address", "bool"], [account, market, collateral_token, is_long]
        )
    )


def market_key(name: str, market: str) -> bytes:
    return keyed(name, ["address"], [market])


def market_side_key(name: str, market: str, flag: bool) -> bytes:
    """Keys of the form (BASE, market, bool): position fee factor, reserve and borrowing factors."""
    return keyed(name, ["address", "bool"], [market, flag])


def token_key(name: str, token: str) -> bytes:
    return keyed(name, ["address"], [token])


def account_list_key(name: str, account: str) -> bytes:
    """ACCOUNT_POSITION_LIST / ACCOUNT_ORDER_LIST of ``account``."""
    return keyed(name, ["address"], [account])


def usd(raw: int) -> float:
    """A 1e30-scaled GMX USD amount in USD."""
    return raw / USD_SCALE


def factor(raw: int) -> float:
    """A 1e30-scaled GMX factor as a fraction."""
    return raw / USD_SCALE


def price_to_usd(raw_price: int, token_decimals: int) -> float:
    """A GMX token price (USD * 1e30 per smallest unit) in USD per whole token."""
    scale: int = 10**token_decimals
    return raw_price * scale / USD_SCALE


def usd_to_price(price_usd: float, token_decimals: int) -> int:
    """USD per whole token as a GMX price (USD * 1e30 per smallest unit), rounded down."""
    return int(price_usd * 10 ** (30 - token_decimals))
