"""The account model: the 0002 migration (with 0005's lookup indexes and 0006's ARR index) builds exactly the tables the ORM maps, and the
`effective_*` views give IMPORT.md's defaults."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bot.db import models
from bot.db.base import Base

ACCOUNT_TABLES = {
    "team_members",
    "accounts",
    "account_stripe_customers",
    "account_slack_channels",
    "invoices",
    "series_points",
    "notes",
    "flags",
    "contacts",
    "tickets",
    "one_time_credits",
}
VERSIONS = Path(__file__).resolve().parents[2] / "bot/db/migrations/versions"


def _load_migration(name: str = "0002_accounts"):
    spec = importlib.util.spec_from_file_location(f"m{name}", VERSIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_0002_matches_the_models(tmp_path):
    migration, lookup, arr = _load_migration(), _load_migration("0005_account_lookup"), _load_migration("0006_account_arr")
    assert migration.revision == "0002_accounts" and migration.down_revision == "0001_foundation"
    assert lookup.down_revision == "0002_accounts" and arr.down_revision == "0005_account_lookup"
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as conn:
        context = MigrationContext.configure(conn)
        with Operations.context(context):
            migration.upgrade()
            lookup.upgrade()
            arr.upgrade()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    mine = [d for d in diff if _table_of(d) in ACCOUNT_TABLES]
    assert mine == []
    with engine.begin() as conn:
        context = MigrationContext.configure(conn)
        with Operations.context(context):
            arr.downgrade()
            lookup.downgrade()
            migration.downgrade()
    with engine.connect() as conn:
        assert not set(engine.dialect.get_table_names(conn)) & ACCOUNT_TABLES


def _table_of(diff) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else None
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        if name in ACCOUNT_TABLES:
            return name
        if isinstance(part, str) and part in ACCOUNT_TABLES:
            return part
    return None


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def test_timestamps_come_back_as_aware_utc(session):
    member = models.TeamMember(slack_id="U0X", name="X", role="TAE")
    acct = models.Account(id="a1", name="A", last_inbound_at=datetime(2025, 5, 1, 12, tzinfo=UTC))
    session.add_all([member, acct])
    session.commit()
    session.expire_all()
    got = session.get(models.Account, "a1").last_inbound_at
    assert got == datetime(2025, 5, 1, 12, tzinfo=UTC) and got.tzinfo is not None


def test_naive_timestamps_are_refused(session):
    session.add(models.Account(id="a1", name="A", canceled_at=datetime(2025, 5, 1)))
    with pytest.raises(Exception, match="naive"):
        session.commit()


def test_credit_defaults_follow_import_md_5_1(session):
    acct = models.Account(id="a1", name="A", credit_present=True, credit_term_start=date(2025, 1, 10))
    session.add(acct)
    session.commit()
    assert acct.effective_credit_term_months == 12  # B§9 default
    assert acct.effective_credit_term_end == date(2026, 1, 10)
    assert acct.effective_credit_expires_on == date(2026, 1, 10)
    assert acct.effective_credit_discount_pct == Decimal("0")
    assert acct.effective_credit_billing_config == "upfront"
    no_credit = models.Account(id="a2", name="B")
    assert no_credit.effective_credit_term_end is None


def test_invoice_amount_defaults(session):
    acct = models.Account(id="a1", name="A")
    acct.stripe_customers.append(models.AccountStripeCustomer(customer_id="cus_1", position=0))
    paid = models.Invoice(id="in_1", status="paid", payment_method="card", amount_due=Decimal("10.00"))
    opened = models.Invoice(
        id="in_2",
        status="open",
        payment_method="card",
        amount_due=Decimal("10.00"),
        attempt_count=1,
        finalized_at=datetime(2025, 5, 28, 10, tzinfo=UTC),
    )
    acct.invoices.extend([paid, opened])
    session.add(acct)
    session.commit()
    assert paid.effective_amount_paid == Decimal("10.00") and paid.effective_amount_remaining == 0
    assert opened.effective_amount_remaining == Decimal("10.00")
    assert opened.effective_first_failed_at == datetime(2025, 5, 28, 10, tzinfo=UTC)
    assert opened.effective_stripe_customer_id == "cus_1"
    assert opened.effective_total == Decimal("10.00")
