"""Helpers for the importer tests: a throwaway SQLite database, running `run_import` on files
written to a temp dir, and a full dump of the account tables to prove "nothing was written"."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import models
from bot.db.base import Base
from bot.db.session import make_engine, make_session_factory
from bot.importer import run_import

DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLE_PATH = DATA / "accounts.example.json"
TODAY = date(2025, 6, 2)  # IMPORT.md §13: "As of Mon 2025-06-02"
TABLES = [
    models.TeamMember, models.Account, models.AccountStripeCustomer, models.AccountSlackChannel, models.Invoice,
    models.SeriesPoint, models.Note, models.Flag, models.Contact, models.Ticket, models.OneTimeCredit,
]


def example() -> dict[str, Any]:
    """A fresh copy of the IMPORT.md §13 example document."""
    return copy.deepcopy(json.loads(EXAMPLE_PATH.read_text()))


@dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line and not line.startswith("import rejected")]


class Importer:
    """Runs the importer against `url` (the shared migrated test database), or a fresh SQLite file."""

    def __init__(self, tmp_path: Path, url: str | None = None) -> None:
        self.tmp_path = tmp_path
        if url is None:
            url = f"sqlite:///{tmp_path / 'gtmbot.db'}"
            self.engine = make_engine(url)
            Base.metadata.create_all(self.engine)
        else:
            self.engine = make_engine(url)
        self.session_factory = make_session_factory(self.engine)
        self._open: list[Session] = []

    def release(self) -> None:
        """End every session a test read through (PostgreSQL's TRUNCATE waits for them)."""
        for session in self._open:
            session.close()
        self._open.clear()

    def close(self) -> None:
        self.release()
        self.engine.dispose()

    def write(self, name: str, content: str | bytes | dict[str, Any]) -> Path:
        path = self.tmp_path / name
        if isinstance(content, dict):
            content = json.dumps(content)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)
        return path

    def run(self, *files: Path, **kwargs: Any) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        kwargs.setdefault("today", TODAY)
        status = run_import(list(files), session_factory=self.session_factory, stdout=out, stderr=err, **kwargs)
        return Outcome(status, out.getvalue(), err.getvalue())

    def run_doc(self, doc: dict[str, Any], name: str = "accounts.json", **kwargs: Any) -> Outcome:
        return self.run(self.write(name, doc), **kwargs)

    def session(self) -> Session:
        session = self.session_factory()
        self._open.append(session)
        return session

    def account(self, account_id: str) -> models.Account:
        session = self.session_factory()
        self._open.append(session)
        found = session.get(models.Account, account_id)
        assert found is not None, f"account {account_id} not stored"
        return found

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every account-model table, for before/after comparisons."""
        with self.session_factory() as session:
            out = {}
            for model in TABLES:
                columns = list(model.__table__.columns)
                rows = session.execute(select(*columns)).all()
                out[model.__tablename__] = sorted(tuple(repr(v) for v in row) for row in rows)
            return out


@pytest.fixture
def importer(tmp_path: Path, db_url: str) -> Iterator[Importer]:
    """The shared migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL), emptied."""
    runner = Importer(tmp_path, db_url)
    yield runner
    runner.close()


@pytest.fixture
def seeded(importer: Importer) -> Importer:
    """The §13 example already imported."""
    outcome = importer.run(EXAMPLE_PATH)
    assert outcome.status == 0, outcome.stderr
    return importer
