"""The Alembic migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.db.registry import load_all_models
from bot.db.session import make_engine


def test_migrated_schema_matches_the_models(migrated_db_url):
    engine = make_engine(migrated_db_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, load_all_models().metadata)
    engine.dispose()
    assert diff == []
