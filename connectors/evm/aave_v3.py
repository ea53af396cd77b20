"""Aave v3: supply and debt per asset, health, reserve state; lending intents.

Start-up (``discover``): with an addresses provider, the Pool, the data provider and the
oracle come from ``PoolAddressesProvider.getPool``/``getPoolDataProvider``/
``getPriceOracle`` (the data provider moves between releases: v3.4 retired the one
earlier configs pinned); then each asset's aToken (``getReserveTokensAddresses``) and
e-mode category (``getReserveEModeCategory``).

Reads (sans-I/O, per tick), the market's calls, the same for every account (the batch
makes each once): ``getEModeCategoryData`` for each category the assets belong to, and per
reserve ``PoolDataProvider.getReserveData``, ``getReserveConfigurationData``,
``getReserveCaps``, ``getPaused``, ``AaveOracle.getAssetPrice``, the underlying's balance
in the aToken, ``Pool.getReserveData`` and its two normalized indexes. Then, when the
account is read in full (``aave_v3_kept``: first read, its own events, the rotation's
cross-check...), its own calls (``aave_v3_account``); otherwise its figures are computed
exactly from its kept state (``aave_v3_local``). Rates are Aave's (APR in ray, not APY).

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

The snapshot: ``connectors.evm.aave_v3_snapshot``. Intents: ``connectors.evm.aave_v3_actions``
(the Pool calls and their approvals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_utils.address import to_checksum_address

from agent.errors import ConfigError
from agent.in_flight import InFlight
from agent.intents import Intent
from agent.model import (
    VenueSnapshot,
)
from agent.ports import BlockRef, Call, CallResult, ChainReader, TxRequest
from connectors.evm import aave_v3_actions, aave_v3_liquidations
from connectors.evm.aave_v3_account import AccountFigures
from connectors.evm.aave_v3_checks import MarketChecks, MarketRead
from connectors.evm.aave_v3_kept import KeptAccount
from connectors.evm.aave_v3_reserves import (
    EModeCategory,
    emode_read,
    market_figures,
    market_view,
)
from connectors.evm.aave_v3_snapshot import AssetFacts, Noted, account_snapshot
from connectors.evm.abi import ContractAbi
from connectors.evm.chain_news import ChainNews
from connectors.evm.tokens import ERC20, TokenConfig
from connectors.evm.venue import SubCallFailed, require

POOL = ContractAbi.load("IPool")
DATA_PROVIDER = ContractAbi.load("IPoolDataProvider")
ORACLE = ContractAbi.load("IAaveOracle")
ADDRESSES_PROVIDER = ContractAbi.load("IPoolAddressesProvider")
SCALED = ContractAbi.load("IScaledBalanceToken")
MARKET_CALLS_PER_ASSET = 9
# What each of an asset's market calls reads, in ``plan`` order, for the error naming a
# failed one (the first six: ``reserve_read``; the last three: ``reserve_figures``).
_LABELS = ("reserve data", "config", "caps", "paused", "price", "aToken cash",
           "pool reserve", "income index", "debt index")  # fmt: skip


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
        checks: MarketChecks | None = None,
    ) -> None:
        """``checks``: the market's cross-checks, shared by its accounts (a new one with
        the default rotation when None)."""
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
        self._noted = Noted(self.allowances, self.debts, self.stable_debts)
        self.a_tokens: dict[str, str] = {}
        self.debt_tokens: dict[str, tuple[str, str]] = {}  # symbol -> (stable, variable)
        self.emode_of: dict[str, int] = {}  # asset symbol -> its e-mode category (0: none)
        # the plan's key, the market calls, the market and account calls (a full read)
        self._plan: tuple[tuple[object, ...], tuple[Call, ...], tuple[Call, ...]] | None = None
        self._facts: tuple[AssetFacts, ...] = ()  # of the plan's assets, in their order
        self._emodes: tuple[int, ...] = ()  # the plan's assets' e-mode categories
        self.checks = checks if checks is not None else MarketChecks()
        self.checks.join(name)
        self.kept = KeptAccount(name, account)  # read in full or computed (aave_v3_local)
        self._news: ChainNews | None = None  # this tick's, until ``plan`` takes it

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
            self.debt_tokens[asset.symbol] = (
                to_checksum_address(tokens[1]),
                to_checksum_address(tokens[2]),
            )
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
            checks=self.checks,
        )
        other.a_tokens = dict(self.a_tokens)
        other.debt_tokens = dict(self.debt_tokens)
        other.emode_of = dict(self.emode_of)
        return other

    @property
    def _categories(self) -> list[int]:
        return sorted({c for c in self.emode_of.values() if c})

    # --- reads ----------------------------------------------------------------------

    def watched_addresses(self) -> Sequence[str]:
        """The contracts whose logs may name the account: the Pool, and per asset the
        underlying, the aToken and both debt tokens (``chain_news``)."""
        found = [self.pool]
        for asset in self.assets:
            found += [asset.address, self.a_tokens.get(asset.symbol, "")]
            found += self.debt_tokens.get(asset.symbol, ())
        return [address for address in found if address]

    def observe(self, news: ChainNews) -> None:
        """This tick's news: whether the account is read in full or computed."""
        self._news = news
        self.checks.begin(news.tick)

    def doubted(self, missed: frozenset[str] | None) -> bool:
        """Computed this tick from kept state while a cross-check of this tick failed, or
        while logs the tick's news missed name the account (None: unknown)."""
        if self.kept.full:
            return False
        return self.checks.suspect or missed is None or self.account.lower() in missed

    def plan(self) -> Sequence[Call]:
        """The calls of this tick: the market's (the same for every account: the batch
        makes each once), then, for a full read, the account's. Each is the same tuple as
        long as what it depends on (the account, the market's contracts, the assets, their
        aTokens and the e-mode categories) is the same, so the batch they join is kept
        (``connectors.evm.batch``)."""
        if len(self.a_tokens) != len(self.assets):
            raise ConfigError(f"{self.name}: discover() must run before the first read")
        assets = tuple(self.assets)
        emode_of, a_tokens = self.emode_of, self.a_tokens
        emodes = tuple([emode_of[asset.symbol] for asset in assets])
        key = (
            self.account, self.pool, self.data_provider, self.oracle, assets,
            tuple([a_tokens[asset.symbol] for asset in assets]), emodes,
        )  # fmt: skip
        if self._plan is None or self._plan[0] != key:
            market = self.checks.shared_calls(key[1:], self._market_calls)
            self._plan = (key, market, market + self._account_calls())
            self._facts = tuple(AssetFacts.of(self.name, asset) for asset in assets)
            self._emodes = emodes
        news, self._news = self._news, None
        full = self.kept.choose(news, self.checks)
        return self._plan[2] if full else self._plan[1]

    def _market_calls(self) -> tuple[Call, ...]:
        pool, provider = self.pool, self.data_provider
        calls = [Call(pool, POOL.encode("getEModeCategoryData", c)) for c in self._categories]
        for asset in self.assets:
            address = asset.address
            calls += [
                Call(provider, DATA_PROVIDER.encode("getReserveData", address)),
                Call(provider, DATA_PROVIDER.encode("getReserveConfigurationData", address)),
                Call(provider, DATA_PROVIDER.encode("getReserveCaps", address)),
                Call(provider, DATA_PROVIDER.encode("getPaused", address)),
                Call(self.oracle, ORACLE.encode("getAssetPrice", address)),
                Call(address, ERC20.encode("balanceOf", self.a_tokens[asset.symbol])),
                Call(pool, POOL.encode("getReserveData", address)),
                Call(pool, POOL.encode("getReserveNormalizedIncome", address)),
                Call(pool, POOL.encode("getReserveNormalizedVariableDebt", address)),
            ]
        return tuple(calls)

    def _account_calls(self) -> tuple[Call, ...]:
        account, provider = self.account, self.data_provider
        calls = [
            Call(self.pool, POOL.encode("getUserAccountData", account)),
            Call(self.pool, POOL.encode("getUserEMode", account)),
            Call(self.pool, POOL.encode("getUserConfiguration", account)),
        ]
        for asset in self.assets:
            address = asset.address
            calls += [
                Call(provider, DATA_PROVIDER.encode("getUserReserveData", address, account)),
                Call(address, ERC20.encode("balanceOf", account)),
                Call(address, ERC20.encode("allowance", account, self.pool)),
                Call(self.a_tokens[asset.symbol], SCALED.encode("scaledBalanceOf", account)),
            ]
        return tuple(calls)

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        """The snapshot from this tick's results: the account's figures as read in full,
        or as computed from its kept state; a failure drops the state (the next tick
        reads the account in full)."""
        try:
            return self._decode(block, results)
        except BaseException:
            self.kept.state = None
            raise

    def _decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        assert self._plan is not None
        market_count = len(self._plan[1])
        kept = self.kept
        if len(results) != (len(self._plan[2]) if kept.full else market_count):
            raise SubCallFailed(f"{self.name}: {len(results)} results for this tick's plan")
        categories, risks, per_asset, figures = self.checks.parsed(
            results[:market_count], self._market
        )
        if kept.full:
            symbols = [asset.symbol for asset in self.assets]
            account_results = results[market_count:]
            account = kept.from_chain(account_results, symbols, figures, risks, self.checks)
        else:
            account = kept.computed(figures, risks, self.checks)
        return self._snapshot(block, account, categories, per_asset)

    def _market(self, results: Sequence[CallResult]) -> MarketRead:
        """The market's results: e-mode categories, each asset's results and figures."""
        categories, risks = emode_read(results, self._categories)
        first = len(categories)
        per_asset = [
            results[first + i * MARKET_CALLS_PER_ASSET : first + (i + 1) * MARKET_CALLS_PER_ASSET]
            for i in range(len(self.assets))
        ]
        if not all(result.success for result in results):
            for asset, part in zip(self.assets, per_asset, strict=True):
                for label, result in zip(_LABELS, part, strict=True):
                    require(result, f"{asset.symbol} {label}")  # the first failed, named
        return categories, risks, per_asset, [market_figures(part) for part in per_asset]

    def _snapshot(
        self,
        block: BlockRef,
        account: AccountFigures,
        categories: dict[int, EModeCategory],
        per_asset: Sequence[Sequence[CallResult]],
    ) -> VenueSnapshot:
        """The account's snapshot, beside the reserves' view its e-mode shares with every
        account of the market; the allowances and debts noted for intents."""
        key = (account.emode, *self._emodes)
        view = self.checks.view(key, lambda: market_view(self.assets, key, categories, per_asset))
        return account_snapshot(self.name, block, account, view, self._facts, self._noted)

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
        """eth_getLogs filter for the Pool's ``LiquidationCall`` events against our account."""
        return aave_v3_liquidations.log_filter(self.pool, self.account, from_block, to_block)

    def liquidations(self, logs: Sequence[Mapping[str, Any]]) -> list[str]:
        """Each LiquidationCall log as evidence: transaction, block, amounts, liquidator."""
        return aave_v3_liquidations.evidence(logs)
