"""Aave v3: supply and variable debt per asset, health, reserve state; lending intents.

Reads (sans-I/O, per tick): ``Pool.getUserAccountData`` for the account, and per
reserve ``PoolDataProvider.getUserReserveData``, ``getReserveData`` and
``getReserveConfigurationData``, ``AaveOracle.getAssetPrice``, and the account's wallet
balance and allowance to the pool. Rates are Aave's (APR in ray, not APY).

Intents: supply, withdraw, borrow, repay (variable mode), repay with aTokens, and the
collateral toggle. A quantity of ``math.inf`` means "all" (``type(uint256).max``).
Approvals cover exactly what the action pulls; a full repay approves the debt read at
the last tick plus a small margin for interest accrued until execution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from agent.errors import RejectedError
from agent.intents import Action, Intent
from agent.model import (
    Balance,
    Health,
    Instrument,
    Kind,
    Position,
    Rate,
    ReserveState,
    VenueSnapshot,
)
from agent.ports import BlockRef, Call, CallResult, TxRequest
from connectors.evm.abi import ContractAbi
from connectors.evm.tokens import ERC20, MAX_UINT256, TokenConfig
from connectors.evm.venue import block_time, require

POOL = ContractAbi.load("IPool")
DATA_PROVIDER = ContractAbi.load("IPoolDataProvider")
ORACLE = ContractAbi.load("IAaveOracle")
RAY = 10**27
VARIABLE_RATE_MODE = 2
CALLS_PER_ASSET = 6
# Interest accrued between the read and a full repay must still be covered by the approval.
FULL_REPAY_MARGIN = 0.001


class AaveV3Connector:
    def __init__(
        self,
        *,
        chain_id: int,
        account: str,
        pool: str,
        data_provider: str,
        oracle: str,
        assets: Sequence[TokenConfig],
        name: str = "aave",
    ) -> None:
        self._name = name
        self.chain_id = chain_id
        self.account = account
        self.pool = pool
        self.data_provider = data_provider
        self.oracle = oracle
        self.assets = list(assets)
        self.allowances: dict[str, int] = {}
        self.debts: dict[str, int] = {}

    @property
    def name(self) -> str:
        return self._name

    # --- reads ----------------------------------------------------------------------

    def plan(self) -> Sequence[Call]:
        calls = [Call(self.pool, POOL.encode("getUserAccountData", self.account))]
        for asset in self.assets:
            address = asset.address
            calls += [
                Call(
                    self.data_provider,
                    DATA_PROVIDER.encode("getUserReserveData", address, self.account),
                ),
                Call(self.data_provider, DATA_PROVIDER.encode("getReserveData", address)),
                Call(
                    self.data_provider, DATA_PROVIDER.encode("getReserveConfigurationData", address)
                ),
                Call(self.oracle, ORACLE.encode("getAssetPrice", address)),
                Call(address, ERC20.encode("balanceOf", self.account)),
                Call(address, ERC20.encode("allowance", self.account, self.pool)),
            ]
        return calls

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        account_data = POOL.decode("getUserAccountData", require(results[0], "getUserAccountData"))
        positions: list[Position] = []
        reserves: list[ReserveState] = []
        rates: list[Rate] = []
        balances: list[Balance] = []
        marks: dict[str, float] = {}
        for index, asset in enumerate(self.assets):
            start = 1 + index * CALLS_PER_ASSET
            part = results[start : start + CALLS_PER_ASSET]
            reserve, user_positions, wallet = self._asset(asset, part)
            reserves.append(reserve)
            positions += user_positions
            balances.append(wallet)
            rates += [
                Rate(asset.symbol, "supply", reserve.supply_apr),
                Rate(asset.symbol, "borrow", reserve.borrow_apr),
            ]
            marks.setdefault(asset.underlying, reserve.price_usd)
        return VenueSnapshot(
            venue=self.name,
            observed_at=block_time(block),
            positions=tuple(positions),
            balances=tuple(balances),
            health=(Health.from_aave_account_data(self.name, tuple(account_data)),),
            marks=marks,
            rates=tuple(rates),
            reserves=tuple(reserves),
            block_number=block.number,
        )

    def _asset(
        self, asset: TokenConfig, results: Sequence[CallResult]
    ) -> tuple[ReserveState, list[Position], Balance]:
        what = asset.symbol
        user = DATA_PROVIDER.decode(
            "getUserReserveData", require(results[0], f"{what} user reserve")
        )
        data = DATA_PROVIDER.decode("getReserveData", require(results[1], f"{what} reserve data"))
        config = DATA_PROVIDER.decode(
            "getReserveConfigurationData", require(results[2], f"{what} config")
        )
        price = ORACLE.decode_one("getAssetPrice", require(results[3], f"{what} price")) / 10**8
        wallet = ERC20.decode_one("balanceOf", require(results[4], f"{what} balance"))
        self.allowances[what] = ERC20.decode_one(
            "allowance", require(results[5], f"{what} allowance")
        )
        supplied, debt = user[0], user[2]
        self.debts[what] = debt
        total_supply, total_debt = data[2], data[3] + data[4]
        reserve = ReserveState(
            symbol=what,
            price_usd=price,
            supply_apr=data[5] / RAY,
            borrow_apr=data[6] / RAY,
            utilization=total_debt / total_supply if total_supply else 0.0,
            available_liquidity=asset.from_units(max(total_supply - total_debt, 0)),
            ltv=config[1] / 10_000,
            liquidation_threshold=config[2] / 10_000,
            liquidation_bonus=config[3] / 10_000,
        )
        positions = []
        if supplied:
            amount = asset.from_units(supplied)
            collateral = amount * price if user[8] else 0.0
            instrument = self._instrument(asset, Kind.LENDING_SUPPLY)
            positions.append(
                Position(instrument, amount, mark_price=price, collateral_usd=collateral)
            )
        if debt:
            instrument = self._instrument(asset, Kind.LENDING_DEBT)
            positions.append(Position(instrument, -asset.from_units(debt), mark_price=price))
        amount = asset.from_units(wallet)
        return reserve, positions, Balance(what, amount, amount * price)

    def _instrument(self, asset: TokenConfig, kind: Kind) -> Instrument:
        return Instrument(
            venue=self.name, symbol=asset.symbol, underlying=asset.underlying, kind=kind
        )

    # --- actions --------------------------------------------------------------------

    def allowed_calls(self) -> dict[str, frozenset[str]]:
        """Every (contract, function) this connector may send: the guard's allowlist."""
        functions = ("supply", "withdraw", "borrow", "repay", "repayWithATokens")
        pool = {POOL.signature(f) for f in functions} | {
            POOL.signature("setUserUseReserveAsCollateral")
        }
        calls = {self.pool: frozenset(pool)}
        for asset in self.assets:
            calls[asset.address] = frozenset({ERC20.signature("approve")})
        return calls

    def build(self, intent: Intent) -> Sequence[TxRequest]:
        asset = self._asset_for(intent.asset)
        everything = math.isinf(intent.quantity)
        if intent.quantity <= 0 or math.isnan(intent.quantity):
            raise RejectedError(
                f"aave: invalid quantity {intent.quantity} for {intent.action.value}"
            )
        amount = MAX_UINT256 if everything else asset.to_units(intent.quantity)
        builders = {
            Action.SUPPLY: self._supply,
            Action.WITHDRAW: self._withdraw,
            Action.BORROW: self._borrow,
            Action.REPAY: self._repay,
            Action.REPAY_WITH_COLLATERAL: self._repay_with_collateral,
            Action.ENABLE_COLLATERAL: self._collateral,
            Action.DISABLE_COLLATERAL: self._collateral,
        }
        builder = builders.get(intent.action)
        if builder is None:
            raise RejectedError(f"aave cannot {intent.action.value}")
        if everything and intent.action in (Action.SUPPLY, Action.BORROW):
            raise RejectedError(f"aave: {intent.action.value} needs a finite quantity")
        return builder(asset, amount, intent)

    def liquidation_filter(self, from_block: int, to_block: int) -> dict[str, object]:
        """eth_getLogs filter for the Pool's ``LiquidationCall`` events against our account
        (Aave v3 IPool: collateralAsset, debtAsset and user indexed, in that order)."""
        user = "0x" + self.account.lower().removeprefix("0x").rjust(64, "0")
        topic = "0x" + POOL.event_topic("LiquidationCall").hex()
        return {
            "address": self.pool, "fromBlock": hex(from_block), "toBlock": hex(to_block),
            "topics": [topic, None, None, user],
        }  # fmt: skip

    def liquidations(self, logs: Sequence[Mapping[str, Any]]) -> list[str]:
        """Each LiquidationCall log as evidence: transaction, block, amounts, liquidator."""
        found = []
        for log in logs:
            decoded = POOL.decode_log(log)
            if decoded is None or decoded[0] != "LiquidationCall":
                continue
            values = decoded[1]
            found.append(
                f"LiquidationCall tx {log['transactionHash']} block {int(log['blockNumber'], 16)}:"
                f" debt covered {values['debtToCover']}, collateral taken"
                f" {values['liquidatedCollateralAmount']} (smallest units), liquidator"
                f" {values['liquidator']}"
            )
        return found

    def _asset_for(self, name: str) -> TokenConfig:
        for asset in self.assets:
            if name in (asset.symbol, asset.underlying):
                return asset
        raise RejectedError(f"aave: no reserve for {name}")

    def _pool_call(self, function: str, *args: object) -> TxRequest:
        return TxRequest(
            self.chain_id, self.pool, POOL.encode(function, *args), POOL.signature(function)
        )

    def _approval(self, asset: TokenConfig, amount: int) -> list[TxRequest]:
        if self.allowances.get(asset.symbol, 0) >= amount:
            return []
        data = ERC20.encode("approve", self.pool, amount)
        return [TxRequest(self.chain_id, asset.address, data, ERC20.signature("approve"))]

    def _supply(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        supply = self._pool_call("supply", asset.address, amount, self.account, 0)
        return [*self._approval(asset, amount), supply]

    def _withdraw(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        return [self._pool_call("withdraw", asset.address, amount, self.account)]

    def _borrow(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        return [
            self._pool_call("borrow", asset.address, amount, VARIABLE_RATE_MODE, 0, self.account)
        ]

    def _repay(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        pulled = amount
        if amount == MAX_UINT256:
            pulled = math.ceil(self.debts.get(asset.symbol, 0) * (1 + FULL_REPAY_MARGIN)) + 1
        repay = self._pool_call("repay", asset.address, amount, VARIABLE_RATE_MODE, self.account)
        return [*self._approval(asset, pulled), repay]

    def _repay_with_collateral(
        self, asset: TokenConfig, amount: int, intent: Intent
    ) -> list[TxRequest]:
        return [self._pool_call("repayWithATokens", asset.address, amount, VARIABLE_RATE_MODE)]

    def _collateral(self, asset: TokenConfig, amount: int, intent: Intent) -> list[TxRequest]:
        enable = intent.action is Action.ENABLE_COLLATERAL
        return [self._pool_call("setUserUseReserveAsCollateral", asset.address, enable)]
