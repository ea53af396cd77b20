"""GMX v2 keepers of the local world: the order keeper and the liquidation keeper.

The order keeper executes every pending order of the DataStore's ORDER_LIST after each
market step, at the oracle price (OrderHandler.executeOrder, ORDER_KEEPER role). The
contract decides the outcome: a market order it cannot fill within acceptablePrice (or
that fails otherwise) is cancelled and refunded, never filled; the keeper records which
happened, with the decoded reason. Keeper errors (a stale feed) revert and leave the order
pending for the next step.

The liquidation keeper checks every position of POSITION_LIST with Reader's
isPositionLiquidatable (forLiquidation, validating MIN_COLLATERAL_USD, as the liquidation
order itself does) and liquidates through LiquidationHandler.executeLiquidation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from eth_utils.address import to_checksum_address

from connectors.evm.gmx_v2.events import OrderEventKind, decode_order_events
from connectors.evm.gmx_v2.keys import base_key, usd
from connectors.evm.jsonrpc import ExecutionReverted
from sim.chain import Contract, TransactionFailed
from sim.deploy.gmx import KEEPER_GAS
from sim.keepers import LiquidationRecord
from sim.manifest import Manifest
from sim.market import MarketState

log = structlog.get_logger(__name__)

NO_ORACLE_PARAMS: tuple[list[object], list[object], list[object]] = ([], [], [])
_ZERO = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class OrderExecutionRecord:
    """What the keeper did with one order. ``outcome`` is "executed" or "cancelled";
    ``reason`` is the contract's cancellation reason (e.g. OrderNotFulfillableAtAcceptable
    Price(price=..., acceptablePrice=...)); ``timestamp`` is chain time."""

    key: str
    account: str
    outcome: str
    timestamp: int
    reason: str = ""


async def list_values(store: Contract, name: str) -> list[bytes]:
    """Every bytes32 of one of the DataStore's lists (ORDER_LIST, POSITION_LIST)."""
    key = base_key(name)
    count = await store.read_one("getBytes32Count", key)
    return list(await store.read_one("getBytes32ValuesAt", key, 0, count)) if count else []


class GmxOrderKeeper:
    """A MarketListener that executes every pending GMX order after each step."""

    def __init__(self, manifest: Manifest, contracts: dict[str, Contract]) -> None:
        self.store = contracts["gmx.data_store"]
        self.handler = contracts["gmx.order_handler"]
        self.emitter = contracts["gmx.event_emitter"]
        self.account = manifest.accounts["keeper"]
        self.records: list[OrderExecutionRecord] = []
        self.enabled = True

    async def on_market(self, state: MarketState) -> None:
        if self.enabled:
            await self.execute_pending(state.timestamp)

    async def execute_pending(self, timestamp: int) -> list[OrderExecutionRecord]:
        """Execute (or see cancelled) every order now in ORDER_LIST; returns the new records."""
        done = []
        for key in await list_values(self.store, "ORDER_LIST"):
            try:
                receipt = await self.handler.send(
                    "executeOrder", key, NO_ORACLE_PARAMS, sender=self.account, gas=KEEPER_GAS
                )
            except TransactionFailed as error:  # a keeper error: the order stays pending
                log.warning("gmx order not executable yet", key="0x" + key.hex(), error=str(error))
                continue
            for event in decode_order_events(receipt.get("logs", []), self.emitter.address):
                if event.kind is OrderEventKind.CREATED:
                    continue
                outcome = {
                    OrderEventKind.EXECUTED: "executed",
                    OrderEventKind.FROZEN: "frozen",
                }.get(event.kind, "cancelled")
                done.append(
                    OrderExecutionRecord(event.key, event.account, outcome, timestamp, event.reason)
                )
        self.records += done
        return done


class GmxLiquidator:
    """A MarketListener that liquidates every liquidatable GMX position after each step."""

    def __init__(self, manifest: Manifest, contracts: dict[str, Contract]) -> None:
        self.manifest = manifest
        self.store = contracts["gmx.data_store"]
        self.reader = contracts["gmx.reader"]
        self.handler = contracts["gmx.liquidation_handler"]
        self.symbols = {info.address.lower(): s for s, info in manifest.tokens.items()}
        self.markets = {  # market token -> underlying
            address.lower(): role.removeprefix("gmx.market.")
            for role, address in manifest.contracts.items()
            if role.startswith("gmx.market.")
        }
        self.account = manifest.accounts["liquidator"]
        self.records: list[LiquidationRecord] = []
        self.enabled = True

    async def on_market(self, state: MarketState) -> None:
        if not self.enabled:
            return
        for key in await list_values(self.store, "POSITION_LIST"):
            position = await self.reader.read_one("getPosition", self.store.address, key)
            market = await self.reader.read_one("getMarket", self.store.address, position[0][1])
            try:
                prices = await self.reader.read_one(
                    "getMarketPrices", self.store.address, market[0]
                )  # Ballast-only Reader view: the Chainlink prices a keeper executes at
            except ExecutionReverted as error:  # a stale feed: no keeper can liquidate now
                log.warning("gmx liquidation check skipped", key="0x" + key.hex(), error=str(error))
                continue
            liquidatable, reason, _ = await self.reader.read(
                "isPositionLiquidatable", self.store.address, _ZERO, key, market, prices, True, True
            )
            if liquidatable:
                await self.liquidate(position, reason, state.timestamp)

    async def liquidate(self, position: Any, reason: str, timestamp: int) -> LiquidationRecord:
        """Liquidate one position (a Position.Props tuple); records the size closed (USD) as
        the debt repaid and the collateral not returned to the account as seized."""
        (account, market, collateral_token), numbers, (is_long,) = position
        receipt = await self.handler.send(
            "executeLiquidation",
            account,
            market,
            collateral_token,
            is_long,
            NO_ORACLE_PARAMS,
            sender=self.account,
            gas=KEEPER_GAS,
        )
        symbol = self.symbols[collateral_token.lower()]
        scale = 10 ** self.manifest.tokens[symbol].decimals
        returned = _collateral_returned(receipt, account, collateral_token)
        size_usd = usd(numbers[0])
        record = LiquidationRecord(
            venue="gmx",
            account=to_checksum_address(account),
            position=f"{self.markets.get(market.lower(), market)} "
            f"{'long' if is_long else 'short'}, {symbol} collateral",
            timestamp=timestamp,
            debt_repaid=size_usd,
            collateral_seized=(numbers[2] - returned) / scale,
            detail=f"{size_usd:,.2f} USD of size closed ({reason})",
        )
        self.records.append(record)
        return record


TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def _collateral_returned(receipt: dict[str, Any], account: str, token: str) -> int:
    """ERC-20 ``token`` transferred to ``account`` in the liquidation (raw units)."""
    total = 0
    for entry in receipt.get("logs", []):
        topics = entry.get("topics", [])
        if str(entry.get("address", "")).lower() != token.lower() or len(topics) != 3:
            continue
        if topics[0] == TRANSFER_TOPIC and topics[2][-40:].lower() == account[2:].lower():
            total += int(entry["data"], 16)
    return total
