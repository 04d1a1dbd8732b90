"""The handbook check's report as text for a terminal or a CI log (`gtmbot handbook check`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import groupby

from services.rules.check import Finding, Report, RuleResult, Status

LABELS = {Status.MATCHES: "ok", Status.MOVED: "MOVED", Status.CHANGED: "CHANGED", Status.NOT_FOUND: "NOT FOUND"}


def fmt_numbers(nums: Sequence[Decimal]) -> str:
    return ", ".join(f"{n:,}" if n == n.to_integral_value() else str(n) for n in nums) or "none"


def where(f: Finding) -> str:
    section = f.section if f.section else "(top of page)"
    return f"{f.page} > {section}" + (f" (line {f.line})" if f.line else "")


def summary_line(report: Report) -> str:
    c = report.counts()
    return (f"{len(report.results)} rules: {c[Status.MATCHES]} match, {c[Status.MOVED]} moved, "
            f"{c[Status.CHANGED]} changed, {c[Status.NOT_FOUND]} not found")


def finding_lines(r: RuleResult, f: Finding) -> list[str]:
    cited = f"cited: {f.source.page} > {f.source.section or '(top of page)'}, \"{f.source.locator}\""
    if f.status is Status.NOT_FOUND:
        return [f.note, cited]
    out = [where(f)]
    if f.status is Status.CHANGED:
        out.append(f"handbook: {fmt_numbers(f.numbers)}   bot: {fmt_numbers(r.expected)}"
                   f"   (missing: {fmt_numbers(f.missing)})")
    if f.note:
        out.append(f.note)
    out.append(f"\"{f.passage}\"")
    if f.status is not Status.MATCHES:
        out.append(cited)
    return out


def text_report(report: Report, label: str) -> str:
    lines = [f"Handbook check of {label}", ""]
    for area, results in groupby(sorted(report.results, key=lambda r: (r.area, r.rule_id)), key=lambda r: r.area):
        lines.append(area)
        for r in results:
            lines.append(f"  {LABELS[r.status]:<9} {r.rule_id}" + (f"  {r.summary}" if r.summary else ""))
            if r.status is Status.MATCHES:
                continue
            for f in r.findings:
                if f.status is Status.MATCHES:
                    continue
                lines += [f"            {x}" for x in finding_lines(r, f)]
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)
