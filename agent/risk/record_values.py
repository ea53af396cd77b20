"""What records are worth, without a book of them.

Each cross account's cash is the venue's equity less what the risk engine values its
positions at (``agent.tick.account_cash``). The tick values them from its book laid out
once (``agent.risk.book_cash``); records that do not fit together are valued here first,
apart, so that they are refused as they always were (the held positions' errors first).
A book of those records, built only to value them, would lay out accounts and arrays
nobody reads. Here the records pass the same checks a book makes (the same errors,
naming the same record) and become the same rows, read by the same kernel: each value is
the float ``book_greeks(Book.from_records(...))`` gives it, as a position's value needs
no other position.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from agent.risk.book import check, lay_rows
from agent.risk.positions import MarginAccount, MarketState, Position
from agent.risk.valuation import VALUE, book_greeks_kernel


class _Records(NamedTuple):
    valuation_time: datetime
    market: Mapping[str, MarketState]
    positions: Sequence[Position]
    margin_accounts: Mapping[str, MarginAccount]


def record_values(
    valuation_time: datetime,
    market: Mapping[str, MarketState],
    positions: Iterable[Position],
    margin_accounts: Iterable[MarginAccount] = (),
) -> list[float]:
    """Each record's value (USD), as a book of these records values it; raises
    RiskInputError as ``Book.from_records`` with the same arguments would."""
    accounts = {account.id: account for account in margin_accounts}
    records = _Records(valuation_time, market, tuple(positions), accounts)
    checked = check(records)
    now = valuation_time.timestamp()
    rows = lay_rows(records, checked, now)
    for array in rows:  # as a book's (the kernel is compiled for read-only arrays)
        array.setflags(write=False)
    table = book_greeks_kernel(rows.terms, rows.codes, rows.market, now, rows.option_terms)
    values: list[float] = table[: len(records.positions), VALUE].tolist()
    return values
