"""ERC-20 tokens as the EVM connectors see them, and unit conversions."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.evm.abi import ContractAbi

ERC20 = ContractAbi.load("IERC20Token")
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True)
class TokenConfig:
    """A token and the underlying it represents for risk (WETH -> ETH, USDC -> USDC)."""

    symbol: str
    address: str
    decimals: int
    underlying: str

    def to_units(self, amount: float) -> int:
        """``amount`` (whole tokens) in the token's smallest unit, rounded down."""
        scale: int = 10**self.decimals
        return int(amount * scale)

    def from_units(self, raw: int) -> float:
        scale: int = 10**self.decimals
        return raw / scale
