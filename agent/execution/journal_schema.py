"""The journal's tables, their versions (``PRAGMA user_version``) and row mapping.

A new version appends to ``MIGRATIONS``; an existing step is never edited. A journal
written by a newer build is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

from agent.errors import InvariantViolation
from agent.execution.records import (
    IntentRecord,
    OrderRecord,
    OrderStatus,
    TxKind,
    TxRecord,
    TxStatus,
)
from agent.intents import OutcomeStatus

_V1 = """
CREATE TABLE intents (
    intent_id TEXT PRIMARY KEY,
    venue TEXT NOT NULL,
    action TEXT NOT NULL,
    asset TEXT NOT NULL,
    quantity REAL NOT NULL,
    notional_usd REAL NOT NULL,
    risk_reducing INTEGER NOT NULL,
    unwind INTEGER NOT NULL,
    reason TEXT NOT NULL,
    legs INTEGER NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL,
    reference TEXT,
    journaled_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX intents_status ON intents (status);
CREATE INDEX intents_time ON intents (journaled_at);

CREATE TABLE transactions (
    hash TEXT NOT NULL,
    intent_id TEXT NOT NULL REFERENCES intents (intent_id),
    account TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    nonce INTEGER NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    raw BLOB NOT NULL,
    "to" TEXT NOT NULL,
    data BLOB NOT NULL,
    value TEXT NOT NULL,
    gas INTEGER NOT NULL,
    max_fee_per_gas TEXT NOT NULL,
    max_priority_fee_per_gas TEXT NOT NULL,
    function TEXT NOT NULL,
    emergency INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    block_number INTEGER,
    block_hash TEXT,
    receipt_status INTEGER,
    detail TEXT NOT NULL,
    PRIMARY KEY (hash, intent_id)
);
CREATE INDEX transactions_nonce ON transactions (account, chain_id, nonce);
CREATE INDEX transactions_status ON transactions (status);

CREATE TABLE orders (
    client_order_id TEXT PRIMARY KEY,
    intent_id TEXT NOT NULL REFERENCES intents (intent_id),
    venue TEXT NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    quantity REAL NOT NULL,
    limit_price REAL,
    reduce_only INTEGER NOT NULL,
    time_in_force TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    venue_order_id TEXT,
    filled_quantity REAL NOT NULL,
    average_price REAL,
    fee_usd REAL NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX orders_status ON orders (status);

CREATE TABLE kill_transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    previous TEXT NOT NULL,
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    automatic INTEGER NOT NULL
);
"""

# Positions as last seen, the intents already counted against them, and the external
# events found (agent.external, agent.execution.ledger).
_V2 = """
CREATE TABLE positions_seen (
    venue TEXT NOT NULL,
    asset TEXT NOT NULL,
    kind TEXT NOT NULL,
    quantity REAL NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (venue, asset, kind)
);
CREATE TABLE ledger_intents (
    intent_id TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
CREATE TABLE external_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    venue TEXT NOT NULL,
    asset TEXT NOT NULL,
    kind TEXT NOT NULL,
    before REAL NOT NULL,
    after REAL NOT NULL,
    explained REAL NOT NULL,
    cause TEXT NOT NULL,
    evidence TEXT NOT NULL,
    acknowledged_at REAL,
    acknowledged_by TEXT
);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema to ``SCHEMA_VERSION``, each step in its own transaction."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise InvariantViolation(
            f"journal schema version {version} is newer than this build ({SCHEMA_VERSION})"
        )
    for number in range(version, SCHEMA_VERSION):
        step = MIGRATIONS[number]
        script = f"BEGIN IMMEDIATE;\n{step}\nPRAGMA user_version = {number + 1};\nCOMMIT;"
        try:
            connection.executescript(script)
        except sqlite3.Error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise


# --- rows --------------------------------------------------------------------------


def tx_from_row(row: sqlite3.Row) -> TxRecord:
    values = dict(row)
    for name in ("value", "max_fee_per_gas", "max_priority_fee_per_gas"):
        values[name] = int(values[name])
    values["emergency"] = bool(values["emergency"])
    values["status"] = TxStatus(values["status"])
    values["kind"] = TxKind(values["kind"])
    return TxRecord(**values)


_INTENT_COLUMNS = (
    "intent_id, venue, action, asset, quantity, notional_usd, risk_reducing, unwind, reason,"
    " legs, status, detail, reference, journaled_at, updated_at"
)
SELECT_INTENTS = f"SELECT {_INTENT_COLUMNS} FROM intents"  # noqa: S608


def intent_from_row(row: sqlite3.Row) -> IntentRecord:
    values = dict(row)
    values["risk_reducing"] = bool(values["risk_reducing"])
    values["unwind"] = bool(values["unwind"])
    values["status"] = OutcomeStatus(values["status"])
    return IntentRecord(**values)


def _marks(fields: tuple[str, ...]) -> str:
    return ",".join("?" * len(fields))


# Statements are assembled once from the record types' field names (constants, never
# input); values always go through placeholders.
_TX_FIELDS = tuple(TxRecord.__dataclass_fields__)
_TX_COLUMNS = ", ".join(f'"{name}"' for name in _TX_FIELDS)
SELECT_TX = f"SELECT {_TX_COLUMNS} FROM transactions"  # noqa: S608
INSERT_TX = (
    f"INSERT INTO transactions ({_TX_COLUMNS}) VALUES ({_marks(_TX_FIELDS)})"  # noqa: S608
    " ON CONFLICT (hash, intent_id) DO UPDATE SET status=excluded.status,"
    " updated_at=excluded.updated_at, detail=excluded.detail"
)
_ORDER_FIELDS = tuple(OrderRecord.__dataclass_fields__)
_ORDER_COLUMNS = ", ".join(_ORDER_FIELDS)
SELECT_ORDERS = f"SELECT {_ORDER_COLUMNS} FROM orders"  # noqa: S608
INSERT_ORDER = f"INSERT INTO orders ({_ORDER_COLUMNS}) VALUES ({_marks(_ORDER_FIELDS)})"  # noqa: S608


def tx_values(tx: TxRecord) -> tuple[object, ...]:
    values: list[object] = []
    for name in _TX_FIELDS:
        value = getattr(tx, name)
        if name in ("value", "max_fee_per_gas", "max_priority_fee_per_gas"):
            value = str(value)
        elif name == "account":
            value = str(value).lower()
        values.append(value)
    return tuple(values)


def order_values(order: OrderRecord) -> tuple[object, ...]:
    return tuple(getattr(order, name) for name in _ORDER_FIELDS)


def order_from_row(row: sqlite3.Row) -> OrderRecord:
    values = dict(row)
    values["status"] = OrderStatus(values["status"])
    values["reduce_only"] = bool(values["reduce_only"])
    return OrderRecord(**values)
