"""Premia v3 options: positions, AMM quotes and IV per pool, trades with a premium limit.

One Premia pool is one option (base/quote, strike, maturity, call or put). A call is
collateralised by one base token per contract and pays (S - K) / S base at exercise (a
coin-settled, inverse payoff); a put by K quote and pays K - S quote (linear). Token ids
are SHORT = 0 and LONG = 1 (ERC1155); sizes and the oracle's values are 18-decimal
fixed point (UD60x18); premiums are in the pool token's own decimals.

Reads (sans-I/O, per tick): the oracle adapter's spot of each base/quote pair, and per
pool the account's LONG and SHORT balances, getQuoteAMM both ways for ``quote_size``
contracts, marketPrice (the normalised mid), the settlement price (an expired option is
marked at its exercise value, at the spot until the settlement price is cached) and the
volatility oracle's IV; then the pool tokens' balances and allowances to the ERC20Router.
The quote token is taken as a USD stablecoin (USD values = quote amounts).

Trades: ``trade(size, isBuy, premiumLimit, referrer)``. The limit comes from the intent's
independent reference premium (USD per contract, priced by the agent, not the pool) and
the slippage bound, tightened by its limit price; calls' limits are converted to base at
the last oracle spot. The approval to the ERC20Router covers exactly what the trade can
pull: the premium for a buy, the collateral net of the minimum premium for a sale (less
what closing the opposite side releases).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from fractions import Fraction

from agent.errors import ConfigError, RejectedError
from agent.in_flight import InFlight
from agent.intents import Action, Intent
from agent.model import (
    Balance,
    Instrument,
    Kind,
    OptionType,
    Position,
    Quote,
    Settlement,
    VenueSnapshot,
)
from agent.ports import BlockRef, Call, CallResult, ChainReader, TxRequest
from connectors.evm.abi import ContractAbi
from connectors.evm.premia_v3.pools import POOL, WAD, OptionPoolConfig
from connectors.evm.tokens import ERC20, TokenConfig
from connectors.evm.venue import block_time, require

ADAPTER = ContractAbi.load("IPremiaV3OracleAdapter")
VOL_ORACLE = ContractAbi.load("IPremiaV3VolatilityOracle")
SHORT, LONG = 0, 1
YEAR_S = 365 * 86_400  # Premia's ONE_YEAR
TRADE = "trade(uint256,bool,uint256,address)"
CALLS_PER_POOL = 7
_ZERO = "0x0000000000000000000000000000000000000000"


class PremiaV3Connector:
    """Option positions and quotes of one account over a set of Premia v3 pools.

    ``slippage_bps`` is relative to the reference premium: an AMM quote sits a spread
    (5% in the local world) plus a taker fee (3% of premium, at least 0.3% of notional, at
    most 12.5% of premium) away from a fair premium, so the default bound (20%) admits the
    worst of both; the guard may demand less.
    """

    def __init__(
        self,
        *,
        chain_id: int,
        account: str,
        router: str,
        oracle_adapter: str,
        volatility_oracle: str,
        pools: Sequence[OptionPoolConfig],
        slippage_bps: float = 2_000.0,
        name: str = "premia",
    ) -> None:
        if not pools:
            raise ValueError("premia connector needs at least one pool")
        self._name = name
        self.chain_id = chain_id
        self.account = account
        self.router = router
        self.oracle_adapter = oracle_adapter
        self.volatility_oracle = volatility_oracle
        self.pools = list(pools)
        self.slippage = slippage_bps / 10_000
        self.pairs = sorted({(p.base.address, p.quote.address) for p in self.pools})
        self.tokens = list(
            {t.address.lower(): t for p in self.pools for t in (p.base, p.quote)}.values()
        )
        self.spots: dict[tuple[str, str], int] = {}  # pair -> quote per base, 18 decimals
        self.balances: dict[str, tuple[int, int]] = {}  # pool -> (long, short), 18 decimals
        self.allowances: dict[str, int] = {}  # token (lower) -> ERC20Router
        self.last_block: BlockRef | None = None

    @property
    def name(self) -> str:
        return self._name

    async def discover(self, reader: ChainReader) -> None:
        """Check every pool's settings against its config and read a first spot."""
        _, results = await reader.read(
            [Call(p.address, POOL.encode("getPoolSettings")) for p in self.pools]
            + [Call(self.oracle_adapter, ADAPTER.encode("getPrice", b, q)) for b, q in self.pairs]
        )
        for pool, result in zip(self.pools, results, strict=False):
            base, quote, _, strike, maturity, is_call = POOL.decode(
                "getPoolSettings", require(result, "settings")
            )
            actual = (base.lower(), quote.lower(), strike, maturity, bool(is_call))
            expected = (
                pool.base.address.lower(),
                pool.quote.address.lower(),
                pool.strike_wad,
                pool.maturity,
                pool.is_call,
            )
            if actual != expected:
                raise ConfigError(
                    f"premia pool {pool.address} is {actual}, configured as {expected}"
                )
        for pair, result in zip(self.pairs, results[len(self.pools) :], strict=True):
            self.spots[pair] = ADAPTER.decode_one("getPrice", require(result, "spot"))

    # --- reads ----------------------------------------------------------------------

    def plan(self) -> Sequence[Call]:
        if not self.spots:
            raise ConfigError("premia: call discover() before the first read")
        now = self.last_block.timestamp if self.last_block else 0
        calls = [Call(self.oracle_adapter, ADAPTER.encode("getPrice", b, q)) for b, q in self.pairs]
        for pool in self.pools:
            size = int(Fraction(pool.quote_size) * WAD)
            years = max(pool.maturity - now, 1) * WAD // YEAR_S or 1
            spot = self.spots[(pool.base.address, pool.quote.address)]
            calls += [
                Call(pool.address, POOL.encode("balanceOf", self.account, LONG)),
                Call(pool.address, POOL.encode("balanceOf", self.account, SHORT)),
                Call(pool.address, POOL.encode("getQuoteAMM", self.account, size, True)),
                Call(pool.address, POOL.encode("getQuoteAMM", self.account, size, False)),
                Call(pool.address, POOL.encode("marketPrice")),
                Call(pool.address, POOL.encode("getSettlementPrice")),
                Call(
                    self.volatility_oracle,
                    VOL_ORACLE.encode(
                        "getVolatility", pool.base.address, spot, pool.strike_wad, years
                    ),
                ),
            ]
        for token in self.tokens:
            calls.append(Call(token.address, ERC20.encode("balanceOf", self.account)))
            calls.append(Call(token.address, ERC20.encode("allowance", self.account, self.router)))
        return calls

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        for pair, result in zip(self.pairs, results, strict=False):
            self.spots[pair] = ADAPTER.decode_one("getPrice", require(result, "oracle spot"))
        cursor = len(self.pairs)
        positions: list[Position] = []
        quotes: list[Quote] = []
        for pool in self.pools:
            chunk = results[cursor : cursor + CALLS_PER_POOL]
            cursor += CALLS_PER_POOL
            pool_positions, quote = self._pool(pool, block, chunk)
            positions += pool_positions
            if quote is not None:
                quotes.append(quote)
        balances = []
        for token in self.tokens:
            raw = ERC20.decode_one("balanceOf", require(results[cursor], f"{token.symbol} balance"))
            self.allowances[token.address.lower()] = ERC20.decode_one(
                "allowance", require(results[cursor + 1], "allowance")
            )
            amount = token.from_units(raw)
            balances.append(Balance(token.symbol, amount, amount * self._token_usd(token)))
            cursor += 2
        self.last_block = block
        return VenueSnapshot(
            venue=self.name,
            observed_at=block_time(block),
            positions=tuple(positions),
            balances=tuple(balances),
            marks={p.underlying: self._spot(p) for p in self.pools},
            quotes=tuple(quotes),
            block_number=block.number,
        )

    def _spot(self, pool: OptionPoolConfig) -> float:
        """Oracle spot, quote (USD) per base."""
        return self.spots[(pool.base.address, pool.quote.address)] / WAD

    def _token_usd(self, token: TokenConfig) -> float:
        for (base, _), spot in self.spots.items():
            if base.lower() == token.address.lower():
                return spot / WAD
        return 1.0  # a quote token: USD stablecoin

    def _pool(
        self, pool: OptionPoolConfig, block: BlockRef, chunk: Sequence[CallResult]
    ) -> tuple[list[Position], Quote | None]:
        long, short = (POOL.decode_one("balanceOf", require(r, "balanceOf")) for r in chunk[:2])
        self.balances[pool.address.lower()] = (long, short)
        expired = block.timestamp >= pool.maturity
        spot = self._spot(pool)
        if expired:  # worth its exercise value at the settlement price (spot until cached)
            settled = POOL.decode_one("getSettlementPrice", require(chunk[5], "settlement"))
            price = settled / WAD if settled else spot
            mark = max(price - pool.strike, 0.0) if pool.is_call else max(pool.strike - price, 0.0)
            vol = None
        else:
            normalized = POOL.decode_one("marketPrice", require(chunk[4], "marketPrice")) / WAD
            mark = normalized * (spot if pool.is_call else pool.strike)  # USD per contract
            vol = VOL_ORACLE.decode_one("getVolatility", require(chunk[6], "IV")) / WAD
        instrument = self.instrument(pool)
        positions = []
        for side, raw in (("LONG", long), ("SHORT", -short)):
            if raw == 0:
                continue
            collateral = (
                abs(raw) / WAD * (spot if pool.is_call else pool.strike) if raw < 0 else None
            )
            positions.append(
                Position(
                    instrument,
                    raw / WAD,
                    mark_price=mark,
                    collateral_usd=collateral,
                    mark_iv=vol,
                    position_id=side,
                )
            )
        return positions, None if expired else self._quote(pool, chunk[2], chunk[3], mark, spot)

    def _quote(
        self, pool: OptionPoolConfig, buy: CallResult, sell: CallResult, mark: float, spot: float
    ) -> Quote:
        """Premiums with fees, USD per contract, for ``quote_size`` contracts each way."""
        to_usd = spot if pool.is_call else 1.0
        scale = 10**pool.collateral.decimals
        ask = (
            POOL.decode("getQuoteAMM", require(buy, "buy quote"))[0]
            / scale
            * to_usd
            / pool.quote_size
        )
        bid = (
            POOL.decode("getQuoteAMM", require(sell, "sell quote"))[0]
            / scale
            * to_usd
            / pool.quote_size
        )
        return Quote(
            pool.address,
            bid=bid,
            ask=ask,
            bid_size=pool.quote_size,
            ask_size=pool.quote_size,
            mark=mark,
            index=spot,
            underlying=pool.underlying,
        )

    def instrument(self, pool: OptionPoolConfig) -> Instrument:
        """The pool as an option; its address is the symbol. Calls pay in the base coin."""
        return Instrument(
            venue=self.name,
            symbol=pool.address,
            underlying=pool.underlying,
            kind=Kind.OPTION,
            settlement=Settlement.INVERSE if pool.is_call else Settlement.LINEAR,
            option_type=OptionType.CALL if pool.is_call else OptionType.PUT,
            strike=pool.strike,
            expiry=datetime.fromtimestamp(pool.maturity, tz=UTC),
        )

    # --- actions --------------------------------------------------------------------

    def allowed_calls(self) -> dict[str, frozenset[str]]:
        """Every (contract, function) this connector may send: the guard's allowlist."""
        calls: dict[str, frozenset[str]] = {pool.address: frozenset({TRADE}) for pool in self.pools}
        for pool in self.pools:
            for token in (pool.base, pool.quote):
                calls[token.address] = frozenset({ERC20.signature("approve")})
        return calls

    def build(self, intent: Intent, in_flight: Sequence[InFlight] = ()) -> Sequence[TxRequest]:
        """Approval (if needed) and ``trade`` for a BUY or SELL of ``intent.quantity``
        contracts of the intent's pool, at a premium limit from its reference premium.

        Not netted yet: ``in_flight`` is ignored, so an approval here covers this
        intent's pull only (two of our intents pulling the same token at once can leave
        the first one's allowance to whichever runs first; see the Uniswap connector).
        """
        pool = self._checked(intent)
        buying = intent.action is Action.BUY
        size = int(Fraction(intent.quantity) * WAD)
        limit = self._premium_limit(pool, intent, buying)
        need = self._pull(pool, size, limit, buying)
        token = pool.collateral
        requests = []
        if need > 0 and self.allowances.get(token.address.lower(), 0) < need:
            approve = ERC20.encode("approve", self.router, need)
            requests.append(
                TxRequest(self.chain_id, token.address, approve, ERC20.signature("approve"))
            )
        trade = POOL.encode(TRADE, size, buying, limit, _ZERO)
        requests.append(TxRequest(self.chain_id, pool.address, trade, TRADE))
        return requests

    def _checked(self, intent: Intent) -> OptionPoolConfig:
        if intent.action not in (Action.BUY, Action.SELL):
            raise RejectedError(f"premia cannot {intent.action.value}")
        if intent.instrument is None:
            raise RejectedError("premia: an option trade names its pool (intent.instrument)")
        pool = next(
            (p for p in self.pools if p.address.lower() == intent.instrument.symbol.lower()), None
        )
        if pool is None:
            raise RejectedError(f"premia: pool {intent.instrument.symbol} is not configured")
        if self.last_block is None:
            raise RejectedError("premia: no read yet; the limit needs the oracle spot")
        if self.last_block.timestamp >= pool.maturity:
            raise RejectedError(
                f"premia: {pool.address} has expired; it settles, it does not trade"
            )
        reference = intent.reference_price
        if reference is None or not math.isfinite(reference) or reference <= 0:
            raise RejectedError("premia: a trade needs an independent reference premium")
        if not (math.isfinite(intent.quantity) and intent.quantity > 0):
            raise RejectedError("premia: a trade needs a finite positive number of contracts")
        return pool

    def _premium_limit(self, pool: OptionPoolConfig, intent: Intent, buying: bool) -> int:
        """Total premium limit in pool token units: the most paid (buy, rounded down) or
        the least received (sale, rounded up)."""
        reference = Fraction(float(intent.reference_price or 0.0))
        per_contract = reference * Fraction(1 + self.slippage if buying else 1 - self.slippage)
        if intent.limit_price:
            limit = Fraction(intent.limit_price)
            per_contract = min(per_contract, limit) if buying else max(per_contract, limit)
        total_usd = per_contract * Fraction(intent.quantity)
        to_token = (
            Fraction(WAD, self.spots[(pool.base.address, pool.quote.address)])
            if pool.is_call
            else Fraction(1)
        )
        unit: int = 10**pool.collateral.decimals
        units = total_usd * to_token * unit
        return math.floor(units) if buying else math.ceil(units)

    def _pull(self, pool: OptionPoolConfig, size: int, limit: int, buying: bool) -> int:
        """Most the pool can pull from the account (pool token units) for this trade."""
        long, short = self.balances.get(pool.address.lower(), (0, 0))
        closed = min(short if buying else long, size)
        moved = closed if buying else size - closed  # collateral released (buy) or posted
        collateral18 = moved if pool.is_call else moved * pool.strike_wad // WAD
        scale: int = 10 ** (18 - pool.collateral.decimals)
        if buying:  # released collateral pays part of the premium: count it low
            return limit - collateral18 // scale
        return -(-collateral18 // scale) - limit  # posted collateral: count it high
