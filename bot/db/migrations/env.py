"""Alembic environment: runs against the URL passed by bot.db.migrate (or DATABASE_URL)."""

from __future__ import annotations

from alembic import context

from bot.db.registry import load_all_models
from bot.db.session import make_engine

target_metadata = load_all_models().metadata
config = context.config


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


def _render_item(type_, obj, autogen_context):
    """Render our UTCDateTime as the plain column type it is in the database."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
