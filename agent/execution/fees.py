"""EIP-1559 fees: the first offer, and replacements that bump both fields.

All amounts are wei per gas. A replacement raises both ``maxFeePerGas`` and
``maxPriorityFeePerGas`` by at least 12.5 % (geth's pool wants 10 %; the extra margin
covers providers with stricter pools) and never above the caps; when that is not
possible the transaction is left as it is rather than offered above the cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.execution.limits import GasCaps
from agent.ports import Rpc

BUMP_NUMERATOR = 9  # 9/8 = +12.5 %
BUMP_DENOMINATOR = 8


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """What the chain asks now: the next block's base fee and a suggested tip (wei/gas)."""

    base_fee_wei: int
    priority_fee_wei: int


@dataclass(frozen=True, slots=True)
class Fees:
    """The two EIP-1559 fee fields of one transaction (wei/gas)."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def __str__(self) -> str:
        return (
            f"maxFee {self.max_fee_per_gas / 1e9:.3f} gwei, "
            f"tip {self.max_priority_fee_per_gas / 1e9:.3f} gwei"
        )


def _hex_int(value: object) -> int:
    return int(str(value), 16)


async def quote_fees(rpc: Rpc) -> FeeQuote:
    """Read the next block's base fee (``eth_feeHistory``) and the node's suggested tip."""
    history = await rpc.request("eth_feeHistory", [1, "latest", []])
    base_fee = _hex_int(history["baseFeePerGas"][-1])
    tip = _hex_int(await rpc.request("eth_maxPriorityFeePerGas"))
    return FeeQuote(base_fee_wei=base_fee, priority_fee_wei=tip)


def initial_fees(quote: FeeQuote, caps: GasCaps) -> Fees:
    """Tip as suggested and max fee at twice the base fee plus the tip, both capped.

    Twice the base fee survives six full blocks of +12.5 % base-fee growth.
    """
    tip = min(quote.priority_fee_wei, caps.max_priority_fee_per_gas_wei)
    max_fee = min(2 * quote.base_fee_wei + tip, caps.max_fee_per_gas_wei)
    return Fees(max_fee_per_gas=max(max_fee, tip), max_priority_fee_per_gas=tip)


def minimum_bump(value: int) -> int:
    """The smallest value at least 12.5 % above ``value`` (and strictly above it)."""
    return max(value + 1, -(-value * BUMP_NUMERATOR // BUMP_DENOMINATOR))


def replacement_fees(previous: Fees, quote: FeeQuote, caps: GasCaps) -> Fees | None:
    """Fees for a replacement of ``previous``, or None if the caps leave no room.

    Each field is the larger of the minimum bump and what the market now asks, capped;
    if a capped field falls short of its minimum bump, no replacement is possible.
    """
    market = initial_fees(quote, caps)
    tip = max(minimum_bump(previous.max_priority_fee_per_gas), market.max_priority_fee_per_gas)
    max_fee = max(minimum_bump(previous.max_fee_per_gas), market.max_fee_per_gas, tip)
    if tip > caps.max_priority_fee_per_gas_wei or max_fee > caps.max_fee_per_gas_wei:
        return None
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)
