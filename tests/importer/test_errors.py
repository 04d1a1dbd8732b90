# ruff: noqa: F811  -- pytest fixtures come from tests.importer.support
"""Every error code of IMPORT.md §10, with the file, place and field each line must name; and
that a rejected import writes nothing (exit 1) while bad arguments exit 2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.importer.support import EXAMPLE_PATH, Importer, example, importer, seeded  # noqa: F401

Doc = dict[str, Any]


def acct(doc: Doc, index: int) -> Doc:
    return doc["accounts"][index]


def _set(index: int, **fields: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        acct(doc, index).update(fields)

    return mutate


def _credit(index: int, **fields: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        acct(doc, index)["credit"].update(fields)

    return mutate


def _invoice(index: int, inv: int, **fields: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        acct(doc, index)["invoices"][inv].update(fields)

    return mutate


def _drop(index: int, name: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        del acct(doc, index)[name]

    return mutate


ACME = 'accounts[0] (id "0189-acme")'
FJORD = 'accounts[1] (id "0190-fjord")'
EMBER = 'accounts[2] (id "0191-ember")'

# (test id, mutation of the §13 example, expected "<where>: <field>: <CODE>" and a message fragment)
CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    # IMPORT.md §10 example lines
    ("s10-term-end-before-start", _credit(1, term_end="2024-07-01"), f"{FJORD}: credit.term_end: E_CONFLICT",
     "2024-07-01 is before credit.term_start 2024-08-01"),
    ("s10-arr-usd-renamed", _set(0, arr_usd="48000.00"), f"{ACME}: arr_usd: E_UNKNOWN_FIELD", 'renamed; use "arr"'),
    # E_UNKNOWN_FIELD: typos, replaced and derived names
    ("typo-suggests", _set(0, segmnts=["Leads"]), f"{ACME}: segmnts: E_UNKNOWN_FIELD", '"segments"'),
    ("derived-owner-email", _set(0, owner_email="a@b.io"), f"{ACME}: owner_email: E_UNKNOWN_FIELD", "team row"),
    ("derived-health-label", _set(0, health_score_label="Good"), f"{ACME}: health_score_label: E_UNKNOWN_FIELD", "health_history"),
    ("renamed-channel", _set(0, slack_channel_id="C0ACME"), f"{ACME}: slack_channel_id: E_UNKNOWN_FIELD", "slack_channel_ids"),
    ("renamed-credit-field", _credit(0, contract_end="2026-01-10"), f"{ACME}: credit.contract_end: E_UNKNOWN_FIELD", "term_end"),
    ("renamed-invoice-field", _invoice(0, 0, collection_method="send_invoice"),
     f"{ACME}: invoices[0].collection_method: E_UNKNOWN_FIELD", "payment_method"),
    ("renamed-owner-facts", _set(2, owner_facts=[]), f"{EMBER}: owner_facts: E_UNKNOWN_FIELD", '"flags"'),
    # E_REQUIRED
    ("name-null", _set(0, name=None), f"{ACME}: name: E_REQUIRED", "required"),
    ("name-empty", _set(0, name="  "), f"{ACME}: name: E_REQUIRED", "empty"),
    ("new-account-without-name", _drop(1, "name"), f"{FJORD}: name: E_REQUIRED", "new account"),
    ("invoice-without-status", lambda d: acct(d, 0)["invoices"][0].pop("status"),
     f"{ACME}: invoices[0].status: E_REQUIRED", "required"),
    ("health-row-without-label", lambda d: acct(d, 1)["health_history"][0].pop("label"),
     f"{FJORD}: health_history[0].label: E_REQUIRED", "label"),
    ("usage-row-without-product", lambda d: acct(d, 0)["usage"][0].pop("product"),
     f"{ACME}: usage[0].product: E_REQUIRED", "product"),
    # E_TYPE
    ("money-as-number", _set(0, arr=48000), f"{ACME}: arr: E_TYPE", "48000.00"),
    ("pct-as-number", _credit(0, discount_pct=20), f"{ACME}: credit.discount_pct: E_TYPE", "string"),
    ("int-as-string", _set(0, active_users_30d="12"), f"{ACME}: active_users_30d: E_TYPE", "whole number"),
    ("list-where-scalar", _set(0, name=["Acme"]), f"{ACME}: name: E_TYPE", "list"),
    ("scalar-where-list", _set(0, segments="Leads"), f"{ACME}: segments: E_TYPE", "list"),
    ("credit-not-object", _set(0, credit="60000"), f"{ACME}: credit: E_TYPE", "object"),
    ("bool-as-string", _set(0, nonprofit="yes"), f"{ACME}: nonprofit: E_TYPE", "true"),
    # E_FORMAT
    ("money-with-dollar", _set(2, arr="$28,800"), f"{EMBER}: arr: E_FORMAT", "write 28800.00"),
    ("money-three-decimals", _set(2, arr="28800.001"), f"{EMBER}: arr: E_FORMAT", "money"),
    ("us-date", _set(0, closed_won_date="1/8/2025"), f"{ACME}: closed_won_date: E_FORMAT", "YYYY-MM-DD"),
    ("naive-timestamp", _set(0, last_customer_slack_message_at="2025-05-30T16:20:00"),
     f"{ACME}: last_customer_slack_message_at: E_FORMAT", "time zone"),
    ("month-as-date", lambda d: acct(d, 0)["mrr_history"][0].update(period="2025-03-01"),
     f"{ACME}: mrr_history[0].period: E_FORMAT", "YYYY-MM"),
    ("week-not-monday", lambda d: acct(d, 1)["events_weekly"][0].update(period="2025-03-11"),
     f"{FJORD}: events_weekly[0].period: E_FORMAT", "is a Tuesday; give the week's Monday 2025-03-10"),
    ("bad-account-id", _set(0, id="-acme"), 'accounts[0] (id "-acme"): id: E_FORMAT', "account id"),
    ("channel-name-not-id", _set(0, slack_channel_ids=["#acme"]), f"{ACME}: slack_channel_ids[0]: E_FORMAT", "never #names"),
    ("bad-email", _set(0, billing_email="ap-at-acme.io"), f"{ACME}: billing_email: E_FORMAT", "email"),
    ("domain-with-scheme", _set(0, domain="https://acme.io/home"), f"{ACME}: domain: E_FORMAT", "write acme.io"),
    ("bad-owner-id", _set(0, owner_slack_id="alex"), f"{ACME}: owner_slack_id: E_FORMAT", "Slack user id"),
    ("bad-invoice-id", _invoice(0, 0, id="AcmeCredit"), f"{ACME}: invoices[0].id: E_FORMAT", "in_"),
    ("pct-text", _credit(0, discount_pct="20%"), f"{ACME}: credit.discount_pct: E_FORMAT", "percentage"),
    # E_ENUM
    ("bad-cloud", _set(0, cloud="ASIA"), f"{ACME}: cloud: E_ENUM", "US, EU"),
    ("bad-status", _set(0, subscription_status="frozen"), f"{ACME}: subscription_status: E_ENUM", "canceled"),
    ("bad-product", _set(0, paying_for=["session_replay", "magic"]), f"{ACME}: paying_for[1]: E_ENUM", "feature_flags"),
    ("bad-note-kind", lambda d: acct(d, 0)["notes"][0].update(kind="memo"), f"{ACME}: notes[0].kind: E_ENUM", "account_plan"),
    ("bad-region-count-key", _set(0, user_region_counts={"LATAM": 3}), f"{ACME}: user_region_counts.LATAM: E_ENUM", "APAC"),
    ("bad-format-name", lambda d: d.update(format="gtmbot-accounts/2"), "format: E_ENUM", "gtmbot-accounts/1"),
    # E_RANGE
    ("negative-arr", _set(0, arr="-1.00"), f"{ACME}: arr: E_RANGE", "negative"),
    ("pct-over-100", _credit(0, discount_pct="120"), f"{ACME}: credit.discount_pct: E_RANGE", "0-100"),
    ("score-over-10", lambda d: acct(d, 0)["health_history"][0].update(value="11"),
     f"{ACME}: health_history[0].value: E_RANGE", "0-10"),
    ("term-months-61", _credit(0, term_months=61), f"{ACME}: credit.term_months: E_RANGE", "1-60"),
    ("term-months-0", _credit(0, term_months=0), f"{ACME}: credit.term_months: E_RANGE", "1-60"),
    ("negative-int", _set(0, active_users_30d=-2), f"{ACME}: active_users_30d: E_RANGE", "-2"),
    # E_DUPLICATE inside the import
    ("account-twice", lambda d: d["accounts"].append(dict(acct(d, 0))), 'accounts[3] (id "0189-acme"): id: E_DUPLICATE', "accounts[0]"),
    ("invoice-in-two-accounts", lambda d: acct(d, 1)["invoices"].append(dict(acct(d, 0)["invoices"][0])),
     f"{FJORD}: invoices[3].id: E_DUPLICATE", "0189-acme"),
    ("stripe-customer-twice", _set(1, stripe_customer_ids=["cus_AcmeRobotics"]),
     f"{FJORD}: stripe_customer_ids[0]: E_DUPLICATE", "0189-acme"),
    ("posthog-org-twice", _set(1, posthog_org_id="0189-acme"), f"{FJORD}: posthog_org_id: E_DUPLICATE", "0189-acme"),
    ("series-row-twice", lambda d: acct(d, 0)["mrr_history"].append({"period": "2025-05", "value": "1.00"}),
     f"{ACME}: mrr_history[3].period: E_DUPLICATE", "2025-05"),
    ("member-twice", lambda d: d["team"].append(dict(d["team"][0])), 'team[3] (slack_id "U0TAE01"): slack_id: E_DUPLICATE', "team[0]"),
    ("member-email-twice", lambda d: d["team"][1].update(email="alex@example.com"),
     'team[1] (slack_id "U0TAM01"): email: E_DUPLICATE', "U0TAE01"),
    ("contact-twice", lambda d: acct(d, 1)["contacts"].append({"email": "INGRID@fjordmedia.no"}),
     f"{FJORD}: contacts[2]: E_DUPLICATE", "contacts[0]"),
    ("flag-twice", lambda d: acct(d, 0)["flags"].append(dict(acct(d, 0)["flags"][0])), f"{ACME}: flags[1]: E_DUPLICATE", "flags[0]"),
    # E_REF
    ("owner-unknown", _set(0, owner_slack_id="U0NOBODY"), f"{ACME}: owner_slack_id: E_REF", "team directory"),
    ("team-lead-unknown", lambda d: d["team"][0].update(team_lead_slack_id="U0NOBODY"),
     'team[0] (slack_id "U0TAE01"): team_lead_slack_id: E_REF', "U0NOBODY"),
    ("invoice-customer-not-listed", _invoice(0, 0, stripe_customer_id="cus_Other"),
     f"{ACME}: invoices[0].stripe_customer_id: E_REF", "cus_AcmeRobotics"),
    # E_CONFLICT
    ("term-end-equals-start", _credit(1, term_end="2024-08-01"), f"{FJORD}: credit.term_end: E_CONFLICT", "same day"),
    ("start-end-months-disagree", _credit(1, term_months=6), f"{FJORD}: credit.term_months: E_CONFLICT", "2025-02-01"),
    ("usage-mixed-granularity", lambda d: acct(d, 0)["usage"].append({"product": "session_replay", "period": "2025-05-03", "value": "90.00"}),
     f"{ACME}: usage[0].period: E_CONFLICT", "mix months and days"),
    ("billed-on-day-row", lambda d: acct(d, 2).update(usage=[{"product": "session_replay", "period": "2025-05-03", "value": "1.00", "billed": "1.00"}]),
     f"{EMBER}: usage[0].billed: E_CONFLICT", "month rows"),
    ("seasonal-without-until", lambda d: acct(d, 0)["flags"].append({"kind": "seasonal_explanation", "at": "2025-05-01T00:00:00Z"}),
     f"{ACME}: flags[1].until: E_CONFLICT", "until"),
    ("until-misplaced", lambda d: acct(d, 0)["flags"][0].update(until="2025-09-01"), f"{ACME}: flags[0].until: E_CONFLICT", "seasonal_explanation"),
    ("status-on-account-plan", lambda d: acct(d, 0)["notes"][0].update(status="open"), f"{ACME}: notes[0].status: E_CONFLICT", "recommendation"),
    ("contact-left-without-changed-at", lambda d: acct(d, 1)["contacts"][0].update(status="left"),
     f"{FJORD}: contacts[0].changed_at: E_CONFLICT", "changed_at"),
    ("open-bank-transfer-without-due-date", _invoice(0, 0, status="open", due_date=None, paid_at=None),
     f"{ACME}: invoices[0].due_date: E_CONFLICT", "due_date"),
    ("open-card-attempts-without-day-0", _invoice(2, 1, finalized_at=None, first_failed_at=None),
     f"{EMBER}: invoices[1].first_failed_at: E_CONFLICT", "finalized_at"),
    ("paid-plus-remaining-over-due", _invoice(2, 1, amount_paid="2000.00", amount_remaining="1000.00"),
     f"{EMBER}: invoices[1].amount_remaining: E_CONFLICT", "amount_due 2400.00"),
    ("paid-with-remaining", _invoice(2, 0, amount_paid="2000.00", amount_remaining="400.00"),
     f"{EMBER}: invoices[0].status: E_CONFLICT", "stays open"),
    # E_SHAPE
    ("accounts-not-a-list", lambda d: d.update(accounts={"id": "x"}), "accounts: E_SHAPE", "list"),
    ("account-not-an-object", lambda d: d["accounts"].append("0192-x"), "accounts[3]: E_SHAPE", "object"),
    ("invoice-not-an-object", lambda d: acct(d, 0)["invoices"].append("in_x"), f"{ACME}: invoices[2]: E_SHAPE", "object"),
    ("unknown-top-level", lambda d: d.update(meta={}), "meta: E_UNKNOWN_FIELD", "team"),
]


@pytest.mark.parametrize(("mutate", "expected", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_is_reported_and_nothing_written(importer: Importer, mutate, expected: str, fragment: str):
    doc = example()
    mutate(doc)
    before = importer.dump()
    outcome = importer.run_doc(doc)
    assert outcome.status == 1, outcome.stdout
    matching = [line for line in outcome.error_lines if line.startswith(f"accounts.json: {expected}")]
    assert matching, f"no line starting {expected!r} in:\n{outcome.stderr}"
    assert fragment in matching[0]
    assert outcome.stderr.rstrip().endswith(f"import rejected: {len(outcome.error_lines)} errors; nothing was written")
    assert importer.dump() == before


@pytest.mark.parametrize(
    ("field", "given", "stored"),
    [
        ("subscription_status", "Cancelled", "canceled"),  # C§4.6 spelling
        ("cloud", "eu", "EU"),
        ("new_owner", "ready TO move", "Ready to move"),
        ("segments", ["churn risk", "My Custom Segment"], ["Churn Risk", "My Custom Segment"]),
        ("paying_for", ["AI_observability", "batch_exports"], ["llm_observability", "data_pipelines"]),
        ("country", "no", "NO"),
        ("billing_email", "AP@Acme.IO", "ap@acme.io"),
        ("domain", "ACME.io", "acme.io"),
    ],
)
def test_enum_synonyms_and_case_are_normalised(importer: Importer, field: str, given: Any, stored: Any):
    doc = example()
    acct(doc, 0)[field] = given
    outcome = importer.run_doc(doc)
    assert outcome.status == 0, outcome.stderr
    assert getattr(importer.account("0189-acme"), field) == stored


@pytest.mark.parametrize(("given", "stored"), [("AE", "TAE"), ("am", "TAM"), ("Technical CSM", "CSM"), ("CSE", "CSM")])
def test_role_synonyms(importer: Importer, given: str, stored: str):
    doc = example()
    doc["team"][0]["role"] = given
    assert importer.run_doc(doc).status == 0
    assert importer.account("0189-acme").owner.role == stored


def test_role_cmoc_is_refused_with_the_rota_hint(importer: Importer):
    doc = example()
    doc["team"][0]["role"] = "CMOC"
    outcome = importer.run_doc(doc)
    assert outcome.status == 1
    assert 'team[0] (slack_id "U0TAE01"): role: E_ENUM: "CMOC"; CMOC is a rota duty' in outcome.stderr


def test_region_and_health_label_synonyms(importer: Importer):
    doc = example()
    doc["team"][0]["region"] = "Americas"
    doc["team"][2]["region"] = "emea"
    acct(doc, 1)["health_history"][0]["label"] = "Healthy"
    acct(doc, 1)["health_history"][1]["label"] = "fair"
    assert importer.run_doc(doc).status == 0
    fjord = importer.account("0190-fjord")
    assert [p.label for p in fjord.series("health_history")][:2] == ["Good", "Concerning"]
    assert importer.account("0189-acme").owner.region == "US" and fjord.owner.region == "EU"


def test_credit_balance_may_be_negative(importer: Importer):
    doc = example()
    acct(doc, 0)["credit"]["balance"] = "-120.50"
    assert importer.run_doc(doc).status == 0
    assert str(importer.account("0189-acme").credit_balance) == "-120.50"


def test_every_error_is_reported_not_just_the_first(importer: Importer):
    doc = example()
    acct(doc, 0)["arr"] = 1
    acct(doc, 1)["cloud"] = "MARS"
    acct(doc, 2)["owner_slack_id"] = "U0NOBODY"
    outcome = importer.run_doc(doc)
    assert outcome.status == 1
    assert len(outcome.error_lines) == 3
    assert "import rejected: 3 errors; nothing was written" in outcome.stderr


def test_more_than_200_errors_are_cut_off(importer: Importer):
    doc = {"accounts": [{"id": f"a{i}", "name": "A", "arr": i} for i in range(250)]}
    outcome = importer.run_doc(doc)
    assert outcome.status == 1
    assert len([line for line in outcome.error_lines if "E_TYPE" in line]) == 200
    assert "… and 50 more" in outcome.stderr
    assert "import rejected: 250 errors; nothing was written" in outcome.stderr


# ---- against the database: holders are named -------------------------------------------------


def test_unique_values_held_by_another_account_name_the_holder(seeded: Importer):
    doc = {"accounts": [{
        "id": "0192-gale", "name": "Gale Labs", "stripe_customer_ids": ["cus_FjordMedia"], "slack_channel_ids": ["C0ACME"],
        "zendesk_org_id": 903, "posthog_org_id": "0189-acme",
        "invoices": [{"id": "in_EmberMay", "status": "paid", "payment_method": "card", "amount_due": "1.00"}],
        "tickets": [{"id": 4790, "created_at": "2025-05-01", "status": "open"}],
    }]}
    outcome = seeded.run_doc(doc, name="gale.json")
    assert outcome.status == 1
    where = 'gale.json: accounts[0] (id "0192-gale")'
    expected = {
        f'{where}: stripe_customer_ids[0]: E_DUPLICATE: cus_FjordMedia already belongs to account 0190-fjord ("Fjord Media")',
        f'{where}: slack_channel_ids[0]: E_DUPLICATE: C0ACME already belongs to account 0189-acme ("Acme Robotics")',
        f'{where}: zendesk_org_id: E_DUPLICATE: 903 already belongs to account 0191-ember ("Ember Health")',
        f'{where}: posthog_org_id: E_DUPLICATE: 0189-acme already belongs to account 0189-acme ("Acme Robotics")',
        f'{where}: invoices[0].id: E_DUPLICATE: in_EmberMay already belongs to account 0191-ember ("Ember Health")',
        f'{where}: tickets[0].id: E_DUPLICATE: ticket 4790 already belongs to account 0189-acme ("Acme Robotics")',
    }
    assert set(outcome.error_lines) == expected


def test_member_email_held_by_another_member(seeded: Importer):
    outcome = seeded.run_doc({"team": [{"slack_id": "U0NEW01", "name": "N", "role": "CSM", "email": "Dana@example.com"}]})
    assert outcome.status == 1
    assert "E_DUPLICATE: dana@example.com already belongs to team member U0CSM01 (Dana Okafor)" in outcome.stderr


def test_a_value_may_move_when_its_holder_gives_it_up_in_the_same_import(seeded: Importer):
    doc = {"accounts": [
        {"id": "0189-acme", "slack_channel_ids": []},
        {"id": "0190-fjord", "slack_channel_ids": ["C0FJORD", "C0ACME"]},
    ]}
    outcome = seeded.run_doc(doc)
    assert outcome.status == 0, outcome.stderr
    assert seeded.account("0190-fjord").slack_channel_ids == ["C0FJORD", "C0ACME"]
    assert seeded.account("0189-acme").slack_channel_ids == []


def test_an_update_needs_no_required_fields(seeded: Importer):
    outcome = seeded.run_doc({"accounts": [{"id": "0189-acme", "arr": "50000.00"}], "team": [{"slack_id": "U0TAM01", "out_of_office": False}]})
    assert outcome.status == 0, outcome.stderr
    assert seeded.account("0189-acme").name == "Acme Robotics"


def test_a_new_member_needs_name_and_role(importer: Importer):
    outcome = importer.run_doc({"team": [{"slack_id": "U0NEW01"}]})
    assert outcome.status == 1
    assert {line.split(": ")[2] for line in outcome.error_lines} == {"name", "role"}


# ---- unreadable input ---------------------------------------------------------------------------


def test_invalid_json_names_line_and_column(importer: Importer):
    outcome = importer.run(importer.write("accounts.json", '{"team": [\n  {"slack_id": }\n]}'))
    assert outcome.status == 1
    assert outcome.error_lines[0].startswith("accounts.json: line 2, column 16: E_PARSE")


def test_not_utf8_is_a_parse_error(importer: Importer):
    outcome = importer.run(importer.write("accounts.json", b'{"team": [{"name": "Ren\xe9"}]}'))
    assert outcome.status == 1
    assert "accounts.json: line 1, column 24: E_PARSE: not UTF-8" in outcome.stderr


def test_top_level_must_be_an_object(importer: Importer):
    outcome = importer.run(importer.write("accounts.json", "[]"))
    assert outcome.status == 1 and "accounts.json: E_SHAPE: the top level must be an object" in outcome.stderr


def test_empty_document_is_a_shape_error(importer: Importer):
    outcome = importer.run(importer.write("accounts.json", "{}"))
    assert outcome.status == 1 and "E_SHAPE" in outcome.stderr


def test_missing_file_exits_2(importer: Importer, tmp_path):
    outcome = importer.run(tmp_path / "nope.json")
    assert outcome.status == 2
    assert "cannot read" in outcome.stderr and "nope.json" in outcome.stderr and "example:" in outcome.stderr


def test_no_files_exits_2(importer: Importer):
    outcome = importer.run()
    assert outcome.status == 2 and "usage: gtmbot accounts import" in outcome.stderr


def test_json_with_csv_exits_2(importer: Importer):
    team = importer.write("team.csv", "slack_id,name,role\nU0A,A,TAE\n")
    outcome = importer.run(EXAMPLE_PATH, team)
    assert outcome.status == 2 and "on its own" in outcome.stderr


def test_two_team_csvs_exit_2(importer: Importer):
    one = importer.write("team.csv", "slack_id,name,role\nU0A,A,TAE\n")
    two = importer.write("team2.csv", "slack_id,name,role\nU0B,B,TAE\n")
    outcome = importer.run(one, two)
    assert outcome.status == 2 and "both team files" in outcome.stderr
