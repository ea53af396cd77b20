"""A Deribit order is found after the venue stops showing it by label (RELIABILITY 12).

``get_order_state_by_label`` shows recent orders only; the simulator forgets a closed
order's label after ``LABEL_MEMORY_MS``. A restarted connector looking for an order whose
reply was lost then finds it in the order history (recent, then historical), and when
the order history is too long to reach it, in the trade history.
"""

from __future__ import annotations

import pytest
from cex_world import DERIBIT_CLIENT_ID, deribit_venue

from sim.market import MarketDriver
from sim.venues.deribit import DeribitSimulator
from sim.venues.deribit.history import LABEL_MEMORY_MS, OLD_ORDERS_MS

SYMBOL, NAME = "BTC/USDC:USDC", "BTC_USDC-PERPETUAL"


def _place_unseen(simulator: DeribitSimulator, label: str) -> None:
    """An order the venue accepted and filled whose reply never arrived."""
    exchange = simulator.exchange
    account = exchange.accounts[DERIBIT_CLIENT_ID]
    exchange.place(account, NAME, "buy", 0.3, price=61_000.0, label=label,
                   time_in_force="immediate_or_cancel")  # fmt: skip


async def _by_label(simulator: DeribitSimulator, label: str) -> list[object]:
    async with deribit_venue(simulator) as venue:
        reply = await venue.exchange.privateGetGetOrderStateByLabel(
            {"currency": "USDC", "label": label}
        )
    return list(reply["result"])


@pytest.mark.parametrize("age_s", [LABEL_MEMORY_MS // 1000 + 60, OLD_ORDERS_MS // 1000 + 60])
async def test_a_forgotten_label_is_found_in_the_order_history(
    deribit_sim: DeribitSimulator, driver: MarketDriver, age_s: int
) -> None:
    _place_unseen(deribit_sim, "lost-1")
    await driver.advance(age_s)
    assert await _by_label(deribit_sim, "lost-1") == []  # the venue forgot the label
    async with deribit_venue(deribit_sim) as restarted:
        found = await restarted.find_order("lost-1", SYMBOL)
    assert found is not None
    assert (found.status, found.filled_quantity) == ("closed", pytest.approx(0.3))
    assert found.venue_order_id is not None


async def test_beyond_the_order_history_the_trades_still_name_the_order(
    deribit_sim: DeribitSimulator, driver: MarketDriver
) -> None:
    _place_unseen(deribit_sim, "lost-2")
    exchange = deribit_sim.exchange
    account = exchange.accounts[DERIBIT_CLIENT_ID]
    await driver.advance(60)
    for number in range(1_001):  # unfilled orders push it past the history's 1000 rows
        order, _ = exchange.place(account, NAME, "buy", 0.001, price=50_000.0,
                                  label=f"filler-{number}")  # fmt: skip
        exchange.cancel(account, order.order_id)
    await driver.advance(LABEL_MEMORY_MS // 1000 + 60)
    assert await _by_label(deribit_sim, "lost-2") == []
    async with deribit_venue(deribit_sim) as restarted:
        found = await restarted.find_order("lost-2", SYMBOL)
    assert found is not None
    assert found.filled_quantity == pytest.approx(0.3)
    assert found.status == "canceled"  # no longer open; what filled is what counts
    async with deribit_venue(deribit_sim) as restarted:
        assert await restarted.find_order("never-placed", SYMBOL) is None
