"""Aave v3: supply and debt per asset, health, reserve state; lending intents.

Start-up (``discover``): with an addresses provider, the Pool, the data provider and the
oracle come from ``PoolAddressesProvider.getPool``/``getPoolDataProvider``/
``getPriceOracle`` (the data provider moves between releases: v3.4 retired the one
earlier configs pinned); then each asset's aToken (``getReserveTokensAddresses``) and
e-mode category (``getReserveEModeCategory``).

Reads (sans-I/O, per tick): ``Pool.getUserAccountData`` and ``getUserEMode`` for the
account, ``getEModeCategoryData`` for each category the assets belong to, and per
reserve ``PoolDataProvider.getUserReserveData``, ``getReserveData``,
``getReserveConfigurationData``, ``getReserveCaps``, ``getPaused``,
``AaveOracle.getAssetPrice``, the underlying's balance in the aToken, and the account's
wallet balance and allowance to the pool. Rates are Aave's (APR in ray, not APY).

Debt is variable plus stable (``getUserReserveData`` fields 2 and 1). Not modelled: an
e-mode category's own price source (GenericLogic prices its assets through it when set;
Ballast uses each asset's oracle price, which is what a category without one uses). A reserve's
available liquidity is ``underlying.balanceOf(aToken)``: the cash the interest-rate
strategy itself counts in v3.0 (aave-v3-core v1.19,
contracts/protocol/pool/DefaultReserveInterestRateStrategy.sol, calculateInterestRates;
v3.1 replaced it with a virtual balance, ``Pool.getVirtualUnderlyingBalance``, which this
connector does not read yet: on a v3.1+ market, tokens sent to the aToken outside the
protocol would count here). Total aTokens minus total debt is not it: the treasury's
accrued share is owed but not yet minted.

Intents: ``connectors.evm.aave_v3_actions`` (the Pool calls and their approvals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_utils.address import to_checksum_address

from agent.errors import ConfigError
from agent.in_flight import InFlight
from agent.intents import Intent
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
from agent.ports import BlockRef, Call, CallResult, ChainReader, TxRequest
from connectors.evm import aave_v3_actions
from connectors.evm.aave_v3_reserves import EModeCategory, ReserveRead, reserve_read
from connectors.evm.abi import ContractAbi
from connectors.evm.tokens import ERC20, TokenConfig
from connectors.evm.venue import block_time, require

POOL = ContractAbi.load("IPool")
DATA_PROVIDER = ContractAbi.load("IPoolDataProvider")
ORACLE = ContractAbi.load("IAaveOracle")
ADDRESSES_PROVIDER = ContractAbi.load("IPoolAddressesProvider")
CALLS_PER_ASSET = 9
# What each of an asset's calls reads, in ``plan`` order, for the error naming a failed one.
_LABELS = ("user reserve", "reserve data", "config", "caps", "paused", "price", "balance",
           "allowance", "aToken cash")  # fmt: skip


class AaveV3Connector:
    def __init__(
        self,
        *,
        chain_id: int,
        account: str,
        assets: Sequence[TokenConfig],
        pool: str | None = None,
        data_provider: str | None = None,
        oracle: str | None = None,
        addresses_provider: str | None = None,
        name: str = "aave",
    ) -> None:
        if addresses_provider is None and None in (pool, data_provider, oracle):
            raise ConfigError(f"{name}: give addresses_provider, or pool, data_provider and oracle")
        self._name = name
        self.chain_id = chain_id
        self.account = account
        self.addresses_provider = addresses_provider
        self.pool = pool or ""
        self.data_provider = data_provider or ""
        self.oracle = oracle or ""
        self.assets = list(assets)
        self.allowances: dict[str, int] = {}
        self.debts: dict[str, int] = {}  # variable + stable, raw units, as last read
        self.stable_debts: dict[str, int] = {}
        self.a_tokens: dict[str, str] = {}
        self.emode_of: dict[str, int] = {}  # asset symbol -> its e-mode category (0: none)
        self._plan: tuple[tuple[object, ...], tuple[Call, ...]] | None = None
        self._instruments: dict[tuple[str, str, str, Kind], Instrument] = {}

    @property
    def name(self) -> str:
        return self._name

    # --- start-up -------------------------------------------------------------------

    async def discover(self, reader: ChainReader) -> None:
        """Resolve the market's contracts, then each asset's aToken and e-mode category."""
        if self.addresses_provider is not None:
            functions = ("getPool", "getPoolDataProvider", "getPriceOracle")
            _, results = await reader.read(
                [Call(self.addresses_provider, ADDRESSES_PROVIDER.encode(f)) for f in functions]
            )
            self.pool, self.data_provider, self.oracle = (
                to_checksum_address(
                    ADDRESSES_PROVIDER.decode_one(f, require(r, f"{self.name} {f}"))
                )
                for f, r in zip(functions, results, strict=True)
            )
        calls = []
        for asset in self.assets:
            calls += [
                Call(
                    self.data_provider,
                    DATA_PROVIDER.encode("getReserveTokensAddresses", asset.address),
                ),
                Call(
                    self.data_provider,
                    DATA_PROVIDER.encode("getReserveEModeCategory", asset.address),
                ),
            ]
        _, results = await reader.read(calls)
        for index, asset in enumerate(self.assets):
            tokens = DATA_PROVIDER.decode(
                "getReserveTokensAddresses", require(results[2 * index], f"{asset.symbol} tokens")
            )
            if int(tokens[0], 16) == 0:
                raise ConfigError(f"{self.name}: {asset.symbol} is not a reserve of this market")
            self.a_tokens[asset.symbol] = to_checksum_address(tokens[0])
            category = results[2 * index + 1]
            # v3.2 replaced a reserve's single category with per-category bitmaps and
            # dropped getReserveEModeCategory from the data provider (aave-v3-origin,
            # src/contracts/helpers/AaveProtocolDataProvider.sol): without it the
            # reserve's own thresholds are used, which are never above the category's,
            # so the health factor read is the lower, safer one.
            self.emode_of[asset.symbol] = (
                DATA_PROVIDER.decode_one("getReserveEModeCategory", category.data)
                if category.success
                else 0
            )

    def for_account(self, account: str, name: str) -> AaveV3Connector:
        """A connector for another account on this market, sharing its discovery."""
        other = AaveV3Connector(
            chain_id=self.chain_id,
            account=account,
            assets=self.assets,
            pool=self.pool,
            data_provider=self.data_provider,
            oracle=self.oracle,
            name=name,
        )
        other.a_tokens = dict(self.a_tokens)
        other.emode_of = dict(self.emode_of)
        return other

    @property
    def _categories(self) -> list[int]:
        return sorted({c for c in self.emode_of.values() if c})

    # --- reads ----------------------------------------------------------------------

    def plan(self) -> Sequence[Call]:
        """The calls of this tick: the same tuple as long as what they depend on (the
        account, the market's contracts, the assets, their aTokens and the e-mode
        categories) is the same, so the batch they join is kept (``connectors.evm.batch``)."""
        if len(self.a_tokens) != len(self.assets):
            raise ConfigError(f"{self.name}: discover() must run before the first read")
        assets = tuple(self.assets)
        key = (
            self.account, self.pool, self.data_provider, self.oracle, assets,
            tuple(self.a_tokens[asset.symbol] for asset in assets), tuple(self._categories),
        )  # fmt: skip
        if self._plan is None or self._plan[0] != key:
            self._plan = (key, self._calls())
        return self._plan[1]

    def _calls(self) -> tuple[Call, ...]:
        calls = [
            Call(self.pool, POOL.encode("getUserAccountData", self.account)),
            Call(self.pool, POOL.encode("getUserEMode", self.account)),
            *(Call(self.pool, POOL.encode("getEModeCategoryData", c)) for c in self._categories),
        ]
        for asset in self.assets:
            address = asset.address
            provider = self.data_provider
            calls += [
                Call(provider, DATA_PROVIDER.encode("getUserReserveData", address, self.account)),
                Call(provider, DATA_PROVIDER.encode("getReserveData", address)),
                Call(provider, DATA_PROVIDER.encode("getReserveConfigurationData", address)),
                Call(provider, DATA_PROVIDER.encode("getReserveCaps", address)),
                Call(provider, DATA_PROVIDER.encode("getPaused", address)),
                Call(self.oracle, ORACLE.encode("getAssetPrice", address)),
                Call(address, ERC20.encode("balanceOf", self.account)),
                Call(address, ERC20.encode("allowance", self.account, self.pool)),
                Call(address, ERC20.encode("balanceOf", self.a_tokens[asset.symbol])),
            ]
        return tuple(calls)

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        account_data = POOL.decode("getUserAccountData", require(results[0], "getUserAccountData"))
        user_emode = POOL.decode_one("getUserEMode", require(results[1], "getUserEMode"))
        categories: dict[int, EModeCategory] = {}
        for offset, number in enumerate(self._categories):
            (data,) = POOL.decode(
                "getEModeCategoryData", require(results[2 + offset], f"e-mode {number}")
            )
            categories[number] = EModeCategory(number, data[0], data[1], data[2])
        first = 2 + len(categories)
        positions: list[Position] = []
        reserves: list[ReserveState] = []
        rates: list[Rate] = []
        balances: list[Balance] = []
        marks: dict[str, float] = {}
        for index, asset in enumerate(self.assets):
            start = first + index * CALLS_PER_ASSET
            part = results[start : start + CALLS_PER_ASSET]
            applies = user_emode != 0 and self.emode_of[asset.symbol] == user_emode
            category = categories.get(user_emode) if applies else None
            market, user_positions, wallet = self._asset(asset, part, category)
            reserves.append(market.reserve)
            positions += user_positions
            balances.append(wallet)
            rates += market.rates
            marks.setdefault(asset.underlying, market.reserve.price_usd)
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
        self, asset: TokenConfig, results: Sequence[CallResult], category: EModeCategory | None
    ) -> tuple[ReserveRead, list[Position], Balance]:
        """The reserve (decoded once per tick for every account: ``_market``), our
        positions in it and our wallet's balance."""
        what = asset.symbol
        for index, result in enumerate(results):
            if not result.success:  # the first failed call, named
                require(result, f"{what} {_LABELS[index]}")
        user = DATA_PROVIDER.decode("getUserReserveData", results[0].data)
        market = reserve_read(asset, results, category)
        wallet = ERC20.decode_one("balanceOf", results[6].data)
        self.allowances[what] = ERC20.decode_one("allowance", results[7].data)
        supplied, debt = user[0], user[2] + user[1]  # variable + stable
        self.debts[what] = debt
        self.stable_debts[what] = user[1]
        price = market.reserve.price_usd
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
        return market, positions, Balance(what, amount, amount * price)

    def _instrument(self, asset: TokenConfig, kind: Kind) -> Instrument:
        """The asset's instrument (immutable: made once, not every tick)."""
        key = (self.name, asset.symbol, asset.underlying, kind)
        found = self._instruments.get(key)
        if found is None:
            found = self._instruments[key] = Instrument(
                venue=self.name, symbol=asset.symbol, underlying=asset.underlying, kind=kind
            )
        return found

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

    def build(self, intent: Intent, in_flight: Sequence[InFlight] = ()) -> Sequence[TxRequest]:
        """The Pool calls for ``intent``, after an approval covering them and the pulls
        of ``in_flight`` (our unmined supplies and repays of the same asset)."""
        return aave_v3_actions.build(self, intent, in_flight)

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
