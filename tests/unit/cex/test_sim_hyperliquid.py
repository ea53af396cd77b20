"""The Hyperliquid simulator verifies signatures exactly as ccxt produces them."""

from __future__ import annotations

from typing import Any

import ccxt.async_support as ccxt
import pytest
from eth_account import Account

from sim.venues.hyperliquid.numbers import price_ok, round_price
from sim.venues.hyperliquid.signing import (
    SignatureError,
    canonical_action,
    recover_l1_signer,
    recover_user_signer,
)

KEY = "0x" + "5e" * 32
ADDRESS = Account.from_key(KEY).address.lower()
ORDER: dict[str, Any] = {
    "type": "order",
    "orders": [
        {"a": 0, "b": True, "p": "60000", "s": "0.01", "r": False, "t": {"limit": {"tif": "Gtc"}}}
    ],
    "grouping": "na",
}


@pytest.fixture
async def signer() -> Any:
    exchange = ccxt.hyperliquid({"privateKey": KEY, "walletAddress": ADDRESS, "timeout_on_exit": 0})
    yield exchange
    await exchange.close()


def test_ccxt_l1_signatures_recover_the_signer(signer: Any) -> None:
    signature = signer.sign_l1_action(ORDER, 1_760_000_000_000)
    assert recover_l1_signer(ORDER, 1_760_000_000_000, signature) == ADDRESS


def test_anything_else_signed_recovers_someone_else(signer: Any) -> None:
    signature = signer.sign_l1_action(ORDER, 1_760_000_000_000)
    assert recover_l1_signer(ORDER, 1_760_000_000_001, signature) != ADDRESS
    assert recover_l1_signer(ORDER, 1_760_000_000_000, signature, mainnet=False) != ADDRESS
    vault = "0x" + "12" * 20
    assert recover_l1_signer(ORDER, 1_760_000_000_000, signature, vault=vault) != ADDRESS
    changed = {**ORDER, "orders": [{**ORDER["orders"][0], "p": "60001"}]}
    assert recover_l1_signer(changed, 1_760_000_000_000, signature) != ADDRESS


def test_the_venue_hashes_its_own_field_order_not_the_clients(signer: Any) -> None:
    shuffled = {"grouping": "na", "orders": ORDER["orders"], "type": "order"}
    assert list(canonical_action(shuffled)) == ["type", "orders", "grouping"]
    signature = signer.sign_l1_action(shuffled, 1_760_000_000_000)
    assert recover_l1_signer(shuffled, 1_760_000_000_000, signature) != ADDRESS


def test_user_signed_actions_recover_the_wallet(signer: Any) -> None:
    action = {
        "hyperliquidChain": "Mainnet",
        "signatureChainId": "0x66eee",
        "maxFeeRate": "0%",
        "builder": "0x6530512A6c89C7cfCEbC3BA7fcD9aDa5f30827a6",
        "nonce": 1_760_000_000_000,
        "type": "approveBuilderFee",
    }
    signature = signer.build_approve_builder_fee_sig(
        {key: action[key] for key in ("hyperliquidChain", "maxFeeRate", "builder", "nonce")}
    )
    assert recover_user_signer(action, signature) == ADDRESS
    with pytest.raises(SignatureError):
        recover_user_signer({**action, "type": "order"}, signature)
    with pytest.raises(SignatureError):
        recover_l1_signer(ORDER, 1, {"r": "0x1", "s": "zz", "v": 27})


@pytest.mark.parametrize(
    ("price", "decimals", "ok"),
    [
        (60_000.0, 5, True),
        (123_456.0, 5, True),
        (60_000.5, 5, False),
        (3_000.1, 4, True),
        (3_000.15, 4, False),
        (0.12345, 0, True),
        (0.123456, 0, False),
        (-1.0, 0, False),
    ],
)
def test_hyperliquid_price_rule(price: float, decimals: int, ok: bool) -> None:
    assert price_ok(price, decimals) is ok


