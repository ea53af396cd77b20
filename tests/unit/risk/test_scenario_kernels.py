"""The scenario kernels' straight-line rows against the row function they shortcut, and
the serial kernel against the threaded one (same floats, every kind of position)."""

from __future__ import annotations

import numpy as np
import pytest

from agent.risk import positions
from agent.risk.book import KIND
from agent.risk.positions import LendingDebtPosition, SpotPosition
from agent.risk.scenario_kernels import (
    health_kernel,
    scenario_values_kernel,
    scenario_values_serial,
)
from agent.risk.scenarios import spot_multipliers_for
from agent.risk.validation import RiskInputError
from agent.risk.valuation import linear_position_row

from .books import example_book


def _book_and_moves():
    book = example_book()
    extra = [
        SpotPosition("short-spot", "wallet", "ETH", -2.5),
        LendingDebtPosition("eth-debt", "aave", "ETH", 1.25),
    ]
    book = type(book).from_records(
        book.valuation_time, book.market, [*book.positions, *extra], book.margin_accounts.values()
    )
    shocks = np.linspace(-0.66, 1.0, 37)
    multipliers = spot_multipliers_for(book, shocks)
    vol_multipliers = np.linspace(0.75, 1.5, 37)
    return book, multipliers, vol_multipliers


def test_linear_rows_are_the_row_functions_value_exactly():
    book, multipliers, vol_multipliers = _book_and_moves()
    arrays = book.arrays
    values = scenario_values_serial(
        arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds,
        multipliers, vol_multipliers,
    )  # fmt: skip
    linear = np.flatnonzero(arrays.codes[:, KIND] != 0)
    assert {int(kind) for kind in arrays.codes[linear, KIND]} == {1, 2, 3, 4, 5}
    for index in linear:
        underlying = arrays.codes[index, 1]
        expected = [
            linear_position_row(
                arrays.terms, arrays.codes, index, arrays.market, arrays.valuation_seconds, move
            )[0]
            for move in multipliers[underlying]
        ]
        assert values[index].tolist() == expected  # the same floats, not merely close


def test_serial_and_threaded_kernels_agree_exactly():
    book, multipliers, vol_multipliers = _book_and_moves()
    arrays = book.arrays
    inputs = (arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds)
    serial = scenario_values_serial(*inputs, multipliers, vol_multipliers)
    threaded = scenario_values_kernel(*inputs, multipliers, vol_multipliers)
    assert np.array_equal(serial, threaded)


def test_names_checked_once_still_refuse_bad_names(monkeypatch):
    monkeypatch.setattr(positions, "_VALID_NAMES", set())
    monkeypatch.setattr(positions, "_VALID_NAMES_LIMIT", 3)
    for name in ("a", "b", "c"):
        SpotPosition(name, "wallet", "ETH", 1.0)
    assert len(positions._VALID_NAMES) <= 3  # bounded: cleared when full
    for bad in ("", " wallet", "wallet "):
        with pytest.raises(RiskInputError, match="non-empty name"):
            SpotPosition("ok", bad, "ETH", 1.0)
    assert not {"", " wallet", "wallet "} & positions._VALID_NAMES


def test_health_is_the_masked_ratio_exactly():
    special = [0.0, -0.0, 1.0, -1.0, 2.5, 1e-300, np.inf, -np.inf, np.nan, 7e300]
    assets, requirement = np.meshgrid(special, special)
    assets = np.ascontiguousarray(assets)
    requirement = np.ascontiguousarray(requirement)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = assets / requirement
    expected = np.where(requirement > 0.0, ratio, np.where(assets > 0.0, np.inf, 0.0))
    found = health_kernel(assets, requirement)
    np.testing.assert_array_equal(found, expected)
    assert found.tobytes() == expected.tobytes()  # bit for bit (the signs of zeros too)
