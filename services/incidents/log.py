"""The CMOC's "central log of who’s been notified" (002_59a801b964a2a19e.txt:4221) and the close summary.

Log = sent deliveries ∪ owner marks, per message × account (spec D.1). Pure: rows in, rows out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services import mrkdwn as md
from services.incidents.audience import Account

METHOD_LABELS: Mapping[str, str] = {
    "broadcast": "broadcast as the company",
    "owner_via_bot": "via bot",
    "owner_manual": "sent it themselves",
    "email": "by email",
    "handling_1to1": "handling 1:1",
}
# An owner's own word for a message (spec C.4 buttons; D.1 owner_marks): the log counts each as
# notified by that person, since the log is "sent deliveries ∪ owner marks" (D.1).
OWNER_MARKS = frozenset({"owner_manual", "email", "handling_1to1"})


@dataclass(frozen=True)
class Notice:
    """One account told (or being told) about one message."""

    comm_seq: int
    account_id: str | None
    channel_id: str | None
    method: str  # broadcast | owner_via_bot | owner_manual | email | handling_1to1
    by_slack_id: str | None
    status: str  # sent | failed | pending | sending
    at: datetime | None = None
    error: str | None = None
    since_seq: int | None = None  # handling 1:1 declared on an earlier message and still in force


@dataclass(frozen=True)
class LogLine:
    account_name: str
    channel_id: str | None
    status: str  # "notified" | "not notified" | "failed" | "pending"
    method: str | None
    by_slack_id: str | None
    at: datetime | None
    error: str | None = None
    since_seq: int | None = None


def notified_accounts(notices: Iterable[Notice], comm_seq: int, *, ignore: Collection[str] = ()) -> frozenset[str]:
    """Accounts that count as reached for a message: sent, or marked by their owner. `ignore`
    leaves out some methods (a broadcast preview lists 1:1 accounts under their own reason)."""
    return frozenset(n.account_id for n in notices if n.comm_seq == comm_seq and n.account_id and n.status == "sent" and n.method not in ignore)


def carry_handling(notices: Sequence[Notice], comm_seqs: Iterable[int]) -> list[Notice]:
    """"I'm handling 1:1" holds for the rest of the incident, not just the message it was clicked
    on: broadcasts and the coverage check leave the account out from then on (4288), so the log
    shows every later message as reached by that person too, marked as carried over."""
    first: dict[str, Notice] = {}
    for n in notices:
        if n.method == "handling_1to1" and n.account_id and n.since_seq is None:
            if n.account_id not in first or n.comm_seq < first[n.account_id].comm_seq:
                first[n.account_id] = n
    reached = {(n.comm_seq, n.account_id) for n in notices if n.status == "sent"}
    out = list(notices)
    for seq in sorted(set(comm_seqs)):
        for account_id, mark in first.items():
            if seq > mark.comm_seq and (seq, account_id) not in reached:
                out.append(Notice(seq, account_id, mark.channel_id, "handling_1to1", mark.by_slack_id, "sent", None, None, mark.comm_seq))
    return out


def log_for(comm_seq: int, affected: Sequence[Account], notices: Iterable[Notice]) -> tuple[LogLine, ...]:
    """Per affected account for one message: who told them, how and when; or that nobody has."""
    rows = [n for n in notices if n.comm_seq == comm_seq]
    by_account: dict[str, list[Notice]] = {}
    for n in rows:
        if n.account_id:
            by_account.setdefault(n.account_id, []).append(n)
    out: list[LogLine] = []
    for account in affected:
        mine = by_account.get(account.id, [])
        sent = [n for n in mine if n.status == "sent"]
        if sent:
            n = min(sent, key=lambda x: (x.at is None, x.at))
            out.append(LogLine(account.name, n.channel_id, "notified", n.method, n.by_slack_id, n.at, since_seq=n.since_seq))
        elif any(n.status == "failed" for n in mine):
            n = next(n for n in mine if n.status == "failed")
            out.append(LogLine(account.name, n.channel_id, "failed", n.method, n.by_slack_id, n.at, n.error))
        elif mine:
            out.append(LogLine(account.name, mine[0].channel_id, "pending", mine[0].method, mine[0].by_slack_id, None))
        else:
            out.append(LogLine(account.name, account.channel_ids[0] if account.channel_ids else None, "not notified", None, None, None))
    # channels with no account (SEV 0 unmapped) appear after the accounts
    for n in rows:
        if n.account_id is None:
            out.append(LogLine(f"<#{n.channel_id}>", n.channel_id, "notified" if n.status == "sent" else n.status, n.method, n.by_slack_id, n.at, n.error))
    return tuple(out)


def log_line_text(line: LogLine, names: Mapping[str, str]) -> str:
    """"Acme: notified by Alice via bot at 10:02 UTC" / "Globex: notified by Alice (sent it
    themselves) at 10:05 UTC" / "Initech: not notified"."""
    if line.status == "not notified":
        return f"{line.account_name}: not notified"
    who = names.get(line.by_slack_id or "", line.by_slack_id or "the bot")
    how = METHOD_LABELS.get(line.method or "", line.method or "")
    when = f" at {line.at:%H:%M} UTC" if line.at else ""
    if line.status == "failed":  # which channel keeps failing, so the CMOC can act on it (issue 18)
        where = f" in {md.channel(line.channel_id)}" if line.channel_id and not line.account_name.startswith("<#") else ""
        return f"{line.account_name}: failed{where} ({line.error}){when}"
    if line.status == "pending":
        return f"{line.account_name}: sending ({how})"
    if line.method == "broadcast":
        return f"{line.account_name}: notified by broadcast{when}"
    if line.method in OWNER_MARKS:
        since = f" since message {line.since_seq}" if line.since_seq else ""
        return f"{line.account_name}: notified by {who} ({how}{since}){when}"
    return f"{line.account_name}: notified by {who} {how}{when}"


def log_csv(lines: Sequence[LogLine], names: Mapping[str, str]) -> str:
    """The log as CSV for `/incident log INC-7 csv`."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["account", "channel", "status", "method", "by", "at_utc", "error"])
    for ln in lines:
        writer.writerow([ln.account_name, ln.channel_id or "", ln.status, ln.method or "", names.get(ln.by_slack_id or "", ln.by_slack_id or ""), ln.at.isoformat() if ln.at else "", ln.error or ""])
    return buf.getvalue()


@dataclass(frozen=True)
class CloseSummary:
    not_notified: tuple[tuple[str, str | None], ...]  # (account name, owner id), never reached by any message
    failed_channels: tuple[tuple[str, str], ...]  # (channel id, error)
    sla_accounts: tuple[str, ...]
    messages_sent: int


def close_check(status: str) -> str | None:
    """`/incident close` only after resolution (spec C.7; E26)."""
    if status == "open":
        return "This incident is still open: resolve first with `/incident resolve`, then close."
    if status == "closed":
        return "This incident is already closed."
    return None


def close_summary(affected: Sequence[Account], notices: Sequence[Notice]) -> CloseSummary:
    """What the close post lists (spec C.7): accounts never notified (should be none), delivery
    failures, SLA accounts (002_59a801b964a2a19e.txt:4604-4617), messages sent."""
    reached = {n.account_id for n in notices if n.status == "sent" and n.account_id}
    never = tuple((a.name, a.owner_slack_id) for a in affected if a.id not in reached)
    failed = tuple(sorted({(n.channel_id or "", n.error or "error") for n in notices if n.status == "failed"}))
    sla = tuple(a.name for a in affected if a.uptime_sla)
    sent = sum(1 for n in notices if n.status == "sent")
    return CloseSummary(never, failed, sla, sent)
