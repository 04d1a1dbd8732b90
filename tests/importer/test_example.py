# ruff: noqa: F811  -- pytest fixtures come from tests.importer.support
"""The IMPORT.md §13 example end to end: imported, readable, idempotent; dry runs write nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bot.db import models
from tests.importer.support import EXAMPLE_PATH, Importer, example, importer, seeded  # noqa: F401

DEMO_CORE = Path(__file__).resolve().parents[2] / "bot/demo/data/00_core.json"


def test_example_imports_with_exit_0(importer: Importer):
    outcome = importer.run(EXAMPLE_PATH)
    assert outcome.status == 0, outcome.stderr
    assert outcome.stderr == ""
    assert "3 team members (3 new), 3 accounts (3 new)" in outcome.stdout


def test_example_values_land_in_the_model(seeded: Importer):
    acme = seeded.account("0189-acme")
    assert acme.name == "Acme Robotics" and acme.arr == Decimal("48000.00")
    assert acme.owner.name == "Alex Rivera" and acme.owner.role == "TAE"
    assert acme.stripe_customer_ids == ["cus_AcmeRobotics"] and acme.primary_channel_id == "C0ACME"
    assert acme.zendesk_org_id == 901 and acme.cloud == "EU" and acme.new_owner == "Ready to move"
    assert acme.paying_for == ["session_replay", "feature_flags"]
    assert acme.user_region_counts == {"US": 40, "EU": 5}
    # credit: 12 months from 2025-01-10, 20 % discount (IMPORT.md §5.1 defaults)
    assert acme.credit_present and acme.credit_amount == Decimal("60000.00")
    assert acme.effective_credit_term_end == date(2026, 1, 10)
    assert acme.effective_credit_expires_on == date(2026, 1, 10)
    assert acme.credit_discount_pct == Decimal("20")
    assert [p.value for p in acme.series("usage", "session_replay")][-1] == Decimal("2700.00")
    assert acme.series("usage", "session_replay")[-1].billed == Decimal("0.00")
    assert [p.label for p in acme.series("health_history")] == ["Good"] * 4
    assert acme.notes[0].note_id == "vit-note-7781" and acme.notes[0].kind == "account_plan"
    assert acme.flags[0].kind == "customer_told"
    assert acme.tickets[0].id == 4790 and acme.tickets[0].tags == ["priority_customer"]
    credit_invoice = next(i for i in acme.invoices if i.id == "in_AcmeCredit2025")
    assert credit_invoice.kind == "credit_purchase" and credit_invoice.effective_amount_paid == Decimal("48000.00")

    fjord = seeded.account("0190-fjord")
    assert fjord.tam_overlay.slack_id == "U0TAM01" and fjord.owner.role == "CSM"
    assert fjord.effective_credit_term_months == 12
    assert fjord.billing_limits == {"session_replay": "2500.00"}
    assert fjord.billing_page_views == ["2025-05-27T10:12:00Z"]
    assert len(fjord.series("events_weekly")) == 12
    assert fjord.series("events_weekly")[0].value == 1200000
    recommendation = next(n for n in fjord.notes if n.kind == "recommendation")
    assert recommendation.status == "open" and recommendation.created_at == recommendation.updated_at
    assert {c.email: c.role for c in fjord.contacts} == {"finance@fjordmedia.no": "finance", "ingrid@fjordmedia.no": "champion"}
    assert fjord.last_inbound_at == datetime(2025, 5, 12, 14, 3, tzinfo=UTC)

    ember = seeded.account("0191-ember")
    assert ember.owner is None and ember.previous_owner.slack_id == "U0TAM01"
    assert ember.credit_present is False and ember.effective_credit_term_end is None
    may = next(i for i in ember.invoices if i.id == "in_EmberMay")
    assert may.status == "open" and may.effective_amount_remaining == Decimal("2400.00")
    assert may.effective_first_failed_at == datetime(2025, 5, 28, 10, tzinfo=UTC)
    assert ember.destinations == [{"kind": "realtime", "vendor": "Amplitude"}]
    assert ember.one_time_credits[0].reason == "incident"
    assert ember.effective_first_paid_date == date(2025, 3, 1)  # first mrr_history month > 0


def test_team_members_of_the_example(seeded: Importer):
    with seeded.session() as session:
        dana = session.get(models.TeamMember, "U0CSM01")
        tara = session.get(models.TeamMember, "U0TAM01")
        assert dana.is_team_lead and dana.cmoc == "EU" and dana.region == "EU"
        assert tara.out_of_office and tara.managed_count == 12 and tara.leads_count == 4


def test_reimporting_the_same_file_changes_nothing(seeded: Importer):
    before = seeded.dump()
    outcome = seeded.run(EXAMPLE_PATH, today=date(2025, 7, 1))
    assert outcome.status == 0, outcome.stderr
    assert seeded.dump() == before


def test_dry_run_validates_and_writes_nothing(importer: Importer):
    before = importer.dump()
    outcome = importer.run(EXAMPLE_PATH, dry_run=True)
    assert outcome.status == 0
    assert "dry run" in outcome.stdout and "nothing was written" in outcome.stdout
    assert importer.dump() == before


def test_dry_run_of_a_bad_file_exits_1(importer: Importer):
    doc = example()
    doc["accounts"][0]["arr"] = 48000
    outcome = importer.run_doc(doc, dry_run=True)
    assert outcome.status == 1
    assert 'accounts[0] (id "0189-acme"): arr: E_TYPE' in outcome.stderr


def test_demo_core_data_imports_cleanly(importer: Importer):
    outcome = importer.run(DEMO_CORE)
    assert outcome.status == 0, outcome.stderr
    with importer.session() as session:
        simon = session.get(models.TeamMember, "U0LEAD01")
        assert simon.name == "Simon Fisher" and simon.role == "LEAD" and simon.is_team_lead
        regions = {m.region for m in session.query(models.TeamMember) if m.role in ("TAE", "TAM", "CSM")}
        assert regions == {"US", "EU", "APAC"}
        assert {m.cmoc for m in session.query(models.TeamMember) if m.cmoc} == {"EU", "US"}
        # the approvers the handbook names (002_59a801b964a2a19e.txt:4450) resolve by name
        from bot.accounts import resolve_member

        assert resolve_member(session, "Ben Bradley").slack_id == "U0LEAD02"
        assert resolve_member(session, "simon fisher").slack_id == "U0LEAD01"
