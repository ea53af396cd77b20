"""Lost replies, slow replies and "order not found": never a second order (RELIABILITY 12, 13)."""

from __future__ import annotations

import ccxt.async_support as ccxt
import pytest
from cex_world import (
    DERIBIT_CLIENT_ID,
    DERIBIT_SECRET,
    Rig,
    Sleeps,
    hyperliquid_venue,
    make_rig,
    make_venue,
    move,
)

from agent.errors import OutcomeUnknown, RejectedError, TransientError
from connectors.cex.endpoint import Endpoint
from sim.market import MarketDriver
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator


async def test_a_lost_reply_is_recovered_by_client_id_with_exactly_one_order(rig: Rig) -> None:
    rig.simulator.faults.drop_order_replies(1)
    state = await rig.venue.place_order(rig.request("lost-1"))
    assert state.status == "closed"
    assert state.filled_quantity == pytest.approx(rig.quantity)
    assert rig.orders("lost-1") == 1
    assert rig.simulator.count(rig.order_operation) == 1
    [position] = (await rig.venue.snapshot()).positions
    assert position.quantity == pytest.approx(rig.coin_quantity, rel=1e-3)
    assert rig.venue.unresolved_client_ids == frozenset()


async def test_a_reply_slower_than_the_timeout_is_treated_as_lost(
    kind: str, simulator: DeribitSimulator | HyperliquidSimulator, sleeps: Sleeps
) -> None:
    async with make_venue(kind, simulator, sleep=sleeps, timeout_s=0.3) as venue:
        rig = make_rig(kind, simulator, venue)
        simulator.faults.slow_replies(delay_s=0.6, requests=1)
        state = await venue.place_order(rig.request("slow-1"))
    assert state.status == "closed"
    assert rig.orders("slow-1") == 1
    assert simulator.count(rig.order_operation) == 1


async def test_not_found_for_a_while_then_filled_never_duplicates(
    rig: Rig, driver: MarketDriver
) -> None:
    rig.simulator.faults.drop_order_replies(1)
    rig.simulator.faults.hide_order(rig.hide_key("nf-1"))
    with pytest.raises(OutcomeUnknown, match="keep its exposure reserved"):
        await rig.venue.place_order(rig.request("nf-1", resting=True))
    assert rig.venue.unresolved_client_ids == {"nf-1"}
    # A caller retrying the same intent must not create a second order.
    with pytest.raises(OutcomeUnknown, match="refusing to place it again"):
        await rig.venue.place_order(rig.request("nf-1", resting=True))
    assert await rig.venue.find_order("nf-1", rig.symbol) is None
    assert rig.simulator.count(rig.order_operation) == 1
    # The order was live all along; the market comes to it and it fills.
    rig.simulator.faults.release_order(rig.hide_key("nf-1"))
    move(driver, BTC=49_000.0)
    await driver.advance(60)
    state = await rig.venue.find_order("nf-1", rig.symbol)
    assert state is not None
    assert state.status == "closed"
    assert state.filled_quantity == pytest.approx(rig.quantity)
    assert rig.orders("nf-1") == 1
    assert rig.venue.unresolved_client_ids == frozenset()
    assert (await rig.venue.place_order(rig.request("nf-1", resting=True))) == state
    assert rig.simulator.count(rig.order_operation) == 1


async def test_not_found_for_a_few_lookups_is_waited_out(rig: Rig, sleeps: Sleeps) -> None:
    rig.simulator.faults.drop_order_replies(1)
    rig.simulator.faults.hide_order(rig.hide_key("nf-2"), lookups=2, as_http_404=True)
    state = await rig.venue.place_order(rig.request("nf-2", resting=True))
    assert state.status == "open"
    assert rig.statuses(rig.lookup_operation) == [404, 404, 200]
    assert len(sleeps.waits) == 2
    assert rig.orders("nf-2") == 1


async def test_a_venue_that_vanishes_never_gets_a_blind_resend(
    kind: str, simulator: DeribitSimulator | HyperliquidSimulator, sleeps: Sleeps
) -> None:
    """Down venue: a kept-alive connection dying under the order is "maybe received"
    (OutcomeUnknown, the id stays unresolved); a refused fresh connection is "not sent"
    (TransientError after bounded retries, nothing remembered). Which one happens
    depends on the connection pool; either way nothing is resent blindly."""
    async with make_venue(kind, simulator, sleep=sleeps) as venue:
        rig = make_rig(kind, simulator, venue)
        await simulator.close()
        with pytest.raises((OutcomeUnknown, TransientError)) as raised:
            await venue.place_order(rig.request("down-1"))
        if isinstance(raised.value, OutcomeUnknown):
            assert venue.unresolved_client_ids == {"down-1"}
            with pytest.raises(OutcomeUnknown):
                await venue.place_order(rig.request("down-1"))
        else:
            assert venue.unresolved_client_ids == frozenset()
            assert len(sleeps.waits) == 2  # the ORDER policy's three attempts
    assert rig.orders("down-1") == 0
    assert simulator.count(rig.order_operation) == 0


async def test_a_refused_order_is_rejected_and_not_remembered(rig: Rig) -> None:
    too_big = rig.request("big-1", quantity=rig.quantity * 10_000)
    with pytest.raises(RejectedError):
        await rig.venue.place_order(too_big)
    with pytest.raises(RejectedError):
        await rig.venue.place_order(too_big)
    assert rig.simulator.count(rig.order_operation) == 2
    assert rig.orders("big-1") == 0


async def test_why_the_connector_brings_its_own_session(deribit_sim: DeribitSimulator) -> None:
    """With ccxt's default session, aiohttp silently resends Deribit's ``GET
    private/buy`` when the reply is dropped: two orders for one call. The connector's
    session does not (see the lost-reply tests above)."""
    exchange = ccxt.deribit(
        {
            "apiKey": DERIBIT_CLIENT_ID,
            "secret": DERIBIT_SECRET,
            "enableRateLimit": False,
            "timeout_on_exit": 0,
        }
    )
    Endpoint.local(deribit_sim.url).apply(exchange)
    try:
        await exchange.load_markets()
        deribit_sim.faults.drop_order_replies(1)
        await exchange.create_order("BTC/USD:BTC", "limit", "buy", 10, 61_000, {"label": "dup"})
    finally:
        await exchange.close()
    assert len(deribit_sim.orders_labelled(DERIBIT_CLIENT_ID, "dup")) == 2


async def test_a_hyperliquid_order_signed_with_the_wrong_key_is_rejected(
    hyperliquid_sim: HyperliquidSimulator,
) -> None:
    async with hyperliquid_venue(hyperliquid_sim, key="0x" + "66" * 32) as venue:
        rig = make_rig("hyperliquid", hyperliquid_sim, venue)
        with pytest.raises(RejectedError, match="does not exist"):
            await venue.place_order(rig.request("wrong-key"))
        assert venue.unresolved_client_ids == frozenset()
    assert rig.orders("wrong-key") == 0
    assert hyperliquid_sim.house.orders == {}
