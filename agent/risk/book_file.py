"""The book file (JSON) and its parser.

    {"valuation_time": "2026-11-21T08:00:00Z",
     "market": {"ETH": {"spot": 3000.0, "rate": 0.03, "vol": 0.6},
                "USDC": {"spot": 1.0, "pegged": true}},
     "accounts": {"hl-cross": {"venue": "hyperliquid", "cash_usd": 20000}},
     "positions": [{"id": "o1", "venue": "deribit", "underlying": "ETH", "kind": "option",
                    "option_type": "call", "strike": 3200, "expiry": "2026-12-25T08:00:00Z",
                    "quantity": -10, "settlement": "inverse", "vol": 0.7}, ...]}

Fields per kind are those of the records in ``agent.risk.positions`` (``kind`` selects
the record). Unknown fields, wrong types and bad values are errors: every error is a
``ConfigError`` naming the file and the JSON path of the bad value, e.g.
``book.json:positions[2].strike: must be a finite number > 0, got -5.0``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from agent.errors import ConfigError
from agent.risk.book import Book
from agent.risk.positions import (
    FuturePosition,
    Kind,
    LendingDebtPosition,
    LendingSupplyPosition,
    MarginAccount,
    MarginBasis,
    MarketState,
    OptionPosition,
    PerpetualPosition,
    Position,
    SpotPosition,
    is_finite_number,
)
from agent.risk.terms import OptionType, Settlement
from agent.risk.validation import RiskInputError

Converter = Callable[[Any, str], Any]


class _BookFileError(Exception):
    def __init__(self, message: str, path: str):
        super().__init__(message)
        self.message = message
        self.path = path


def _number(value: Any, path: str) -> float:
    if not is_finite_number(value):
        raise _BookFileError(f"must be a finite number, got {json.dumps(value)}", path)
    return float(value)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _BookFileError(f"must be a string, got {json.dumps(value)}", path)
    return value


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _BookFileError(f"must be true or false, got {json.dumps(value)}", path)
    return value


def _time(value: Any, path: str) -> datetime:
    text = _text(value, path)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _BookFileError(
            f"must be an ISO 8601 time such as 2026-12-25T08:00:00Z, got {text!r}", path
        ) from None
    if parsed.tzinfo is None:
        raise _BookFileError(f"must carry a time zone (e.g. a trailing Z), got {text!r}", path)
    return parsed


def _choice(kind: type[StrEnum]) -> Converter:
    def convert(value: Any, path: str) -> StrEnum:
        options = [member.value for member in kind]
        if value not in options:
            raise _BookFileError(
                f"must be one of {', '.join(options)}, got {json.dumps(value)}", path
            )
        return kind(value)

    return convert


_IDENTITY: dict[str, Converter] = {"id": _text, "venue": _text, "underlying": _text}
_OPTIONAL_IDENTITY: dict[str, Converter] = {"account": _text, "protocol": _text}
_MARGIN: dict[str, Converter] = {
    "entry_price": _number,
    "settlement": _choice(Settlement),
    "collateral_usd": _number,
    "maintenance_margin_rate": _number,
    "margin_basis": _choice(MarginBasis),
    "fees_usd": _number,
    **_OPTIONAL_IDENTITY,
}
# kind -> (record, required fields, optional fields)
_KINDS: dict[Kind, tuple[type[Any], dict[str, Converter], dict[str, Converter]]] = {
    Kind.OPTION: (
        OptionPosition,
        {
            **_IDENTITY,
            "option_type": _choice(OptionType),
            "strike": _number,
            "expiry": _time,
            "quantity": _number,
        },
        {
            "settlement": _choice(Settlement),
            "vol": _number,
            "forward": _number,
            "maintenance_margin_rate": _number,
            **_OPTIONAL_IDENTITY,
        },
    ),
    Kind.PERP: (PerpetualPosition, {**_IDENTITY, "quantity": _number}, _MARGIN),
    Kind.FUTURE: (
        FuturePosition,
        {**_IDENTITY, "quantity": _number, "expiry": _time},
        {**_MARGIN, "mark_price": _number},
    ),
    Kind.SPOT: (SpotPosition, {**_IDENTITY, "quantity": _number}, _OPTIONAL_IDENTITY),
    Kind.LENDING_SUPPLY: (
        LendingSupplyPosition,
        {**_IDENTITY, "quantity": _number, "liquidation_threshold": _number},
        _OPTIONAL_IDENTITY,
    ),
    Kind.LENDING_DEBT: (
        LendingDebtPosition,
        {**_IDENTITY, "quantity": _number},
        _OPTIONAL_IDENTITY,
    ),
}


def _fields(
    obj: Any, path: str, required: Mapping[str, Converter], optional: Mapping[str, Converter]
) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise _BookFileError(f"must be an object, got {json.dumps(obj)[:40]}", path)
    for key in obj:
        if key not in required and key not in optional:
            raise _BookFileError("unknown field", f"{path}.{key}" if path else key)
    values = {}
    for key, convert in {**required, **optional}.items():
        where = f"{path}.{key}" if path else key
        if key in obj:
            values[key] = convert(obj[key], where)
        elif key in required:
            raise _BookFileError("is required", where)
    return values


def _position(obj: Any, path: str) -> Position:
    if not isinstance(obj, dict):
        raise _BookFileError(f"must be an object, got {json.dumps(obj)[:40]}", path)
    kind = _choice(Kind)(obj.get("kind"), f"{path}.kind")
    record, required, optional = _KINDS[kind]
    fields = _fields({k: v for k, v in obj.items() if k != "kind"}, path, required, optional)
    try:
        position: Position = record(**fields)
    except RiskInputError as error:
        raise _BookFileError(
            error.reason, f"{path}.{error.field}" if error.field else path
        ) from None
    return position


def _market(obj: Any) -> dict[str, MarketState]:
    if not isinstance(obj, dict) or not obj:
        raise _BookFileError("must be a non-empty object of underlyings", "market")
    result = {}
    for name, entry in obj.items():
        path = f"market.{name}"
        fields = _fields(
            entry, path, {"spot": _number}, {"rate": _number, "vol": _number, "pegged": _flag}
        )
        try:
            result[name] = MarketState(**fields)
        except RiskInputError as error:
            raise _BookFileError(error.reason, f"{path}.{error.field}") from None
    return result


def _accounts(obj: Any) -> list[MarginAccount]:
    if not isinstance(obj, dict):
        raise _BookFileError("must be an object of margin accounts", "accounts")
    accounts = []
    for name, entry in obj.items():
        path = f"accounts.{name}"
        fields = _fields(entry, path, {"venue": _text}, {"cash_usd": _number})
        try:
            accounts.append(MarginAccount(id=name, **fields))
        except RiskInputError as error:
            raise _BookFileError(error.reason, f"{path}.{error.field}") from None
    return accounts


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number in a book file")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _decode(document: str | bytes, source: str) -> dict[str, Any]:
    try:
        data = json.loads(document, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}", source=source
        ) from None
    except ValueError as error:
        raise ConfigError(f"invalid JSON: {error}", source=source) from None
    if not isinstance(data, dict):
        raise ConfigError(
            "must be a JSON object with valuation_time, market and positions", source=source
        )
    return data


def parse_book(document: str | bytes, *, source: str) -> Book:
    """Parse and check a book file's text; every problem is a ConfigError with its path."""
    data = _decode(document, source)
    try:
        top = _fields(
            data,
            "",
            {
                "valuation_time": _time,
                "market": lambda value, _: value,
                "positions": lambda value, _: value,
            },
            {"accounts": lambda value, _: value},
        )
        market = _market(top["market"])
        accounts = _accounts(top.get("accounts", {}))
        if not isinstance(top["positions"], list):
            raise _BookFileError("must be an array of positions", "positions")
        positions = [
            _position(item, f"positions[{index}]") for index, item in enumerate(top["positions"])
        ]
        return Book.from_records(top["valuation_time"], market, positions, accounts)
    except _BookFileError as error:
        raise ConfigError(error.message, source=source, field=error.path) from None
    except RiskInputError as error:
        raise ConfigError(error.reason, source=source, field=error.field) from None
