"""``/info`` views of what an account has done and what it costs: fees, funding, limits.

Shapes as the official SDK documents them (hyperliquid-python-sdk ``Info.user_fees``,
``Info.funding_history``) and Hyperliquid's docs ("Rate limits and user limits"):

- ``userFees``: the fee schedule (taker ``cross`` 0.045%, maker ``add`` 0.015% at the
  base tier, referral discount 4%), the user's own rates, and ``dailyUserVlm`` per UTC
  day (``userCross`` taker volume, ``userAdd`` maker volume, ``exchange`` the venue's);
- ``fundingHistory``: one record an hour per coin (``fundingRate``, ``premium``, ``time``);
  the premium is the rate less the interest component, 0.01% per 8 hours;
- ``userRateLimit``: ``cumVlm`` traded, ``nRequestsUsed`` (exchange actions sent) and
  ``nRequestsCap``: 10,000 requests of initial buffer plus one per USDC traded.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sim.venues.hyperliquid.clearinghouse import MAKER_FEE, TAKER_FEE, Clearinghouse
from sim.venues.hyperliquid.numbers import fmt
from sim.venues.hyperliquid.records import User

INTEREST_HOURLY = 0.0001 / 8  # the funding rate's interest component
REQUEST_BUFFER = 10_000


def _day(time_ms: int) -> str:
    return datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%d")


def user_fees(house: Clearinghouse, user: User) -> dict[str, object]:
    days: dict[str, list[float]] = {}
    for fill in user.fills:
        taker_maker = days.setdefault(_day(fill.time), [0.0, 0.0])
        taker_maker[0 if fill.crossed else 1] += fill.size * fill.price
    everyone = sum(f.size * f.price for u in house.users.values() for f in u.fills)
    return {
        "dailyUserVlm": [
            {"date": day, "userCross": fmt(cross), "userAdd": fmt(add), "exchange": fmt(everyone)}
            for day, (cross, add) in sorted(days.items())
        ],
        "feeSchedule": {
            "cross": fmt(TAKER_FEE),
            "add": fmt(MAKER_FEE),
            "referralDiscount": "0.04",
            "tiers": {"vip": [], "mm": []},
        },
        "userCrossRate": fmt(TAKER_FEE),
        "userAddRate": fmt(MAKER_FEE),
        "activeReferralDiscount": "0.0",
    }


def funding_history(
    house: Clearinghouse, coin: str, start_ms: int, end_ms: int | None
) -> list[dict[str, object]]:
    return [
        {
            "coin": coin,
            "fundingRate": fmt(rate),
            "premium": fmt(rate - INTEREST_HOURLY),
            "time": time_ms,
        }
        for name, rate, time_ms in house.funding_records
        if name == coin and time_ms >= start_ms and (end_ms is None or time_ms <= end_ms)
    ]


def cumulative_volume(user: User) -> float:
    return sum(fill.size * fill.price for fill in user.fills)


def request_cap(user: User, buffer: int = REQUEST_BUFFER) -> int:
    return buffer + int(cumulative_volume(user))


def user_rate_limit(user: User, buffer: int = REQUEST_BUFFER) -> dict[str, object]:
    return {
        "cumVlm": fmt(cumulative_volume(user)),
        "nRequestsUsed": user.requests_used,
        "nRequestsCap": request_cap(user, buffer),
    }


def over_limit(user: User, buffer: int = REQUEST_BUFFER) -> str | None:
    """The refusal of an address past its cumulative request cap (HTTP 200, status
    "err": Hyperliquid's own wording), or None."""
    cap = request_cap(user, buffer)
    if user.requests_used <= cap:
        return None
    return (
        f"Too many cumulative requests sent ({user.requests_used} > {cap}) for cumulative"
        f" volume traded ${cumulative_volume(user):.2f}. Place taker orders to free up 1"
        " request per USDC traded."
    )
