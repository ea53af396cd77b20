"""The Uniswap v3 connector against the world's pools, router and quoter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from agent.errors import RejectedError
from agent.in_flight import InFlight, InFlightKind
from agent.intents import Action, Intent
from agent.model import Kind
from connectors.evm.rpc import ChainClient
from connectors.evm.tokens import ERC20
from sim.chain import TransactionFailed
from tests.integration.conftest import World
from tests.integration.evm.helpers import send_all, uniswap_connector, venue

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


def _sell_eth(quantity: float, reference: float, limit: float | None = None) -> Intent:
    return Intent(
        venue="uniswap",
        action=Action.SELL,
        asset="ETH",
        quantity=quantity,
        reason="test",
        reference_price=reference,
        limit_price=limit,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def _fund_agent_weth(world: World, amount_wei: int) -> str:
    return await _fund_agent_weth_for(world, "agent", amount_wei)


async def test_quotes_bracket_the_mid_and_match_the_quoter(
    world: World, client: ChainClient
) -> None:
    connector = uniswap_connector(world.manifest, world.account("agent"))
    snapshot = await venue(client, connector).snapshot()
    quote = next(q for q in snapshot.quotes if q.symbol == "WETH/USDC/3000")
    assert quote.mark == pytest.approx(3000.0, rel=1e-9)
    assert quote.bid is not None
    assert quote.ask is not None
    assert quote.bid < quote.mark < quote.ask
    # 1 ETH into 1000 ETH x 3M USDC at 0.3%: out = 3e6 * 0.997 / (1000 + 0.997)
    assert quote.bid == pytest.approx(3e6 * 0.997 / 1000.997, rel=1e-6)
    assert snapshot.marks["ETH"] == pytest.approx(3000.0, rel=1e-9)


async def test_swap_moves_balances_as_the_chain_says(world: World, client: ChainClient) -> None:
    agent = await _fund_agent_weth(world, 5 * 10**18)
    connector = uniswap_connector(world.manifest, agent)
    spot = venue(client, connector)
    before = await spot.snapshot()
    assert next(p for p in before.positions if p.instrument.symbol == "WETH").quantity == 5.0
    await send_all(world, agent, connector.build(_sell_eth(2.0, reference=3000.0)))
    after = await spot.snapshot()
    weth = world.contract("token.WETH")
    usdc = world.contract("token.USDC")
    position = next(p for p in after.positions if p.instrument.symbol == "WETH")
    assert position.instrument.kind is Kind.SPOT
    assert position.quantity == (await weth.read_one("balanceOf", agent)) / 1e18 == 3.0
    received = next(b for b in after.balances if b.asset == "USDC").amount
    assert received == (await usdc.read_one("balanceOf", agent)) / 1e6
    assert 2 * 3000 * 0.99 < received < 2 * 3000


async def test_approval_is_bounded_to_the_swap(world: World, client: ChainClient) -> None:
    agent = await _fund_agent_weth(world, 5 * 10**18)
    connector = uniswap_connector(world.manifest, agent)
    await venue(client, connector).snapshot()
    requests = connector.build(_sell_eth(1.5, reference=3000.0))
    assert [r.function for r in requests] == [
        "approve(address,uint256)",
        "multicall(uint256,bytes[])",
    ]
    await send_all(world, agent, requests)
    allowance = await world.contract("token.WETH").read_one(
        "allowance", agent, world.manifest.contract("uniswap.router")
    )
    assert allowance == 0, "the approval covered exactly the swap's input"


async def test_two_hedges_in_flight_at_once_both_have_their_allowance(
    world: World, client: ChainClient
) -> None:
    """Hedge 2 is built while hedge 1's approval is not mined (a fee spike): each intent
    sends its swap once its approval is mined, so on chain they interleave as approval 1,
    approval 2, swap 1, swap 2. ``approve`` replaces the allowance, so approval 2 must
    cover both swaps; covering only its own, swap 1 would use it and swap 2 revert (STF)."""
    agent = await _fund_agent_weth(world, 5 * 10**18)
    connector = uniswap_connector(world.manifest, agent)
    connector.slippage = 0.05  # the pool's depth is not the subject: only allowances are
    await venue(client, connector).snapshot()  # one read: allowance 0, before either
    first_intent = _sell_eth(1.5, reference=3000.0)
    first = connector.build(first_intent)
    flying = InFlight(
        first_intent.intent_id, "uniswap", Action.SELL, "ETH", 1.5, 4500.0,
        InFlightKind.TRANSACTION, since=0.0,
    )  # fmt: skip
    unrelated = InFlight("x", "uniswap", Action.BUY, "ETH", 9.0, 27_000.0, flying.kind, 0.0)
    second = connector.build(_sell_eth(1.0, reference=3000.0), [flying, unrelated])
    router = world.manifest.contract("uniswap.router")
    weth = world.contract("token.WETH")
    assert len(first) == len(second) == 2
    assert second[0].data == ERC20.encode("approve", router, 25 * 10**17)  # 1.5 + 1.0 WETH
    receipts = await send_all(world, agent, [first[0], second[0], first[1], second[1]], gas=10**6)
    assert [r["status"] for r in receipts] == ["0x1"] * 4, receipts
    assert await weth.read_one("balanceOf", agent) == 25 * 10**17
    assert await weth.read_one("allowance", agent, router) == 0  # nothing left approved


async def test_sandwich_between_quote_and_send_reverts(world: World, client: ChainClient) -> None:
    agent = await _fund_agent_weth(world, 5 * 10**18)
    connector = uniswap_connector(world.manifest, agent)
    await venue(client, connector).snapshot()
    requests = connector.build(_sell_eth(2.0, reference=3000.0))
    whale = await _fund_agent_weth_for(world, "trader", 200 * 10**18)
    whale_connector = uniswap_connector(world.manifest, whale)
    whale_connector.slippage = 0.9  # the whale takes any price
    await venue(client, whale_connector).snapshot()
    await send_all(world, whale, whale_connector.build(_sell_eth(200.0, reference=3000.0)))
    with pytest.raises(TransactionFailed, match="Too little received"):
        await send_all(world, agent, requests, gas=1_000_000)
    weth = await world.contract("token.WETH").read_one("balanceOf", agent)
    assert weth == 5 * 10**18, "a reverted hedge keeps the agent's coins"


async def _fund_agent_weth_for(world: World, role: str, amount_wei: int) -> str:
    account = world.account(role)
    await world.contract("token.WETH").send("deposit", sender=account, value=amount_wei)
    return account


async def test_expired_deadline_reverts(world: World, client: ChainClient) -> None:
    agent = await _fund_agent_weth(world, 5 * 10**18)
    connector = uniswap_connector(world.manifest, agent)
    await venue(client, connector).snapshot()
    requests = connector.build(_sell_eth(1.0, reference=3000.0))
    await world.chain.set_next_timestamp(await world.chain.timestamp() + connector.deadline_s + 60)
    await world.chain.mine()
    await send_all(world, agent, requests[:-1])
    with pytest.raises(TransactionFailed, match="Transaction too old"):
        await send_all(world, agent, requests[-1:], gas=1_000_000)


def test_swap_without_oracle_price_is_refused(world: World) -> None:
    connector = uniswap_connector(world.manifest, world.account("agent"))
    with pytest.raises(RejectedError):
        connector.build(_sell_eth(1.0, reference=0.0))
