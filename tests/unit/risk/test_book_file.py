"""The book file: the example parses, and every kind of mistake names file and JSON path."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from agent.errors import ConfigError
from agent.risk.book import Book
from agent.risk.positions import Kind, OptionPosition, PerpetualPosition

from .books import EXAMPLE_PATH, example_book


def test_example_book_has_every_kind():
    book = example_book()
    assert {position.kind for position in book.positions} == set(Kind)
    assert {p.settlement.value for p in book.positions if isinstance(p, OptionPosition)} == {
        "linear",
        "inverse",
    }
    assert any(
        isinstance(p, PerpetualPosition) and p.collateral_usd is not None for p in book.positions
    )
    assert book.market["USDC"].pegged


def _document() -> dict:
    return json.loads(EXAMPLE_PATH.read_text())


def _error(document) -> ConfigError:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(ConfigError) as raised:
        Book.from_json(text, source="books/bad.json")
    return raised.value


def _mutated(path: tuple, value=None, *, delete: bool = False) -> dict:
    document = _document()
    target = document
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (("positions", 0, "strike"), -3200, "positions[0].strike", "> 0"),
        (("positions", 0, "strike"), "3200", "positions[0].strike", "finite number"),
        (("positions", 0, "quantity"), True, "positions[0].quantity", "finite number"),
        (("positions", 1, "kind"), "swap", "positions[1].kind", "must be one of"),
        (
            ("positions", 2, "underlying"),
            "SOL",
            "positions[2].underlying",
            "unknown underlying 'SOL'",
        ),
        (("positions", 0, "option_type"), "straddle", "positions[0].option_type", "call, put"),
        (("positions", 0, "expiry"), "2026-12-25", "positions[0].expiry", "time zone"),
        (("positions", 0, "expiry"), "next friday", "positions[0].expiry", "ISO 8601"),
        (("positions", 0, "vol"), 0.0, "positions[0].vol", "> 0"),
        (("positions", 3, "settlement"), "physical", "positions[3].settlement", "linear, inverse"),
        (("positions", 4, "account"), "nowhere", "positions[4].account", "unknown margin account"),
        (
            ("positions", 5, "maintenance_margin_rate"),
            1.5,
            "positions[5].maintenance_margin_rate",
            "below 1",
        ),
        (
            ("positions", 10, "liquidation_threshold"),
            1.2,
            "positions[10].liquidation_threshold",
            "[0, 1]",
        ),
        (("positions", 11, "quantity"), -5, "positions[11].quantity", ">= 0"),
        (("positions", 1, "id"), "o1", "positions[1].id", "duplicate position id"),
        (("positions", 0, "colour"), "red", "positions[0].colour", "unknown field"),
        (("market", "ETH", "spot"), 0, "market.ETH.spot", "> 0"),
        (("market", "ETH", "vol"), "high", "market.ETH.vol", "finite number"),
        (("accounts", "hl-cross", "cash_usd"), None, "accounts.hl-cross.cash_usd", "finite number"),
        (("valuation_time",), 1700000000, "valuation_time", "must be a string"),
        (("positions",), {}, "positions", "array"),
    ],
)
def test_bad_values_name_file_and_path(path, value, field, words):
    error = _error(_mutated(path, value))
    assert error.source == "books/bad.json"
    assert error.field == field
    assert words in str(error)
    assert str(error).startswith(f"books/bad.json:{field}: ")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("positions", 0, "strike"), "positions[0].strike"),
        (("positions", 3, "kind"), "positions[3].kind"),
        (("positions", 5, "entry_price"), None),  # optional for a linear perpetual
        (("positions", 6, "entry_price"), "positions[6].entry_price"),  # inverse needs it
        (("market", "ETH", "spot"), "market.ETH.spot"),
        (("market",), "market"),
        (("valuation_time",), "valuation_time"),
    ],
)
def test_missing_fields_are_named(path, field):
    document = _mutated(path, delete=True)
    if field is None:
        Book.from_json(json.dumps(document), source="ok.json")
        return
    assert _error(document).field == field


def test_option_without_any_vol_is_rejected():
    document = _document()
    del document["market"]["ETH"]["vol"]
    error = _error(document)
    assert error.field == "positions[1].vol"
    assert "market.ETH.vol" in str(error)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "invalid JSON at line 1"),
        ('{"valuation_time": NaN}', "NaN is not a number"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_malformed_documents(text, words):
    error = _error(text)
    assert words in str(error)
    assert error.source == "books/bad.json"


def test_records_and_file_give_the_same_book():
    book = example_book()
    again = Book.from_records(
        book.valuation_time, book.market, book.positions, book.margin_accounts.values()
    )
    assert again.positions == book.positions
    assert np.array_equal(again.arrays.terms, book.arrays.terms, equal_nan=True)
    document = copy.deepcopy(_document())
    document["positions"].reverse()
    reversed_book = Book.from_json(json.dumps(document), source="x.json")
    assert reversed_book.positions == tuple(reversed(book.positions))
