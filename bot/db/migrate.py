"""Programmatic Alembic: `gtmbot db upgrade`, and automatic upgrades in serve/demo/tests.

Capabilities add migrations on their own branch (a branch label each) off the
account-model revision, so the database is upgraded to *all* heads."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.db.session import normalise_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "heads")


def revision(url: str, message: str, *, rev_id: str, head: str = "head", branch_label: str | None = None) -> None:
    """Developer helper: autogenerate a migration from the models."""
    command.revision(
        alembic_config(url), message=message, autogenerate=True, rev_id=rev_id, head=head,
        branch_label=branch_label,
    )
