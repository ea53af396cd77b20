"""Uniswap v3: quotes through QuoterV2, swaps through SwapRouter02, wallet spot holdings.

Reads (sans-I/O, per tick): each pool's slot0, a QuoterV2 quote each way at the
configured size, and the account's token balances and router allowances.
Swaps: ``multicall(deadline, [exactInputSingle])`` where the deadline is chain time of
the last read plus ``deadline_s``, and ``amountOutMinimum`` comes from the intent's
independent (oracle) reference price and the slippage bound — never from the pool's
own quote, which a sandwich can move. Approvals cover exactly the swap's input plus what
our swaps still in flight will pull through the router: ERC-20 ``approve`` sets the
allowance, it does not add to it (EIP-20: "If this function is called again it
overwrites the current allowance with _value", https://eips.ethereum.org/EIPS/eip-20),
so a second hedge approving only its own input while the first one's swap is not mined
would leave the first swap's allowance to whichever swap runs first, and the other
reverts with STF (Uniswap's TransferHelper.safeTransferFrom).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from agent.errors import RejectedError
from agent.in_flight import InFlight
from agent.intents import Action, Intent
from agent.model import Balance, Instrument, Kind, Position, Quote, VenueSnapshot
from agent.ports import BlockRef, Call, CallResult, TxRequest
from connectors.evm.abi import ContractAbi
from connectors.evm.tokens import ERC20, TokenConfig
from connectors.evm.venue import block_time, require

ROUTER = ContractAbi.load("ISwapRouter02")
QUOTER = ContractAbi.load("IQuoterV2")
POOL = ContractAbi.load("IUniswapV3Pool")
EXACT_INPUT_SINGLE = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"
MULTICALL_DEADLINE = "multicall(uint256,bytes[])"


@dataclass(frozen=True)
class PoolConfig:
    """A pool of ``base`` (volatile) against ``quote`` (USD stablecoin) at one fee tier."""

    address: str
    base: TokenConfig
    quote: TokenConfig
    fee: int
    quote_size: float  # base coins quoted each way per tick
    reference_price: float  # USD per base coin, sizes the buy-side quote until the first read


class UniswapV3Connector:
    def __init__(
        self,
        *,
        chain_id: int,
        account: str,
        router: str,
        quoter: str,
        pools: Sequence[PoolConfig],
        slippage_bps: float = 50.0,
        deadline_s: int = 120,
        name: str = "uniswap",
    ) -> None:
        if not pools:
            raise ValueError("uniswap connector needs at least one pool")
        self._name = name
        self.chain_id = chain_id
        self.account = account
        self.router = router
        self.quoter = quoter
        self.pools = list(pools)
        self.slippage = slippage_bps / 10_000
        self.deadline_s = deadline_s
        self.tokens = _unique_tokens(self.pools)
        self.last_block: BlockRef | None = None
        self.allowances: dict[str, int] = {}
        self._mids: dict[str, float] = {}

    @property
    def name(self) -> str:
        return self._name

    # --- reads ----------------------------------------------------------------------

    def plan(self) -> Sequence[Call]:
        calls: list[Call] = []
        for pool in self.pools:
            size = pool.base.to_units(pool.quote_size)
            spend = pool.quote.to_units(pool.quote_size * self._mid(pool))
            sell = (pool.base.address, pool.quote.address, size, pool.fee, 0)
            buy = (pool.quote.address, pool.base.address, spend, pool.fee, 0)
            calls.append(Call(pool.address, POOL.encode("slot0")))
            calls.append(Call(self.quoter, QUOTER.encode("quoteExactInputSingle", sell)))
            calls.append(Call(self.quoter, QUOTER.encode("quoteExactInputSingle", buy)))
        for token in self.tokens:
            calls.append(Call(token.address, ERC20.encode("balanceOf", self.account)))
            calls.append(Call(token.address, ERC20.encode("allowance", self.account, self.router)))
        return calls

    def _mid(self, pool: PoolConfig) -> float:
        """The last mid read (USD per coin), or the configured price before the first read."""
        return self._mids.get(pool.address, pool.reference_price)

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        quotes: list[Quote] = []
        marks: dict[str, float] = {}
        for index, pool in enumerate(self.pools):
            quote = self._quote(pool, results[3 * index : 3 * index + 3])
            quotes.append(quote)
            marks.setdefault(pool.base.underlying, float(quote.mark or 0.0))
        offset = 3 * len(self.pools)
        positions, balances = [], []
        for index, token in enumerate(self.tokens):
            raw = ERC20.decode_one(
                "balanceOf", require(results[offset + 2 * index], f"{token.symbol} balance")
            )
            self.allowances[token.symbol] = ERC20.decode_one(
                "allowance", require(results[offset + 2 * index + 1], "allowance")
            )
            amount = token.from_units(raw)
            balances.append(
                Balance(token.symbol, amount, amount * marks.get(token.underlying, 1.0))
            )
            if token.underlying in marks:
                positions.append(
                    Position(self._spot(token), amount, mark_price=marks[token.underlying])
                )
        self.last_block = block
        return VenueSnapshot(
            venue=self.name,
            observed_at=block_time(block),
            positions=tuple(positions),
            balances=tuple(balances),
            marks=marks,
            quotes=tuple(quotes),
            block_number=block.number,
        )

    def _quote(self, pool: PoolConfig, results: Sequence[CallResult]) -> Quote:
        """Mid from slot0; bid and ask (USD per coin, fees and impact included) at size."""
        slot0 = POOL.decode("slot0", require(results[0], f"{pool.address} slot0"))
        sold = QUOTER.decode("quoteExactInputSingle", require(results[1], "sell quote"))[0]
        bought = QUOTER.decode("quoteExactInputSingle", require(results[2], "buy quote"))[0]
        spent = pool.quote.from_units(pool.quote.to_units(pool.quote_size * self._mid(pool)))
        received = pool.base.from_units(bought)
        mid = pool_price(slot0[0], pool)
        self._mids[pool.address] = mid
        return Quote(
            symbol=_pool_symbol(pool),
            underlying=pool.base.underlying,
            bid=pool.quote.from_units(sold) / pool.quote_size,
            ask=spent / received if received > 0 else None,
            bid_size=pool.quote_size,
            ask_size=received,
            mark=mid,
        )

    def _spot(self, token: TokenConfig) -> Instrument:
        return Instrument(
            venue=self.name, symbol=token.symbol, underlying=token.underlying, kind=Kind.SPOT
        )

    # --- actions --------------------------------------------------------------------

    def allowed_calls(self) -> dict[str, frozenset[str]]:
        """Every (contract, function) this connector may send: the guard's allowlist."""
        calls = {self.router: frozenset({MULTICALL_DEADLINE})}
        for token in self.tokens:
            calls[token.address] = frozenset({ERC20.signature("approve")})
        return calls

    def build(self, intent: Intent, in_flight: Sequence[InFlight] = ()) -> Sequence[TxRequest]:
        """Approval (if needed) and the swap for a BUY or SELL of the pool's base asset.

        ``in_flight`` is our work not yet mined (``Executor.in_flight``): the approval,
        which replaces the allowance, covers its swaps' inputs as well as this one's.
        """
        if intent.action not in (Action.BUY, Action.SELL):
            raise RejectedError(f"uniswap cannot {intent.action.value}")
        if self.last_block is None:
            raise RejectedError("uniswap: no read yet; the swap deadline needs chain time")
        if (
            not intent.reference_price
            or intent.reference_price <= 0
            or not math.isfinite(intent.quantity)
        ):
            raise RejectedError(
                "uniswap: a swap needs a finite quantity and an oracle reference price"
            )
        pool = self._pool_for(intent)
        token_in, token_out, amount_in, min_out = self._amounts(pool, intent)
        swap = ROUTER.encode(
            EXACT_INPUT_SINGLE,
            (token_in.address, token_out.address, pool.fee, self.account, amount_in, min_out, 0),
        )
        deadline = self.last_block.timestamp + self.deadline_s
        requests = []
        needed = amount_in + sum(self._pull(item, token_in) for item in in_flight)
        if self.allowances.get(token_in.symbol, 0) < needed:
            requests.append(
                TxRequest(
                    self.chain_id,
                    token_in.address,
                    ERC20.encode("approve", self.router, needed),
                    ERC20.signature("approve"),
                )
            )
        requests.append(
            TxRequest(
                self.chain_id,
                self.router,
                ROUTER.encode(MULTICALL_DEADLINE, deadline, [swap]),
                MULTICALL_DEADLINE,
            )
        )
        return requests

    def _pull(self, item: InFlight, token: TokenConfig) -> int:
        """What an unmined swap of ours takes from ``token`` through the router, in
        units: a sell its quantity of the base; a buy at most its guard notional of the
        quote (never below quantity x reference price, ``agent.execution.rules``)."""
        if item.venue != self.name or item.action not in (Action.BUY, Action.SELL):
            return 0
        pools = [p for p in self.pools if p.base.underlying == item.asset]
        if not pools:
            return 0
        pool = pools[0]
        if item.action is Action.SELL and pool.base.address == token.address:
            return pool.base.to_units(item.quantity)
        if item.action is Action.BUY and pool.quote.address == token.address:
            return pool.quote.to_units(item.notional_usd)
        return 0

    def _pool_for(self, intent: Intent) -> PoolConfig:
        candidates = [p for p in self.pools if p.base.underlying == intent.asset]
        if intent.instrument is not None:
            candidates = [
                p for p in candidates if _pool_symbol(p) == intent.instrument.symbol
            ] or candidates
        if not candidates:
            raise RejectedError(f"uniswap: no pool for {intent.asset}")
        return candidates[0]

    def _amounts(
        self, pool: PoolConfig, intent: Intent
    ) -> tuple[TokenConfig, TokenConfig, int, int]:
        reference = float(intent.reference_price or 0.0)
        if intent.action is Action.SELL:
            worst = reference * (1 - self.slippage)
            if intent.limit_price:
                worst = max(worst, intent.limit_price)
            return (
                pool.base,
                pool.quote,
                pool.base.to_units(intent.quantity),
                pool.quote.to_units(intent.quantity * worst),
            )
        worst = reference * (1 + self.slippage)
        if intent.limit_price:
            worst = min(worst, intent.limit_price)
        spend = intent.quantity * reference
        return pool.quote, pool.base, pool.quote.to_units(spend), pool.base.to_units(spend / worst)


def pool_price(sqrt_price_x96: int, pool: PoolConfig) -> float:
    """USD per base coin from the pool's sqrtPriceX96, whichever token is token0."""
    raw: float = (sqrt_price_x96 / 2**96) ** 2  # token1 raw units per token0 raw unit
    scale: float = 10.0 ** (pool.base.decimals - pool.quote.decimals)
    base_is_token0 = int(pool.base.address, 16) < int(pool.quote.address, 16)
    return raw * scale if base_is_token0 else scale / raw


def _pool_symbol(pool: PoolConfig) -> str:
    return f"{pool.base.symbol}/{pool.quote.symbol}/{pool.fee}"


def _unique_tokens(pools: Sequence[PoolConfig]) -> list[TokenConfig]:
    seen: dict[str, TokenConfig] = {}
    for pool in pools:
        for token in (pool.base, pool.quote):
            seen.setdefault(token.address.lower(), token)
    return list(seen.values())
