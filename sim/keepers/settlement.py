"""The options settlement keeper: settles every expired Premia pool for its holders.

After each step it looks at the factory's pools (PoolFactory.getPools, a listing helper of
the local world) whose maturity has passed, and calls ``exerciseFor`` for the holders of
LONG (id 1) and ``settleFor`` for the holders of SHORT (id 0) at zero cost, so payouts
reach the holders at once as the pools' own settlement math says (the settlement price is
the oracle adapter's price at maturity, cached by the first call). The pool's own address,
which holds its inventory, is skipped: its capital needs no settling.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from eth_utils.address import to_checksum_address

from sim.chain import Contract, DevChain, TransactionFailed, attach
from sim.manifest import Manifest
from sim.market import MarketState

log = structlog.get_logger(__name__)

WAD = 10**18
LONG, SHORT = 1, 0


@dataclass(frozen=True)
class SettlementRecord:
    """One holder settled. ``payout`` is in the pool token (WETH for calls, USDC for puts),
    after the exercise fee; ``contracts`` in contracts (one unit of WETH each);
    ``settlement_price`` in USDC per WETH; ``timestamp`` chain time."""

    pool: str
    name: str
    holder: str
    side: str  # "long" | "short"
    contracts: float
    payout: float
    settlement_price: float
    timestamp: int


@dataclass(frozen=True)
class _PoolFacts:
    contract: Contract
    name: str
    strike: int  # 18 decimals
    maturity: int
    is_call: bool


class OptionsSettlementKeeper:
    """A MarketListener that exercises and settles expired Premia options."""

    def __init__(self, chain: DevChain, manifest: Manifest) -> None:
        self.chain = chain
        self.factory = attach(chain, manifest, "premia.factory")
        self.pool_abi = attach(chain, manifest, "premia.pool_implementation").abi
        self.account = manifest.accounts["keeper"]
        self.records: list[SettlementRecord] = []
        self.settled: set[str] = set()
        self._pools: dict[str, _PoolFacts] = {}
        self.enabled = True

    async def on_market(self, state: MarketState) -> None:
        if not self.enabled:
            return
        for address in await self.factory.read_one("getPools"):
            if address in self.settled:
                continue
            pool = await self._facts(address)
            if pool.maturity <= state.timestamp:
                await self.settle(pool, state.timestamp)

    async def _facts(self, address: str) -> _PoolFacts:
        if address not in self._pools:
            contract = Contract(self.chain, self.pool_abi, address)
            _, _, _, strike, maturity, is_call = await contract.read("getPoolSettings")
            name = await contract.read_one("name")
            self._pools[address] = _PoolFacts(contract, name, strike, maturity, is_call)
        return self._pools[address]

    async def settle(self, pool: _PoolFacts, timestamp: int) -> list[SettlementRecord]:
        """Exercise every outside LONG and settle every outside SHORT of one pool."""
        done: list[SettlementRecord] = []
        complete = True
        for token_id, function in ((LONG, "exerciseFor"), (SHORT, "settleFor")):
            holders = [
                h
                for h in await pool.contract.read_one("accountsByToken", token_id)
                if h.lower() != pool.contract.address.lower()
            ]
            if not holders:
                continue
            try:
                receipt = await pool.contract.send(function, holders, 0, sender=self.account)
            except TransactionFailed as error:  # no usable price at maturity yet: retry later
                log.warning("premia settlement deferred", pool=pool.name, error=str(error))
                complete = False
                break
            for name, args in pool.contract.events(receipt):
                record = self._record(pool, name, args, timestamp)
                if record is not None:
                    done.append(record)
        self.records += done
        if complete:
            self.settled.add(pool.contract.address)
        return done

    def _record(
        self, pool: _PoolFacts, name: str, args: dict[str, int | str], timestamp: int
    ) -> SettlementRecord | None:
        if name not in ("Exercise", "Settle"):
            return None
        size, value = int(args["contractSize"]), int(args["exerciseValue"])
        if name == "Exercise":
            payout = value  # already net of the exercise fee
        else:  # the short gets its collateral back less what the longs are owed
            payout = (size if pool.is_call else size * pool.strike // WAD) - value
        return SettlementRecord(
            pool=pool.contract.address,
            name=pool.name,
            holder=to_checksum_address(str(args["holder"])),
            side="long" if name == "Exercise" else "short",
            contracts=size / WAD,
            payout=payout / WAD,
            settlement_price=int(args["settlementPrice"]) / WAD,
            timestamp=timestamp,
        )
