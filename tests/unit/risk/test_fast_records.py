"""The tick's cheap record constructors build exactly the records their classes build,
and refuse exactly the inputs the classes refuse, with the same errors: every field's
bad values, and names the positions module has not yet found valid."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from agent.risk import fast_records, positions
from agent.risk.positions import LendingDebtPosition, LendingSupplyPosition, OptionPosition
from agent.risk.terms import OptionType, Settlement

EXPIRY = datetime(2026, 12, 25, 8, 0, tzinfo=UTC)
SUPPLY = ("aave:3:WETH::lending_supply", "aave:3", "ETH", 1.5, 0.83, "aave-v3")
DEBT = ("aave:3:USDC::lending_debt", "aave:3", "USDC", 2500.0, "aave-v3")
OPTION = (
    "deribit:ETH-25DEC26-3200-C::option", "deribit", "ETH", OptionType.CALL, 3200.0, EXPIRY,
    -3.0, Settlement.INVERSE, 0.6, "deribit:ETH", "deribit", 0.01,
)  # fmt: skip


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: a naive time to Python."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


def _supply(*fields: object) -> LendingSupplyPosition:
    *head, protocol = fields
    return LendingSupplyPosition(*head, protocol=protocol)  # type: ignore[arg-type]


def _debt(*fields: object) -> LendingDebtPosition:
    *head, protocol = fields
    return LendingDebtPosition(*head, protocol=protocol)  # type: ignore[arg-type]


def _option(*fields: object) -> OptionPosition:
    *head, account, protocol, rate = fields
    return OptionPosition(
        *head,  # type: ignore[arg-type]
        account=account,  # type: ignore[arg-type]
        protocol=protocol,  # type: ignore[arg-type]
        maintenance_margin_rate=rate,  # type: ignore[arg-type]
    )


CASES: list[tuple[Callable[..., object], Callable[..., object], tuple[object, ...]]] = [
    (fast_records.lending_supply, _supply, SUPPLY),
    (fast_records.lending_debt, _debt, DEBT),
    (fast_records.option, _option, OPTION),
]


def _outcome(build: Callable[..., object], fields: tuple[object, ...]) -> object:
    """The record built, or the error raised (its type and message)."""
    try:
        return build(*fields)
    except Exception as error:  # any error: it must be the same error
        return type(error), str(error)


def _same(fast: Callable[..., object], plain: Callable[..., object], fields: tuple) -> object:
    found, expected = _outcome(fast, fields), _outcome(plain, fields)
    assert type(found) is type(expected)
    assert found == expected
    if not isinstance(expected, tuple):  # a record: the same slots, pickled alike
        assert pickle.dumps(found) == pickle.dumps(expected)
    return found


@pytest.mark.parametrize(("fast", "plain", "fields"), CASES)
def test_valid_fields_give_the_classes_records(fast, plain, fields) -> None:
    assert isinstance(
        _same(fast, plain, fields), OptionPosition | LendingSupplyPosition | LendingDebtPosition
    )
    _same(fast, plain, fields)  # the names now known: the cheap path, the same record
    integral = tuple(1 if isinstance(value, float) else value for value in fields)
    _same(fast, plain, integral)  # ints are numbers to the classes too


BAD_NUMBERS = [math.nan, math.inf, -math.inf, -1.0, 0.0, -0.0, 2.0, 1e308, True, "1.5", None]
BAD_NAMES = ["", " aave", "aave ", 7, None]


@pytest.mark.parametrize(("fast", "plain", "fields"), CASES)
def test_every_bad_field_is_refused_with_the_classes_error(fast, plain, fields) -> None:
    _same(fast, plain, fields)  # its names found valid once
    for index, value in enumerate(fields):
        if isinstance(value, float):
            bad_values: list[object] = BAD_NUMBERS
        elif isinstance(value, str):
            bad_values = BAD_NAMES
        elif isinstance(value, datetime):
            naive = value.replace(tzinfo=None)
            unknown = value.replace(tzinfo=_NoOffset())
            aware = value.replace(tzinfo=timezone(timedelta()))
            bad_values = [naive, unknown, value.isoformat(), aware]
        else:
            continue
        for bad in bad_values:
            _same(fast, plain, (*fields[:index], bad, *fields[index + 1 :]))


def test_names_never_found_valid_go_through_the_class(monkeypatch) -> None:
    monkeypatch.setattr(positions, "_VALID_NAMES", set())
    record = fast_records.lending_supply(*SUPPLY)
    assert record == _supply(*SUPPLY)
    assert set(SUPPLY[:3]) <= positions._VALID_NAMES  # the class checked them
    with pytest.raises(positions.RiskInputError, match="id: must be a non-empty name"):
        fast_records.lending_debt(" x", *DEBT[1:])


def test_known_names_and_plain_numbers_skip_the_per_field_checks(monkeypatch) -> None:
    monkeypatch.setattr(positions, "_VALID_NAMES", set())
    fast_records.lending_supply(*SUPPLY)  # names not yet found valid: checked by the class
    fast_records.lending_debt(*DEBT)
    fast_records.option(*OPTION)
    checked: list[object] = []
    for cls in (LendingSupplyPosition, LendingDebtPosition, OptionPosition):
        monkeypatch.setattr(cls, "__post_init__", lambda self: checked.append(self))
    fast_records.lending_supply(*SUPPLY)
    fast_records.lending_debt(*DEBT)
    fast_records.option(*OPTION)
    assert checked == []  # the cheap path: the fields laid in, the checks done inline
    fast_records.lending_debt(*DEBT[:3], -1.0, DEBT[4])
    assert len(checked) == 1  # a bad number goes through the class and its checks


@pytest.mark.parametrize(
    ("fast", "fields"), [(fast_records.lending_supply, SUPPLY), (fast_records.lending_debt, DEBT)]
)
def test_a_lending_record_with_any_name_not_yet_known_goes_through_the_class(
    monkeypatch, fast, fields
) -> None:
    fast(*fields)  # every name found valid: the next build takes the cheap path
    name_fields = [0, 1, 2, len(fields) - 1]  # id, venue, underlying, protocol
    checked: list[object] = []
    for cls in (LendingSupplyPosition, LendingDebtPosition):
        monkeypatch.setattr(cls, "__post_init__", lambda self: checked.append(self))
    for index in name_fields:
        known = positions._VALID_NAMES
        monkeypatch.setattr(positions, "_VALID_NAMES", known - {fields[index]})
        fast(*fields)
        monkeypatch.setattr(positions, "_VALID_NAMES", known)
    assert len(checked) == len(name_fields)  # each unknown name sent it to the class
    fast(*fields)
    assert len(checked) == len(name_fields)  # all known again: the cheap path
