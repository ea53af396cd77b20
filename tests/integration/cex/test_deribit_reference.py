"""Every Deribit method Ballast calls, checked against Deribit's published API reference.

The table (``tests/fixtures/deribit_api_reference.json``, made by
``tools/deribit_reference.py`` from the OpenAPI document behind docs.deribit.com, Deribit
API 2.1.1) gives each method's parameters and the JSON type of every field of its result.
Here the simulator answers each method (through ccxt's own request code), and:

- every field the simulator sends is a field of the reference, with the reference's type
  (nothing invented, nothing mistyped);
- every field Ballast's connector reads is in the reference and in the simulator's reply;
- every parameter Ballast sends is a parameter of the reference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cex_world import option_symbol

from agent.model import Side
from agent.ports import OrderRequest
from connectors.cex import DeribitVenue

TABLE = json.loads(
    (Path(__file__).parents[2] / "fixtures" / "deribit_api_reference.json").read_text()
)["methods"]

# What Ballast reads of each reply (connectors/cex/deribit.py; ccxt's parse_order reads
# the order fields), and the parameters it sends.
READS: dict[str, tuple[str, ...]] = {
    "private/get_positions": (
        "[].instrument_name",
        "[].kind",
        "[].size",
        "[].size_currency",
        "[].average_price",
        "[].average_price_usd",
        "[].mark_price",
        "[].index_price",
        "[].delta",
        "[].gamma",
        "[].vega",
        "[].theta",
        "[].floating_profit_loss",
        "[].floating_profit_loss_usd",
        "[].realized_funding",
        "[].estimated_liquidation_price",
    ),
    "private/get_account_summary": ("margin_model", "portfolio_margining_enabled"),
    "private/get_account_summaries": (
        "summaries[].balance",
        "summaries[].equity",
        "summaries[].maintenance_margin",
        "summaries[].initial_margin",
        "summaries[].currency",
        "summaries[].margin_model",
        "summaries[].cross_collateral_enabled",
    ),
    "public/get_book_summary_by_currency": (
        "[].instrument_name",
        "[].base_currency",
        "[].bid_price",
        "[].ask_price",
        "[].mark_price",
        "[].estimated_delivery_price",
        "[].funding_8h",
        "[].mark_iv",  # options (no kind asked: every kind)
        "[].underlying_price",
        "[].interest_rate",
    ),
    # only for an option the book summaries lack (connectors/cex/deribit_books.py)
    "public/ticker": ("mark_iv", "underlying_price", "interest_rate"),
    "public/get_instruments": (
        "[].instrument_name",
        "[].kind",
        "[].base_currency",
        "[].counter_currency",
        "[].settlement_currency",
        "[].settlement_period",
        "[].contract_size",
        "[].min_trade_amount",
        "[].tick_size",
        "[].tick_size_steps",
        "[].expiration_timestamp",
        "[].strike",
        "[].option_type",
        "[].is_active",
        "[].instrument_type",
        "[].price_index",
    ),
    "private/buy": (
        "order.order_id",
        "order.label",
        "order.order_state",
        "order.amount",
        "order.filled_amount",
        "order.average_price",
        "order.direction",
        "order.instrument_name",
    ),
    "private/sell": ("trades[].amount", "trades[].price", "trades[].fee"),
    "private/get_order_state_by_label": (
        "[].order_id",
        "[].label",
        "[].order_state",
        "[].filled_amount",
        "[].average_price",
    ),
    "private/get_open_orders_by_currency": ("[].order_id", "[].label", "[].order_state"),
    "private/cancel": ("order_id", "order_state"),
    "private/get_user_trades_by_order": ("[].fee", "[].order_id"),
    "private/get_order_history_by_currency": ("[].label", "[].order_id", "[].filled_amount"),
    "private/get_user_trades_by_currency": (
        "trades[].label",
        "trades[].order_id",
        "trades[].amount",
        "trades[].price",
        "trades[].timestamp",
        "trades[].instrument_name",
        "trades[].direction",
    ),
}
SENDS: dict[str, tuple[str, ...]] = {
    "private/buy": (
        "instrument_name",
        "amount",
        "type",
        "label",
        "price",
        "time_in_force",
        "reduce_only",
    ),
    "private/get_order_state_by_label": ("currency", "label"),
    "private/get_open_orders_by_currency": ("currency",),
    "private/get_account_summary": ("currency",),
    "public/get_book_summary_by_currency": ("currency", "kind"),
    "public/ticker": ("instrument_name",),
    "private/cancel": ("order_id",),
    "public/get_instruments": ("currency",),
    "private/get_user_trades_by_order": ("order_id",),
    "private/get_order_history_by_currency": (
        "currency",
        "kind",
        "count",
        "include_unfilled",
        "include_old",
        "historical",
    ),
    "private/get_user_trades_by_currency": ("currency", "kind", "count", "sorting", "historical"),
}
# Where the reference's declared type contradicts Deribit's own replies, the evidence wins;
# each erratum names it.
ERRATA: dict[str, dict[str, str]] = {
    "public/get_instruments": {
        # declared integer; BTC_USDC-PERPETUAL sends 0.001 (public/get_instrument, 2025-07-09)
        "[].contract_size": "number",
        # declared an object; sent as a list of steps (BTC-26JUN26-100000-C, 2025-07-09)
        "[].tick_size_steps": "array",
        "[].tick_size_steps[].above_price": "number",
        "[].tick_size_steps[].tick_size": "number",
        "[].rfq": "boolean",  # undeclared; in both 2025-07-09 captures
    },
    # declared number; the reference's own example is "index_price", described as a name
    "public/ticker": {"underlying_index": "string"},
    # declared string; the reference's own private/buy example sends booleans
    "private/buy": {"trades[].reduce_only": "boolean", "trades[].post_only": "boolean"},
    "private/sell": {"trades[].reduce_only": "boolean", "trades[].post_only": "boolean"},
    "private/get_user_trades_by_order": {"[].reduce_only": "boolean", "[].post_only": "boolean"},
    "private/get_user_trades_by_currency": {
        "trades[].reduce_only": "boolean",
        "trades[].post_only": "boolean",
    },
}
for _method, _fields in ERRATA.items():
    TABLE[_method]["result"].update(_fields)

# Types the reference's "number" admits: JSON has one number type (an integer is one).
_ACCEPTS = {
    "number": (int, float),
    "integer": (int,),
    "string": (str,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def flatten(value: Any, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Dotted paths of ``value`` as the reference table writes them (``[]`` for items)."""
    found: dict[str, Any] = {}
    if isinstance(value, list):
        found[prefix or "[]"] = value
        for item in value:
            found.update(flatten(item, prefix + "[]", depth))
        return found
    if isinstance(value, Mapping) and depth < 3:
        for name, child in value.items():
            path = f"{prefix}.{name}" if prefix else name
            found[path] = child
            if isinstance(child, Mapping | list):
                found.update(flatten(child, path, depth + 1))
    return found


