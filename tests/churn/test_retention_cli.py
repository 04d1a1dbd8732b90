"""`gtmbot metrics retention --from --to`: argument handling and the terminal table (§6)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

from bot.churn.retention_cli import adjusted_series, retention_command
from services.churn.model import OneTimeCredit

SERIES = {
    "a": {date(2025, m, 1): D(1000) for m in range(1, 6)},
    "b": {date(2025, 1, 1): D(3000), date(2025, 2, 1): D(3000), date(2025, 3, 1): D(3000), date(2025, 4, 1): D(0)},
}


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = retention_command(list(argv), load_series=lambda last: SERIES, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_table_has_a_row_per_month_with_churn():
    code, out, _ = run("--from", "2025-03", "--to", "2025-05")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["month", "baseline", "new"]
    april = next(line for line in lines if line.startswith("2025-04"))
    assert "-3,000" in april and "-75.0%" in april  # churned 3,000 of a 4,000 baseline
    assert "NDR 3m" in lines[0]


def test_bad_month_gets_usage_with_example():
    code, _, err = run("--from", "May", "--to", "2025-05")
    assert code == 2 and "YYYY-MM" in err and "--from 2025-01" in err


def test_reversed_range_and_missing_argument():
    assert run("--from", "2025-05", "--to", "2025-01")[0] == 2
    assert run("--from", "2025-05")[0] == 2


def test_adjusted_series_applies_credit_and_annual_discount():
    mrr = {date(2025, 3, 1): D(4900), date(2025, 4, 1): D(5000), date(2025, 5, 1): D(0), date(2025, 6, 1): D(5100)}
    out = adjusted_series(mrr, [OneTimeCredit(date(2025, 5, 3), D(5000), "incident")], date(2025, 6, 1))
    assert out[date(2025, 5, 1)] == D(5000)
    annual = adjusted_series({date(2025, 5, 1): D(7500)}, [], date(2025, 5, 1), annual_discount_pct=D(25))
    assert annual[date(2025, 5, 1)] == D(10000)
