"""The position ledger's tables in the journal (agent.execution.ledger), on both backends."""

from __future__ import annotations

from agent.execution.journal import Journal
from agent.execution.ledger import ACCOUNTED, STRADDLING, PositionLedger
from agent.execution.records import IntentEntry
from agent.external import ExternalChange, OwnChange
from agent.intents import Action, Intent, Outcome, OutcomeStatus
from tests.support.journals import journal, open_journal

__all__ = ["journal", "open_journal"]  # fixtures: every test here runs on both backends

PERP = ("hyperliquid", "ETH", "hedge")
SUPPLY = ("aave", "WETH", "supply")


def test_positions_are_replaced_per_venue_with_the_block_read(journal: Journal) -> None:
    ledger = PositionLedger(journal)
    ledger.save(["hyperliquid", "aave"], {PERP: -4.0, SUPPLY: 10.0}, {"aave": 120}, at=5.0)
    ledger.save(["hyperliquid"], {}, {}, at=6.0)  # the perp was closed
    held, seen = ledger.positions()
    assert held == {SUPPLY: 10.0}
    assert seen == {"aave": 120, "hyperliquid": None}
    assert ledger.looked_at() == {"aave": 5.0, "hyperliquid": 6.0}


def test_done_intents_are_counted_once(journal: Journal) -> None:
    ledger = PositionLedger(journal)
    sells = [
        Intent(venue="hyperliquid", action=Action.SELL, asset="ETH", quantity=2.0, reason="t",
               sequence=n)
        for n in range(2)
    ]  # fmt: skip
    for sell in sells:
        journal.record_intent(sell, IntentEntry(1.0, True, False, 1), at=1.0)
        journal.record_outcome(Outcome(sell.intent_id, OutcomeStatus.FILLED, "hl"), at=2.0)
    done, straddling = ledger.done()
    assert sorted(done) == sorted(
        (s.intent_id, OwnChange("hyperliquid", Action.SELL, "ETH", 2.0)) for s in sells
    )
    assert straddling == set()
    ledger.mark([sells[0].intent_id], [sells[1].intent_id])
    ledger.mark([], [sells[1].intent_id])  # marked again: replaced, not duplicated
    done, straddling = ledger.done()
    assert [intent_id for intent_id, _ in done] == [sells[1].intent_id]
    assert straddling == {sells[1].intent_id}
    ledger.mark([sells[1].intent_id], [])
    assert ledger.done() == ([], set())
    assert (ACCOUNTED, STRADDLING) == ("accounted", "straddling")


def test_external_events_wait_for_an_acknowledgement(journal: Journal) -> None:
    ledger = PositionLedger(journal)
    change = ExternalChange("aave", "WETH", "supply", 10.0, 5.6, 0.0, "liquidation", ("0xab",))
    ledger.record([change], at=7.5)
    [recorded] = ledger.unacknowledged()
    assert (recorded.at, recorded.change) == (7.5, change)
    assert ledger.acknowledge("alice", at=8.0) == 1
    assert ledger.unacknowledged() == []
    assert ledger.acknowledge("alice", at=9.0) == 0
