"""Extract, from Deribit's published OpenAPI reference, the methods Ballast calls.

Writes ``tests/fixtures/deribit_api_reference.json``: for each method, its request
parameters and the fields of its ``result`` (dotted paths, ``[]`` for array items) with
their JSON types, as the reference declares them. The Deribit tests check the simulator's
replies (and Ballast's reads) against this table.

Source: "Deribit API" 2.1.1, the OpenAPI document behind docs.deribit.com
(https://docs.deribit.com/specifications/deribit_openapi.json), read from its mirror
github.com/api-evangelist/deribit, openapi/_original/deribit-openapi.json.

Usage: python tools/deribit_reference.py OPENAPI_JSON SOURCE_NOTE > table.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

# Every JSON-RPC method Ballast's Deribit connector calls, through ccxt or directly.
METHODS = (
    "public/get_currencies",  # ccxt load_markets
    "public/get_instruments",  # ccxt load_markets
    "private/get_positions",
    "private/get_account_summary",
    "private/get_account_summaries",  # every currency's summary in one request
    "public/get_book_summary_by_currency",
    "public/ticker",
    "private/buy",
    "private/sell",
    "private/get_order_state_by_label",
    "private/cancel",
    "private/get_open_orders_by_currency",
    "private/get_user_trades_by_order",  # the fees of a filled order
    "private/get_order_history_by_currency",  # lookups after a label is forgotten
    "private/get_user_trades_by_currency",
)
_DEPTH = 3
_TRADES_OF = {"private/get_user_trades_by_order": "private/get_user_trades_by_currency"}


class Reference:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        if "allOf" in node:
            merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
            for part in node["allOf"]:
                part = self.resolve(part)
                for name, child in part.get("properties", {}).items():
                    known = merged["properties"].get(name)
                    if known is not None and known != child:  # both parts declare it
                        child = {"oneOf": [known, child]}
                    merged["properties"][name] = child
                merged["required"] += part.get("required", [])
            node = merged
        return node

    def json_type(self, node: dict[str, Any]) -> str:
        node = self.resolve(node)
        if "oneOf" in node or "anyOf" in node:
            return "|".join(
                sorted({self.json_type(option) for option in node.get("oneOf", node.get("anyOf"))})
            )
        if "type" in node:
            return str(node["type"])
        return "object" if "properties" in node else "any"

    def fields(self, node: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, str]:
        node = self.resolve(node)
        found: dict[str, str] = {}
        if node.get("type") == "array" and "items" in node:
            found[prefix or "[]"] = "array"
            inner = prefix + "[]"
            found.update(self.fields(node["items"], inner, depth))
            return found
        for name, child in node.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix and not prefix.endswith("[]") else prefix + name
            if prefix.endswith("[]"):
                path = f"{prefix}.{name}"
            found[path] = self.json_type(child)
            if depth + 1 < _DEPTH:
                found.update(self.fields(child, path, depth + 1))
        return found

    def method(self, name: str) -> dict[str, Any]:
        operation = self.document["paths"]["/" + name]["get"]
        params = {
            p["name"]: {"type": self.json_type(p["schema"]), "required": bool(p.get("required"))}
            for p in operation.get("parameters", [])
        }
        response = self.resolve(operation["responses"]["200"])
        content = response["content"]["application/json"]
        body = self.resolve(content["schema"])
        result = body.get("properties", {}).get("result")
        if result is not None:
            return {"params": params, "result": self.fields(result)}
        # This method's schema declares no result (its example is a list of trades): take
        # the reference's user-trade object, the items of get_user_trades_by_currency.
        trades = self.method(_TRADES_OF[name])["result"]
        fields = {"[]": "array"}
        fields.update({"[]" + k.removeprefix("trades[]"): v for k, v in trades.items()
                       if k.startswith("trades[].")})  # fmt: skip
        return {"params": params, "result": fields, "from": f"{_TRADES_OF[name]} trades[]"}


def main() -> None:
    path, source = sys.argv[1:3]
    with open(path, encoding="utf-8") as handle:
        reference = Reference(json.load(handle))
    table = {
        "source": source,
        "methods": {name: reference.method(name) for name in METHODS},
    }
    json.dump(table, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
