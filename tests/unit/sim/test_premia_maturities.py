"""The world's Premia maturities obey Premia's maturity rules at any deployment time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sim.deploy.premia import maturities

DAY_S = 86_400


def valid_maturity(maturity: int, now: int) -> bool:
    """PoolFactory._revertIfOptionMaturityInvalid, restated with the calendar module."""
    moment = datetime.fromtimestamp(maturity, tz=UTC)
    to_maturity = maturity - now
    eight_utc = (moment.hour, moment.minute, moment.second) == (8, 0, 0)
    friday = moment.weekday() == 4
    last_friday = friday and (moment + timedelta(days=7)).month != moment.month
    if to_maturity <= 0 or not eight_utc or to_maturity > 365 * DAY_S:
        return False
    if 3 * DAY_S <= to_maturity <= 35 * DAY_S:
        return friday
    return to_maturity < 3 * DAY_S or last_friday


@given(st.integers(min_value=1_600_000_000, max_value=2_500_000_000))
def test_every_maturity_is_valid_when_the_pools_are_deployed(now: int) -> None:
    daily, weekly, monthly = maturities(now)
    for maturity in (daily, weekly, monthly):
        # the deployment takes seconds; leave it an hour
        assert valid_maturity(maturity, now)
        assert valid_maturity(maturity, now + 3_600)
    assert now + DAY_S <= daily < now + 2 * DAY_S
    assert now + 7 * DAY_S <= weekly < now + 14 * DAY_S
    assert now + 35 * DAY_S < monthly < now + 72 * DAY_S


def test_a_known_date() -> None:
    now = int(datetime(2027, 1, 15, 8, 0, tzinfo=UTC).timestamp())  # a Friday, 08:00
    days = [(1, 16), (1, 22), (2, 26)]  # tomorrow, a week on (Friday), February's last Friday
    expected = [int(datetime(2027, m, d, 8, tzinfo=UTC).timestamp()) for m, d in days]
    assert list(maturities(now)) == expected
