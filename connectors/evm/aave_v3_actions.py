"""Aave v3 transactions for an intent: the Pool calls, after the approval they need.

Intents: supply, withdraw, borrow (variable mode), repay and repay with aTokens
(variable debt first, then stable debt, each in its own rate mode), and the collateral
toggle. A quantity of ``math.inf`` means "all" (``type(uint256).max``).
Approvals cover exactly what the action pulls, plus what our supplies and repays still in
flight will pull (``approve`` overwrites the allowance, EIP-20); a full repay approves
the debt read at the last tick plus a small margin for interest accrued until execution.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from agent.errors import ConfigError, RejectedError
from agent.in_flight import InFlight
from agent.intents import Action, Intent
from agent.ports import TxRequest
from connectors.evm.abi import ContractAbi
from connectors.evm.tokens import ERC20, MAX_UINT256, TokenConfig

if TYPE_CHECKING:
    from connectors.evm.aave_v3 import AaveV3Connector

POOL = ContractAbi.load("IPool")  # the same object as aave_v3's (loads are cached)
VARIABLE_RATE_MODE = 2
STABLE_RATE_MODE = 1  # DataTypes.InterestRateMode (aave-v3-core v1.19): NONE 0, STABLE 1
# Interest accrued between the read and a full repay must still be covered by the approval.
FULL_REPAY_MARGIN = 0.001


class _Build:
    """One intent's transactions for ``aave`` (its Pool, account and last read)."""

    def __init__(self, aave: AaveV3Connector, in_flight: Sequence[InFlight]) -> None:
        self.aave, self.in_flight = aave, in_flight

    def pool_call(self, function: str, *args: object) -> TxRequest:
        aave = self.aave
        if not aave.pool:
            raise ConfigError(f"{aave.name}: discover() must find the Pool before any action")
        return TxRequest(
            aave.chain_id, aave.pool, POOL.encode(function, *args), POOL.signature(function)
        )

    def approval(self, asset: TokenConfig, amount: int) -> list[TxRequest]:
        amount += sum(self._pull(item, asset) for item in self.in_flight)
        if self.aave.allowances.get(asset.symbol, 0) >= amount:
            return []
        data = ERC20.encode("approve", self.aave.pool, amount)
        return [TxRequest(self.aave.chain_id, asset.address, data, ERC20.signature("approve"))]

    def _pull(self, item: InFlight, asset: TokenConfig) -> int:
        """What an unmined supply or repay of ours takes from ``asset`` through the Pool."""
        if (
            item.venue != self.aave.name
            or item.action not in (Action.SUPPLY, Action.REPAY)
            or item.asset not in (asset.symbol, asset.underlying)
            or not math.isfinite(item.quantity)
        ):
            return 0
        return asset.to_units(item.quantity)

    def supply(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        supply = self.pool_call("supply", asset.address, amount, self.aave.account, 0)
        return [*self.approval(asset, amount), supply]

    def withdraw(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        return [self.pool_call("withdraw", asset.address, amount, self.aave.account)]

    def borrow(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        account = self.aave.account
        return [self.pool_call("borrow", asset.address, amount, VARIABLE_RATE_MODE, 0, account)]

    def by_mode(self, symbol: str, amount: int) -> list[tuple[int, int]]:
        """(rate mode, amount) to repay ``amount`` of ``symbol``: variable debt first, the
        rest from stable debt, each as last read; all of both for ``MAX_UINT256``."""
        variable = self.aave.debts.get(symbol, 0) - self.aave.stable_debts.get(symbol, 0)
        stable = self.aave.stable_debts.get(symbol, 0)
        if not stable:
            return [(VARIABLE_RATE_MODE, amount)]
        if amount == MAX_UINT256:
            modes = [(VARIABLE_RATE_MODE, amount)] if variable else []
            return [*modes, (STABLE_RATE_MODE, amount)]
        from_variable = min(amount, variable)
        parts = [(VARIABLE_RATE_MODE, from_variable)] if from_variable else []
        rest = amount - from_variable
        return [*parts, (STABLE_RATE_MODE, rest)] if rest else parts

    def repay(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        pulled = amount
        if amount == MAX_UINT256:
            debt = self.aave.debts.get(asset.symbol, 0)
            pulled = math.ceil(debt * (1 + FULL_REPAY_MARGIN)) + 1
        repays = [
            self.pool_call("repay", asset.address, part, mode, self.aave.account)
            for mode, part in self.by_mode(asset.symbol, amount)
        ]
        return [*self.approval(asset, pulled), *repays]

    def repay_with_collateral(
        self, asset: TokenConfig, amount: int, intent: Intent
    ) -> list[TxRequest]:
        return [
            self.pool_call("repayWithATokens", asset.address, part, mode)
            for mode, part in self.by_mode(asset.symbol, amount)
        ]

    def collateral(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        enable = intent.action is Action.ENABLE_COLLATERAL
        return [self.pool_call("setUserUseReserveAsCollateral", asset.address, enable)]


def _asset_for(aave: AaveV3Connector, name: str) -> TokenConfig:
    for asset in aave.assets:
        if name in (asset.symbol, asset.underlying):
            return asset
    raise RejectedError(f"aave: no reserve for {name}")


def build(aave: AaveV3Connector, intent: Intent, in_flight: Sequence[InFlight]) -> list[TxRequest]:
    """The Pool calls for ``intent``, after an approval covering them and the pulls of
    ``in_flight`` (our unmined supplies and repays of the same asset)."""
    asset = _asset_for(aave, intent.asset)
    everything = math.isinf(intent.quantity)
    if intent.quantity <= 0 or math.isnan(intent.quantity):
        raise RejectedError(f"aave: invalid quantity {intent.quantity} for {intent.action.value}")
    amount = MAX_UINT256 if everything else asset.to_units(intent.quantity)
    making = _Build(aave, in_flight)
    builders: dict[Action, Callable[[TokenConfig, int, Intent], list[TxRequest]]] = {
        Action.SUPPLY: making.supply,
        Action.WITHDRAW: making.withdraw,
        Action.BORROW: making.borrow,
        Action.REPAY: making.repay,
        Action.REPAY_WITH_COLLATERAL: making.repay_with_collateral,
        Action.ENABLE_COLLATERAL: making.collateral,
        Action.DISABLE_COLLATERAL: making.collateral,
    }
    builder = builders.get(intent.action)
    if builder is None:
        raise RejectedError(f"aave cannot {intent.action.value}")
    if everything and intent.action in (Action.SUPPLY, Action.BORROW):
        raise RejectedError(f"aave: {intent.action.value} needs a finite quantity")
    return builder(asset, amount, intent)