def test_rounded_prices_always_pass_the_rule() -> None:
    for price in (60_003.7, 3_000.37, 1.234567, 0.0123456):
        for up in (True, False):
            assert price_ok(round_price(price, 4, up), 4)


async def test_the_dead_mans_switch_cancels_resting_orders_when_its_time_comes() -> None:
    from sim.market import MarketDriver
    from sim.paths import Keyframe, KeyframePath
    from sim.venues.hyperliquid import HyperliquidSimulator
    from sim.venues.hyperliquid.controls import ControlRefused, schedule_cancel

    path = KeyframePath([Keyframe(0, {"ETH": 3_000.0}, {"ETH": 0.7})])
    driver = MarketDriver(path, start_timestamp=1_000)
    simulator = HyperliquidSimulator(driver.state)
    driver.add_listener(simulator)
    house = simulator.house
    user = simulator.add_user("0x" + "ab" * 20, usdc=100_000.0)
    asset = house.by_name["ETH"]
    for is_buy, price in ((True, 3_100.0), (False, 2_900.0)):  # the $1M it takes to arm it
        house.place(user, asset, is_buy=is_buy, price=price, size=170.0, tif="Ioc",
                    reduce_only=False, cloid=None)  # fmt: skip
    house.place(user, asset, is_buy=True, price=2_700.0, size=0.01, tif="Gtc",
                reduce_only=False, cloid=None)  # fmt: skip
    with pytest.raises(ControlRefused, match="at least 5 seconds"):
        schedule_cancel(house, user, {"type": "scheduleCancel", "time": house.now_ms + 4_999})
    schedule_cancel(house, user, {"type": "scheduleCancel", "time": house.now_ms + 10_000})
    await driver.advance(5)
    assert [o.status for o in house.orders.values()][-1] == "open"
    await driver.advance(5)
    assert [o.status for o in house.orders.values()][-1] == "scheduledCancel"
    assert user.cancel_at_ms is None
    assert sum(user.cancel_triggers.values()) == 1


async def test_a_stop_triggers_on_the_mark_and_stale_reduce_only_orders_are_cancelled() -> None:
    from sim.market import MarketDriver
    from sim.paths import Keyframe, KeyframePath
    from sim.venues.hyperliquid import HyperliquidSimulator
    from sim.venues.hyperliquid.records import Trigger

    path = KeyframePath(
        [Keyframe(0, {"ETH": 3_000.0}, {"ETH": 0.7}), Keyframe(60, {"ETH": 2_800.0}, {"ETH": 0.7})]
    )
    driver = MarketDriver(path, start_timestamp=1_000)
    simulator = HyperliquidSimulator(driver.state)
    driver.add_listener(simulator)
    house = simulator.house
    user = simulator.add_user("0x" + "cd" * 20, usdc=100_000.0)
    eth = house.by_name["ETH"]

    def place(is_buy: bool, price: float, size: float, **more: object) -> dict[str, object]:
        return house.place(user, eth, is_buy=is_buy, price=price, size=size, tif="Gtc",
                           reduce_only=bool(more.pop("reduce_only", False)), cloid=None,
                           **more)  # type: ignore[arg-type]  # fmt: skip

    place(True, 3_100.0, 1.0)  # a long
    stop = place(False, 2_900.0, 1.0, reduce_only=True, trigger=Trigger(2_900.0, True, "sl"))
    take_profit = place(False, 3_500.0, 0.5, reduce_only=True)  # a resting reduce-only limit
    assert "resting" in stop
    assert "resting" in take_profit
    await driver.advance(20)  # 2,933: above the stop
    assert user.positions["ETH"].szi == 1.0
    await driver.advance(20)  # 2,867: the mark fell through 2,900, the stop sells at market
    assert "ETH" not in user.positions
    statuses = sorted(order.status for order in house.orders.values())
    assert statuses == ["filled", "filled", "reduceOnlyCanceled"]
