"""The journal on both backends: a fixture that opens journals on SQLite and on
PostgreSQL (the session's throwaway cluster, a fresh database per test), so one test
proves both have the same semantics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.execution.journal import Journal

BACKENDS = ("sqlite", "postgresql")

OpenJournal = Callable[..., Journal]


@pytest.fixture(params=BACKENDS)
def open_journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenJournal]:
    """``open_journal(book="main", **options)`` opens (again) this test's journal of
    ``book`` on the parameter's backend; everything opened is closed at teardown."""
    opened: list[Journal] = []
    database = request.getfixturevalue("postgres_database") if request.param != "sqlite" else None

    def opener(book: str = "main", **options: Any) -> Journal:
        if database is None:
            journal = Journal.open(tmp_path / f"{book}.sqlite", book=book, **options)
        else:
            journal = Journal.open(database.url, book=book, password=database.password, **options)
        opened.append(journal)
        return journal

    yield opener
    for journal in opened:
        journal.close()


@pytest.fixture
def journal(open_journal: OpenJournal) -> Journal:
    """This test's journal (book ``main``), on each backend in turn."""
    return open_journal()
