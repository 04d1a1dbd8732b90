# ruff: noqa: F811  -- pytest fixtures come from tests.importer.support
"""The flat CSV form (IMPORT.md §9): three files recognised by their first column, `;` lists,
JSON cells, empty = unchanged, NULL = clear; one bad row rejects the whole import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.importer.support import Importer, importer, seeded  # noqa: F401

TEAM_CSV = """slack_id,name,email,role,region,is_team_lead,out_of_office,managed_count
U0TAE01,Alex Rivera,alex@example.com,AE,Americas,false,FALSE,
U0CSM01,Dana Okafor,dana@example.com,CSM,EU,TRUE,false,7
"""
# IMPORT.md §9 example row, plus JSON cells
ACCOUNTS_CSV = (
    "id,name,owner_slack_id,arr,segments,paying_for,credit.amount,credit.discount_pct,credit.term_start,"
    "credit.term_months,user_region_counts.US,billing_limits.session_replay,invoices,stripe_customer_ids\n"
    '0189-acme,Acme Robotics,U0TAE01,48000.00,$20K ARR;Annual Plan,session_replay;feature_flags,60000.00,20,'
    '2025-01-10,12,40,2500.00,"[{""id"": ""in_A1"", ""status"": ""paid"", ""payment_method"": ""card"", '
    '""amount_due"": ""10.00""}]",cus_A;cus_B\n'
)
# IMPORT.md §9 series example
SERIES_CSV = """account_id,series,period,value,product,billed,label
0189-acme,mrr_history,2025-05,4000.00,,,
0189-acme,usage,2025-05,2700.00,session_replay,0.00,
0189-acme,health_history,2025-06-02,8.2,,,Good
0189-acme,events_weekly,2025-05-26,1200000,,,
"""


def test_three_csv_files_in_any_order(importer: Importer):
    files = [importer.write("series.csv", SERIES_CSV), importer.write("accounts.csv", ACCOUNTS_CSV),
             importer.write("team.csv", TEAM_CSV)]
    outcome = importer.run(*files)
    assert outcome.status == 0, outcome.stderr
    acme = importer.account("0189-acme")
    assert acme.owner.role == "TAE" and acme.owner.region == "US"  # AE, Americas normalised
    assert acme.arr == Decimal("48000.00")
    assert acme.segments == ["$20K ARR", "Annual Plan"]
    assert acme.paying_for == ["session_replay", "feature_flags"]
    assert acme.credit_present and acme.credit_term_months == 12 and acme.credit_discount_pct == Decimal("20")
    assert acme.effective_credit_term_end == date(2026, 1, 10)
    assert acme.user_region_counts == {"US": 40}
    assert acme.billing_limits == {"session_replay": "2500.00"}
    assert acme.stripe_customer_ids == ["cus_A", "cus_B"]
    assert [i.id for i in acme.invoices] == ["in_A1"]
    assert acme.series("mrr_history")[0].value == Decimal("4000.00")
    assert acme.series("usage", "session_replay")[0].billed == Decimal("0.00")
    assert acme.series("health_history")[0].label == "Good"
    assert acme.series("events_weekly")[0].value == 1200000
    assert [a.id for a in acme.owner.owned_accounts] == ["0189-acme"]  # the member's book


def test_one_bad_row_leaves_the_database_unchanged(seeded: Importer):
    """The foundation's "done when": a CSV with one bad row writes nothing."""
    before = seeded.dump()
    csv_text = (
        "id,name,arr\n"
        "0189-acme,Acme Robotics,50000.00\n"
        "0190-fjord,Fjord Media,76000.00\n"
        "0192-gale,Gale Labs,10000.00\n"
        "0193-hale,Hale Co,11000.00\n"
        "0194-iris,Iris AG,12000.00\n"
        "0191-ember,Ember Health,\"$28,800\"\n"
    )
    outcome = seeded.run(seeded.write("accounts.csv", csv_text))
    assert outcome.status == 1
    # IMPORT.md §10 example line
    assert outcome.error_lines == ['accounts.csv: row 7 (id "0191-ember"): arr: E_FORMAT: "$28,800" is not a money value; write 28800.00']
    assert outcome.stderr.rstrip().endswith("import rejected: 1 errors; nothing was written")
    assert seeded.dump() == before


def test_series_row_on_a_tuesday(seeded: Importer):
    rows = ["account_id,series,period,value,product,billed,label"]
    rows += [f"0190-fjord,mrr_history,2024-{m:02d},6250.00,,," for m in range(1, 11)]
    rows.append("0190-fjord,health_history,2025-05-13,,,,Poor")  # row 12
    outcome = seeded.run(seeded.write("series.csv", "\n".join(rows) + "\n"))
    assert outcome.status == 1
    assert outcome.error_lines == [
        'series.csv: row 12 (account_id "0190-fjord"): period: E_FORMAT: 2025-05-13 is a Tuesday; give the week\'s Monday 2025-05-12'
    ]