def mismatches(method: str, result: Any) -> list[str]:
    reference: dict[str, str] = TABLE[method]["result"]
    problems = []
    for path, value in flatten(result).items():
        if path not in reference:
            problems.append(f"{method}: {path} is not in Deribit's reference")
            continue
        expected = reference[path]
        if value is None or expected == "any":
            continue  # Deribit sends null for fields that do not apply
        kinds = tuple(t for name in expected.split("|") for t in _ACCEPTS.get(name, (object,)))
        wrong_bool = isinstance(value, bool) and bool not in kinds
        if not isinstance(value, kinds) or wrong_bool:
            problems.append(f"{method}: {path} is {type(value).__name__}, reference {expected}")
    return problems


async def _replies(deribit: DeribitVenue) -> dict[str, Any]:
    exchange = deribit.exchange
    call = option_symbol(deribit, 60_000)
    for client_id, symbol, side, coin, price in (
        ("ref-call", call, Side.SELL, 1.0, 0.0001),
        ("ref-perp", "BTC/USD:BTC", Side.BUY, 0.5, 61_000.0),
        ("ref-linear", "BTC/USDC:USDC", Side.BUY, 0.5, 61_000.0),
    ):
        await deribit.place_order(OrderRequest(client_id, symbol, side, coin, price))
    name = exchange.market(call)["id"]
    resting = await exchange.privateGetBuy(
        {"instrument_name": "BTC-PERPETUAL", "amount": 100, "type": "limit", "label": "ref-rest",
         "price": 50_000, "time_in_force": "good_til_cancelled", "reduce_only": "false"}
    )  # fmt: skip
    replies = {
        "public/get_currencies": await exchange.publicGetGetCurrencies(),
        "public/get_instruments": await exchange.publicGetGetInstruments({"currency": "BTC"}),
        "private/get_positions": await exchange.privateGetGetPositions(),
        "private/get_account_summary": await exchange.privateGetGetAccountSummary(
            {"currency": "BTC"}
        ),
        "private/get_account_summaries": await exchange.privateGetGetAccountSummaries(),
        "public/get_book_summary_by_currency": await exchange.publicGetGetBookSummaryByCurrency(
            {"currency": "BTC"}
        ),
        "public/ticker": await exchange.publicGetTicker({"instrument_name": name}),
        "private/buy": resting,
        "private/get_order_state_by_label": await exchange.privateGetGetOrderStateByLabel(
            {"currency": "BTC", "label": "ref-perp"}
        ),
        "private/get_open_orders_by_currency": await exchange.privateGetGetOpenOrdersByCurrency(
            {"currency": "BTC"}
        ),
    }
    order_id = resting["result"]["order"]["order_id"]
    filled = replies["private/get_order_state_by_label"]["result"][0]["order_id"]
    replies["private/get_user_trades_by_order"] = await exchange.privateGetGetUserTradesByOrder(
        {"order_id": filled}
    )
    history = {"currency": "BTC", "kind": "future", "count": 1000, "historical": "false"}
    replies[
        "private/get_order_history_by_currency"
    ] = await exchange.privateGetGetOrderHistoryByCurrency(
        {**history, "include_unfilled": "true", "include_old": "true"}
    )
    replies[
        "private/get_user_trades_by_currency"
    ] = await exchange.privateGetGetUserTradesByCurrency({**history, "sorting": "desc"})
    replies["private/cancel"] = await exchange.privateGetCancel({"order_id": order_id})
    replies["private/sell"] = await exchange.privateGetSell(
        {"instrument_name": "BTC-PERPETUAL", "amount": 10, "type": "market", "label": "ref-sell"}
    )
    return {method: reply["result"] for method, reply in replies.items()}


async def test_every_method_ballast_calls_matches_deribits_reference(
    deribit: DeribitVenue,
) -> None:
    results = await _replies(deribit)
    assert set(results) == set(TABLE)
    problems = [
        problem for method, result in results.items() for problem in mismatches(method, result)
    ]
    for method, fields in READS.items():
        present = flatten(results[method])
        for path in fields:
            if path not in TABLE[method]["result"]:
                problems.append(f"Ballast reads {method} {path}, which the reference lacks")
            elif path not in present:
                problems.append(f"Ballast reads {method} {path}, which the simulator omits")
    for method, params in SENDS.items():
        problems += [
            f"Ballast sends {method} {name}, which the reference lacks"
            for name in params
            if name not in TABLE[method]["params"]
        ]
    assert problems == [], "\n".join(problems)


def test_the_table_can_fail() -> None:
    """The check finds an invented field and a mistyped one."""
    assert mismatches("public/ticker", {"mark_price": "1", "mark_iv": 50.0, "made_up": 1}) == [
        "public/ticker: mark_price is str, reference number",
        "public/ticker: made_up is not in Deribit's reference",
    ]
    with pytest.raises(KeyError):
        mismatches("private/unheard_of", {})
