"""The weekly drift report as a Slack message: one section per area, its owners tagged, one line per
rule that no longer matches the handbook (what the handbook says beside what the bot applies)."""

from __future__ import annotations

from itertools import groupby

from bot.handbook_check.owners import owners_for
from bot.handbook_check.report import fmt_numbers
from bot.handbook_links import page_link
from services import mrkdwn as md
from services.rules.check import Finding, Report, RuleResult, Status

SECTION_LIMIT = 2900  # Slack allows 3,000 characters in a section text
MAX_AREAS = 40  # Slack allows 50 blocks a message; areas are far fewer
LABELS = {Status.MOVED: "moved", Status.CHANGED: "changed", Status.NOT_FOUND: "not found"}


def _place(f: Finding) -> str:
    if f.page is None:
        return f"{md.escape(f.source.page)} is gone"
    section = f.section or "top of page"
    return f"{page_link(f.page, f.page)} › {md.escape(section)}"


def rule_line(r: RuleResult) -> str:
    f = r.worst
    head = f"• *{LABELS[f.status]}* {md.code(r.rule_id)}" + (f" {md.escape(r.summary)}" if r.summary else "")
    if f.status is Status.CHANGED:
        detail = (f"the handbook says {md.escape(fmt_numbers(f.numbers))}, the bot applies "
                  f"{md.escape(fmt_numbers(r.expected))} ({_place(f)})")
    elif f.status is Status.MOVED:
        detail = f"{md.escape(f.note)} ({_place(f)}); the numbers still match"
    else:
        detail = md.escape(f.note)
    return f"{head}: {detail}"


def drift_message(report: Report, owners: dict[str, tuple[str, ...]]) -> tuple[str, list[dict]]:
    """The fallback text and the blocks of one drift report (only rules that do not match)."""
    c = report.counts()
    drift = sorted(report.drift, key=lambda r: (r.area, r.rule_id))
    text = (f"Handbook drift: {len(drift)} of {len(report.results)} rules no longer match the handbook "
            f"({c[Status.CHANGED]} changed, {c[Status.NOT_FOUND]} not found, {c[Status.MOVED]} moved)")
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": f":books: *{md.escape(text)}*"}}]
    areas = [(area, list(results)) for area, results in groupby(drift, key=lambda r: r.area)]
    for area, results in areas[:MAX_AREAS]:
        tagged = md.mentions(owners_for(owners, area))
        head = f"*{md.escape(area)}*" + (f" (cc {tagged})" if tagged else "")
        body = md.fit_lines([rule_line(r) for r in results], SECTION_LIMIT - len(head) - 1,
                            more=lambda n: f"…and {n} more: `gtmbot handbook check` lists them all")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n{body}"}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": md.escape(
        "Update the rule (its area's policy.py in services) or the handbook so they agree; this drift "
        "is reported once, a new one is reported again.")}]})
    return text, blocks
