"""`gtmbot metrics retention --from YYYY-MM --to YYYY-MM`: NDR/GDR and lifecycle components.

`retention_command(args)` is the CLI entry (the lead's CLI calls it); `format_retention_table`
is pure and tested. Revenue is adjusted first (churn-risk.md §6.5).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from services.churn.model import OneTimeCredit
from services.churn.retention import RetentionRow, retention_report
from services.churn.revenue_adjust import adjust_mrr, annual_mrr_value

USAGE = "usage: gtmbot metrics retention --from YYYY-MM --to YYYY-MM   (example: --from 2025-01 --to 2025-05)"


def parse_month(text: str) -> date:
    try:
        year, month = text.strip().split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a month; write YYYY-MM, e.g. 2025-05") from exc


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _ratio(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


def format_retention_table(rows: Sequence[RetentionRow]) -> str:
    """A small fixed-width table: one line per month (components, rates, NDR/GDR at 3/6/12 months)."""
    head = ["month", "baseline", "new", "reactiv.", "expansion", "contract.", "churned",
            "churn %", "exp. %", "NDR 3m", "GDR 3m", "NDR 6m", "GDR 6m", "NDR 12m", "GDR 12m"]
    lines = []
    for row in rows:
        c = row.components
        cells = [f"{c.month:%Y-%m}", _money(c.baseline), _money(c.new), _money(c.reactivated),
                 _money(c.expansion), _money(c.contraction), _money(c.churned),
                 _pct(c.rate(c.churned)), _pct(c.rate(c.expansion))]
        for r in row.retention:
            cells += [_ratio(r.ndr), _ratio(r.gdr)]
        lines.append(cells)
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(head)]
    out = ["  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True))]
    out += ["  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    out.append("Adjusted revenue (002:2150-2228); NDR/GDR over customers with >= $5K annual revenue in the base"
               " month (002:2063). Contraction and churn are negative (002:1811, 1815).")
    return "\n".join(out)


def adjusted_series(
    mrr: Mapping[date, Decimal], credits: Sequence[OneTimeCredit], last_month: date,
    trial_revenue: bool = False, annual_discount_pct: Decimal | None = None,
) -> dict[date, Decimal]:
    """One account's MRR with trial, credit, spike and annual-plan adjustments (§6.5)."""
    adjusted = adjust_mrr(dict(mrr), credits, last_month, trial_revenue).mrr
    if annual_discount_pct:
        adjusted = {m: annual_mrr_value(v, annual_discount_pct) for m, v in adjusted.items()}
    return adjusted


def retention_command(argv: Sequence[str], load_series=None, out=None, err=None) -> int:
    """Parse `--from/--to`, load every account's adjusted series and print the table.

    `load_series(last_month) -> {account_id: {month: Decimal}}` reads the database (phase B);
    returns the exit status (2 on bad arguments).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(prog="gtmbot metrics retention", add_help=True)
    parser.add_argument("--from", dest="first", required=True)
    parser.add_argument("--to", dest="last", required=True)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit:
        print(USAGE, file=err)
        return 2
    try:
        first, last = parse_month(args.first), parse_month(args.last)
        if last < first:
            raise ValueError("--to is before --from")
    except ValueError as exc:
        print(f"error: {exc}\n{USAGE}", file=err)
        return 2
    if load_series is None:
        from bot.churn.snapshot import load_adjusted_series

        load_series = load_adjusted_series
    series = load_series(last)
    print(format_retention_table(retention_report(series, first, last)), file=out)
    return 0
