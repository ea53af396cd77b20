"""The Aave liquidator: liquidates every account whose health factor is below 1.

Borrowers are discovered from the pool's Borrow events. For each unhealthy account it
repays the largest debt against the largest collateral with ``debtToCover = max``, so
the pool applies its own close factor, and keeps a record of what it did.
"""

from __future__ import annotations

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from sim.chain import Contract, DevChain
from sim.keepers import LiquidationRecord
from sim.manifest import Manifest
from sim.market import MarketState

MAX_UINT256 = 2**256 - 1
WAD = 10**18
BORROW_TOPIC = (
    "0x" + keccak(text="Borrow(address,address,address,uint256,uint8,uint256,uint16)").hex()
)


class AaveLiquidator:
    """A MarketListener that liquidates unhealthy Aave accounts after every step."""

    def __init__(self, chain: DevChain, manifest: Manifest, contracts: dict[str, Contract]) -> None:
        self.chain = chain
        self.manifest = manifest
        self.pool = contracts["aave.pool"]
        self.data_provider = contracts["aave.data_provider"]
        self.oracle = contracts["aave.oracle"]
        self.tokens = {symbol: contracts[f"token.{symbol}"] for symbol in manifest.tokens}
        self.account = manifest.accounts["liquidator"]
        self.borrowers: set[str] = set()
        self.records: list[LiquidationRecord] = []
        self._next_block = 0
        self.enabled = True

    async def on_market(self, state: MarketState) -> None:
        if not self.enabled:
            return
        await self._discover_borrowers()
        for account in sorted(self.borrowers):
            health = (await self.pool.read("getUserAccountData", account))[5]
            if health < WAD:
                await self.liquidate(account, state.timestamp)

    async def _discover_borrowers(self) -> None:
        latest = int(await self.chain.rpc.request("eth_blockNumber"), 16)
        if latest < self._next_block:
            return
        logs = await self.chain.rpc.request(
            "eth_getLogs",
            [
                {
                    "address": self.pool.address,
                    "topics": [BORROW_TOPIC],
                    "fromBlock": hex(self._next_block),
                    "toBlock": hex(latest),
                }
            ],
        )
        for log in logs:
            self.borrowers.add(to_checksum_address("0x" + log["topics"][2][-40:]))
        self._next_block = latest + 1

    async def _positions(self, account: str) -> tuple[str, str]:
        """(largest collateral symbol, largest debt symbol) by USD value."""
        best_collateral, best_debt = ("", 0), ("", 0)
        for symbol, token in self.tokens.items():
            data = await self.data_provider.read("getUserReserveData", token.address, account)
            price = await self.oracle.read_one("getAssetPrice", token.address)
            scale = 10 ** self.manifest.tokens[symbol].decimals
            collateral_value = data[0] * price // scale if data[8] else 0
            debt_value = (data[1] + data[2]) * price // scale  # stable + variable
            if collateral_value > best_collateral[1]:
                best_collateral = (symbol, collateral_value)
            if debt_value > best_debt[1]:
                best_debt = (symbol, debt_value)
        return best_collateral[0], best_debt[0]

    async def liquidate(self, account: str, timestamp: int) -> LiquidationRecord | None:
        collateral, debt = await self._positions(account)
        if not collateral or not debt:
            return None
        debt_token = self.tokens[debt]
        await debt_token.send("approve", self.pool.address, MAX_UINT256, sender=self.account)
        receipt = await self.pool.send(
            "liquidationCall",
            self.tokens[collateral].address,
            debt_token.address,
            account,
            MAX_UINT256,
            False,
            sender=self.account,
        )
        event = next(args for name, args in self.pool.events(receipt) if name == "LiquidationCall")
        record = LiquidationRecord(
            venue="aave",
            account=account,
            position=f"{collateral} collateral / {debt} debt",
            timestamp=timestamp,
            debt_repaid=event["debtToCover"] / 10 ** self.manifest.tokens[debt].decimals,
            collateral_seized=event["liquidatedCollateralAmount"]
            / 10 ** self.manifest.tokens[collateral].decimals,
        )
        self.records.append(record)
        return record
