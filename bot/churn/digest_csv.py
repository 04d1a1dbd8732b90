"""The weekly digest's full list as CSV, attached to the digest's thread when the messages cannot
carry every account (issue 17). One row per account, worst first: churned, escalations, other
at-risk, watch, recovered, then accounts with data gaps. Pure: data in, text out."""

from __future__ import annotations

import csv
import io

from services.churn.digest import DataGap, Digest, DigestLine

COLUMNS = ("section", "account", "account_id", "arr", "owner", "owner_slack_id", "level", "score", "new",
           "badges", "reasons", "next_step", "next_due", "churned_at", "data_gaps", "vitally_url")
SECTIONS = (("churned", "churned"), ("escalate", "at risk: escalate"), ("at_risk", "at risk"),
            ("watch", "watch"), ("recovered", "recovered"))
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A text cell a spreadsheet shows as text: a leading = + - @ would be run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _owner(person) -> tuple[str, str]:
    if person is None:
        return "", ""
    return person.label, person.ref if person.is_slack_id else ""


def _line_row(section: str, line: DigestLine) -> list[str]:
    owner, owner_id = _owner(line.owner)
    return [section, _cell(line.name), _cell(line.account_id), f"{line.arr:f}", _cell(owner), owner_id, line.level,
            str(line.score), "yes" if line.is_new else "", _cell("; ".join(line.badges)),
            _cell("; ".join(line.reasons)), _cell(line.next_step or ""),
            line.next_due.isoformat() if line.next_due else "",
            line.churned_at.isoformat() if line.churned_at else "", "", _cell(line.url or "")]


def _gap_row(gap: DataGap) -> list[str]:
    owner, owner_id = _owner(gap.owner)
    return ["data gap", _cell(gap.name), _cell(gap.account_id), f"{gap.arr:f}", _cell(owner), owner_id, "healthy",
            "", "", "", "", "", "", "", _cell("; ".join(gap.reasons)), _cell(gap.url or "")]


def digest_csv(d: Digest) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for field, label in SECTIONS:
        for line in getattr(d, field):
            writer.writerow(_line_row(label, line))
    for gap in d.data_gaps:
        writer.writerow(_gap_row(gap))
    return out.getvalue()