def test_a_row_may_carry_only_id_and_the_columns_to_change(seeded: Importer):
    outcome = seeded.run(seeded.write("accounts.csv", "id,arr,credit.balance\n0189-acme,50000.00,-10.00\n"))
    assert outcome.status == 0, outcome.stderr
    acme = seeded.account("0189-acme")
    assert acme.arr == Decimal("50000.00") and acme.credit_balance == Decimal("-10.00")
    assert acme.name == "Acme Robotics" and acme.credit_amount == Decimal("60000.00")
    assert acme.paying_for == ["session_replay", "feature_flags"]


def test_empty_cell_is_unchanged_and_null_clears(seeded: Importer):
    text = "id,domain,cloud,segments,billing_limits.session_replay,user_region_counts.EU\n0190-fjord,,NULL,null,NULL,9\n"
    outcome = seeded.run(seeded.write("accounts.csv", text))
    assert outcome.status == 0, outcome.stderr
    fjord = seeded.account("0190-fjord")
    assert fjord.domain == "fjordmedia.no"  # empty cell: unchanged
    assert fjord.cloud is None and fjord.segments == []  # NULL: cleared to the default
    assert fjord.billing_limits == {}
    assert fjord.user_region_counts == {"EU": 9}


def test_bom_is_ignored(importer: Importer):
    outcome = importer.run(importer.write("team.csv", "\ufeff" + TEAM_CSV))
    assert outcome.status == 0, outcome.stderr


def test_header_problems(importer: Importer):
    text = "id,name,arr_usd,name,mrr_history,credit.contract_end,nmae\n0192-x,X,1,X,,,\n"
    outcome = importer.run(importer.write("accounts.csv", text))
    assert outcome.status == 1
    by_field = {line.split(": ")[2]: line for line in outcome.error_lines}
    assert 'renamed; use "arr"' in by_field["arr_usd"]
    assert "E_DUPLICATE" in by_field["name"]
    assert "series.csv" in by_field["mrr_history"]
    assert 'use "term_end"' in by_field["credit.contract_end"]
    assert '"name"' in by_field["nmae"]
    assert all(line.startswith("accounts.csv: row 1: ") for line in outcome.error_lines)


def test_unrecognised_first_column(importer: Importer):
    outcome = importer.run(importer.write("people.csv", "email,name\na@b.io,A\n"))
    assert outcome.status == 1
    assert outcome.error_lines[0].startswith("people.csv: row 1: email: E_SHAPE")


def test_spreadsheet_dates_and_bad_cells(importer: Importer):
    text = (
        "id,name,closed_won_date,active_users_30d,nonprofit,invoices\n"
        "0192-x,X,5/1/2025,twelve,maybe,[{\n"
    )
    outcome = importer.run(importer.write("accounts.csv", text))
    assert outcome.status == 1
    codes = {line.split(": ")[2]: line.split(": ")[3] for line in outcome.error_lines}
    assert codes == {"closed_won_date": "E_FORMAT", "active_users_30d": "E_FORMAT", "nonprofit": "E_FORMAT", "invoices": "E_PARSE"}


def test_series_csv_cells_a_series_does_not_use_must_be_empty(seeded: Importer):
    text = "account_id,series,period,value,product,billed,label\n0189-acme,mrr_history,2025-06,1.00,session_replay,,Good\n"
    outcome = seeded.run(seeded.write("series.csv", text))
    assert outcome.status == 1
    assert sorted(line.split(": ")[2] for line in outcome.error_lines) == ["label", "product"]
    assert all("E_CONFLICT" in line for line in outcome.error_lines)


def test_series_csv_for_an_unknown_account(importer: Importer):
    text = "account_id,series,period,value\n0999-none,mrr_history,2025-06,1.00\n"
    outcome = importer.run(importer.write("series.csv", text))
    assert outcome.status == 1
    assert outcome.error_lines == [
        'series.csv: row 2 (account_id "0999-none"): account_id: E_REF: account 0999-none is neither in this import nor in the database'
    ]


def test_too_many_cells_in_a_row(importer: Importer):
    outcome = importer.run(importer.write("team.csv", "slack_id,name,role\nU0A,A,TAE,extra\n"))
    assert outcome.status == 1 and 'row 2 (slack_id "U0A"): E_PARSE' in outcome.stderr


def test_unclosed_quote_is_a_parse_error(importer: Importer):
    outcome = importer.run(importer.write("team.csv", 'slack_id,name,role\nU0A,"A,TAE\n'))
    assert outcome.status == 1 and "E_PARSE" in outcome.stderr
