"""Pure Block Kit builders for /churn-risk, the own-book list, the flag note and the digest.

Data in, blocks out; no Slack calls. Most important first so the reply reads on a phone:
level and escalations, then why, then what to do (churn-risk.md §4.7, §4.8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.churn.digest_csv import digest_csv
from bot.handbook_links import linkify
from services import mrkdwn as md
from services.churn.digest import Digest, DigestLine, OwnerBook, digest_step, gap_counts, owner_books
from services.churn.model import Person
from services.churn.risk import AT_RISK, CHURNED, HEALTHY, WATCH, Assessment, NextStep
from services.formatting import money, product_label
from services.mrkdwn import escape as esc

BADGES = {
    AT_RISK: ":red_circle: AT RISK",
    WATCH: ":large_yellow_circle: WATCH",
    HEALTHY: ":large_green_circle: HEALTHY",
    CHURNED: ":black_circle: CHURNED",
}
USAGE_EXAMPLE = "/churn-risk acme"
SECTION_LIMIT = 2900  # Slack allows 3,000 characters in a section text
FLAG_ACTION_ID = "churn_flag"
CANDIDATE_ACTION_ID = "churn_pick"
SHARE_ACTION_ID = "churn_share"


def mention(person: Person) -> str:
    return md.mention(person.ref if person.is_slack_id else None, person.label)


def _link(name: str, url: str | None) -> str:
    return md.link(url, name) if url else md.bold(name)


def _section(text: str) -> dict:
    """mrkdwn whose values are escaped; handbook citations become one link per page, cut at a word."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": md.clip(linkify(text), SECTION_LIMIT)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": md.clip(linkify(text), SECTION_LIMIT)}]}


def _due(due: date | datetime | None) -> str:
    if due is None:
        return ""
    if isinstance(due, datetime):
        return f" by {due:%Y-%m-%d %H:%M} UTC"
    return f" by {due.isoformat()}"


def _step(i: int, step: NextStep) -> str:
    who = " ".join(mention(p) for p in step.who)
    return f"{i}. {esc(step.text)}{_due(step.due)} · {who} · {step.cite}"


def usage_blocks(problem: str) -> list[dict]:
    """Bad input: what was wrong, and a command that works."""
    return [_section(
        f":warning: {esc(problem)}\n"
        f"Usage: {md.code('/churn-risk <account>')} (name, domain, PostHog org id or Vitally id), add `share` to post in the"
        f" channel; `/churn-risk` alone lists your own book.\nExample: `{USAGE_EXAMPLE}`"
    )]


HELP_WORDS = frozenset({"help", "-h", "--help", "?"})


def help_blocks() -> list[dict]:
    """`/churn-risk help`: the grammar and working examples, whatever data is loaded."""
    return [_section(
        "*/churn-risk*: an account's churn risk level, the signals behind it and the playbook's next steps.\n"
        f"{md.code('/churn-risk <account> [share]')}: the account by name, domain, PostHog org id or Vitally id;"
        " `share` posts the answer in the channel.\n"
        "`/churn-risk` alone: your own book, worst first.\n"
        f"Examples: {md.code(USAGE_EXAMPLE)} · `/churn-risk acme.io share` · `/churn-risk`"
    )]


def no_match_blocks(query: str) -> list[dict]:
    return [_section(f"No account matches '{esc(query)}'. Try a domain or org id, e.g. `/churn-risk acme.io`.")]


def candidates_blocks(query: str, candidates: Sequence[tuple[str, str]]) -> list[dict]:
    """More than one match: up to 5 buttons, value = account id (§4.7)."""
    shown = list(candidates)[:5]
    more = len(candidates) - len(shown)
    text = f"'{esc(query)}' matches {len(candidates)} accounts. Pick one:"
    if more:
        text += " (showing 5; narrow it with a domain or org id)"
    return [
        _section(text),
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": md.clip(name, 75)}, "value": account_id,
             "action_id": f"{CANDIDATE_ACTION_ID}_{i}"}
            for i, (account_id, name) in enumerate(shown)
        ]},
    ]


def _facts(a: Assessment) -> str:
    acc = a.account
    parts = [f"ARR {money(a.arr)}" if acc.arr is not None else "ARR unknown"]
    if acc.credit and acc.credit.term_end:
        days = a.report.days_to_renewal
        parts.append(f"annual credit plan, renews {acc.credit.term_end} (in {days} days)")
    else:
        parts.append("monthly plan")
    if a.report.paid_products:
        paid = ", ".join(esc(product_label(p)) for p in sorted(a.report.paid_products, key=lambda p: -a.report.paid_products[p]))
        parts.append(f"paid: {paid}")
    elif acc.paying_for:
        parts.append("paying for: " + ", ".join(esc(product_label(p)) for p in acc.paying_for))
    line1 = " · ".join(parts)
    who = f"Owner {mention(acc.owner)}" + (f" ({esc(acc.owner.role)})" if acc.owner and acc.owner.role else "") \
        if acc.owner else "No owner (Simon handles it)"
    if acc.tam_overlay:
        who += f" + TAM {mention(acc.tam_overlay)}"
    parts2 = [who]
    if acc.active_users_30d is not None:
        parts2.append(f"active users (30d): {acc.active_users_30d}")
    if acc.last_customer_slack_message_at:
        parts2.append(f"last customer Slack msg {acc.last_customer_slack_message_at:%Y-%m-%d}")
    if acc.health_history:
        latest = acc.health_history[max(acc.health_history)]
        streak = f" ({a.report.poor_streak} weeks)" if a.report.poor_streak else ""
        parts2.append(f"health: {esc(latest)}{streak}")
    open_tickets = sum(1 for t in acc.tickets if t.status in ("new", "open", "pending", "hold"))
    parts2.append(f"open tickets: {open_tickets}")
    if acc.credit and acc.credit.balance is not None:
        parts2.append(f"credit left {money(acc.credit.balance)}")
    lines = [line1, " · ".join(parts2)]
    if a.mrr_recent:
        lines.append("MRR " + " · ".join(f"{m:%b} {money(v)} ({stage})" for m, v, stage in a.mrr_recent))
    if acc.in_churn_risk_segment and a.at_risk_since:
        lines.append(f"Churn Risk segment since {a.at_risk_since:%Y-%m-%d}")
    return "\n".join(lines)


def churn_reply_blocks(a: Assessment, as_of: datetime, shared: bool = False) -> list[dict]:
    """The /churn-risk <account> reply (§4.7): header, facts, why, next steps, don't, gaps."""
    acc = a.account
    header = f"{BADGES[a.level]}  {_link(acc.name, acc.vitally_url)} · score {a.score}"
    for e in a.escalations:
        header += f" · *{esc(e.label)}*"
    blocks: list[dict] = [_section(header), _section(_facts(a))]

    why = [f"• {esc(s.evidence)} · {s.cite}" for s in a.report.signals if s.suppressed_by is None]
    why += [f"   ↳ also {esc(s.evidence)} (counted under {s.suppressed_by}) · {s.cite}"
            for s in a.report.signals if s.suppressed_by]
    if why:
        blocks.append(_section("*Why*\n" + "\n".join(why)))
    elif a.level == HEALTHY:
        blocks.append(_section("*Why*\nNo hard flag or early warning signal holds. Early warning monitoring is"
                               " ongoing · 002:11588"))
    if a.context:
        blocks.append(_section("*Context*\n" + "\n".join(f"• {esc(c.text)} · {c.cite}" for c in a.context)))
    if a.next_steps:
        blocks.append(_section("*Next steps*\n" + "\n".join(_step(i, s) for i, s in enumerate(a.next_steps, 1))))
    if a.dont:
        blocks.append(_section("*Don't:* cross-sell (" + "; ".join(esc(x) for x in a.dont) + ")"))
    if a.report.not_evaluated:
        blocks.append(_section("*Not evaluated*\n" + "\n".join(
            f"• {g.code}: {esc(g.reason)}" for g in a.report.not_evaluated)))
    blocks.append(_context(f"Data as of {as_of:%Y-%m-%d %H:%M} UTC · levels per handbook 002:11490-11507, 11404"))
    elements = []
    if not shared:
        elements.append({"type": "button", "text": {"type": "plain_text", "text": "Share to channel"},
                         "action_id": SHARE_ACTION_ID, "value": acc.id})
    if a.level in (AT_RISK, WATCH) and not acc.in_churn_risk_segment:
        elements.append({"type": "button", "text": {"type": "plain_text", "text": "Flag churn risk"},
                         "style": "danger", "action_id": FLAG_ACTION_ID, "value": acc.id})
    if a.level != CHURNED:
        elements.append({"type": "button", "text": {"type": "plain_text", "text": "Record a fact"},
                         "action_id": FACT_ACTION_ID, "value": acc.id})
    if acc.vitally_url:
        elements.append({"type": "button", "text": {"type": "plain_text", "text": "Open in Vitally"},
                         "url": acc.vitally_url, "action_id": "churn_open_vitally"})
    if elements:
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def own_book_blocks(assessments: Sequence[Assessment], as_of: datetime, limit: int = 20) -> list[dict]:
    """`/churn-risk` with no account: the caller's book, worst first (already sorted)."""
    if not assessments:
        return [_section(f"You own no accounts in gtmbot. Look one up with {md.code('/churn-risk <account>')}, e.g."
                         f" `{USAGE_EXAMPLE}`.")]
    counts = {lvl: sum(1 for a in assessments if a.level == lvl) for lvl in (AT_RISK, WATCH, CHURNED, HEALTHY)}
    head = (f"*Your book: {len(assessments)} accounts* · at risk {counts[AT_RISK]} · watch {counts[WATCH]}"
            f" · churned {counts[CHURNED]} · healthy {counts[HEALTHY]}")
    lines = []
    for a in assessments[:limit]:
        reasons = ", ".join(s.short for s in a.report.signals if s.suppressed_by is None) or "no signals"
        step = digest_step(a)
        nxt = f" · next: {esc(step.brief)}{_due(step.due)}" if step else ""
        lines.append(f"{BADGES[a.level]} {_link(a.account.name, a.account.vitally_url)} · {money(a.arr)}"
                     f" · score {a.score} · {esc(reasons)}{nxt}")
    blocks = [_section(head)]
    chunk: list[str] = []
    for line in lines:  # keep each section under Slack's text limit
        if len("\n".join(chunk + [line])) > SECTION_LIMIT:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    if len(assessments) > limit:
        blocks.append(_context(f"{len(assessments) - limit} more, all healthy or lower risk. Details:"
                               f" {md.code('/churn-risk <account>')}"))
    blocks.append(_context(f"Data as of {as_of:%Y-%m-%d %H:%M} UTC"))
    return blocks


def flag_note_blocks(a: Assessment, flagged_by: Person, known: str = "", help_needed: str = "",
                     mitigation: str = "") -> list[dict]:
    """The note the handbook asks for when flagging (002:11517-11528), for #customer-churn (002:11532)."""
    acc = a.account
    # F0 is the flag itself, not what triggered it.
    triggers = "; ".join(f"{s.short} ({s.code})" for s in a.report.signals
                         if s.suppressed_by is None and s.code != "F0") or "owner's judgement"
    owner = mention(acc.owner) if acc.owner else "no owner (Simon)"
    lines = [
        f":triangular_flag_on_post: *Churn risk flagged: {_link(acc.name, acc.vitally_url)}* by {mention(flagged_by)}"
        f" · owner {owner}",
        f"*Account and ARR:* {esc(acc.name)}, {money(a.arr)} ARR",
        f"*What triggered the flag:* {esc(triggers)}",
        f"*What we know:* {esc(known) if known else '_owner to add_'}",
        f"*Help needed:* {esc(help_needed) if help_needed else '_none stated_'}",
        f"*Mitigation:* {esc(mitigation) if mitigation else '_owner to add_'}",
    ]
    blocks = [_section("\n".join(lines))]
    if a.has("LEADERSHIP"):
        leaders = [p for e in a.escalations if e.code == "LEADERSHIP" for p in e.people]
        blocks.append(_section(f"ARR &gt; $50k at serious risk: {' '.join(mention(p) for p in leaders)} · 002:11558"))
    blocks.append(_context("Next: recovery call within 48 hours of flagging · 002:11588. Add the Vitally"
                           " \"Churn Risk\" segment and note if not done · 002:11515-11528"))
    return blocks


# --- the weekly digest (churn-risk.md §4.8; issue 17: a digest at any scale) --------------------
#
# One message in the channel: the week's totals and what needs leadership now (escalations, the
# newly at risk, the churned), data gaps counted per kind. Then one thread reply per owner with that
# owner's accounts, worst first. What does not fit in those messages is in a CSV file attached to the
# thread (every account in the digest), never in more messages.

LIST_BUDGET = SECTION_LIMIT - 200  # room left in a section for the closing "…and n more" line
SUMMARY_SECTIONS_PER_LIST = 3  # a list in the summary never takes more than this many blocks
OWNER_SECTIONS = 4
GAP_NAMES_INLINE = 3  # a gap kind with this many accounts or fewer names them in the message
LEVEL_MARKS = {"escalate": ":red_circle:", "at_risk": ":red_circle:", "churned": ":black_circle:",
               "watch": ":large_yellow_circle:", "recovered": ":white_check_mark:"}


@dataclass(frozen=True)
class DigestReply:
    """One owner's thread reply; `key` extends the digest's dedupe key."""

    key: str
    text: str
    blocks: list[dict]


@dataclass(frozen=True)
class DigestFile:
    """The full list, for files.uploadV2 into the digest's thread."""

    filename: str
    title: str
    comment: str
    content: str


@dataclass(frozen=True)
class DigestMessages:
    text: str
    blocks: list[dict]
    replies: list[DigestReply]
    file: DigestFile | None

    @property
    def message_count(self) -> int:
        return 1 + len(self.replies)


def _badges(line: DigestLine) -> str:
    badges = ([":new:"] if line.is_new else []) + list(line.badges)
    return " ".join(b if b.startswith(":") else esc(b) for b in badges)


def _digest_line(line: DigestLine, owner: Person | None = None, section: str = "") -> str:
    """`• <link|Name> · $ARR · @owner @ben @simon · badges · reasons · next: step by date` (§4.8).
    In an owner's reply the owner is tagged once at the top, leadership in the summary only, so the
    line tags only someone else the handbook asks for (Dana on an unmanaged failed payment)."""
    mark = f"{LEVEL_MARKS[section]} " if owner is not None and section in LEVEL_MARKS else ""
    parts = [f"• {mark}{_link(line.name, line.url)}",
             money(line.arr) + (" (last ARR)" if line.level == CHURNED else "")]
    tagged = line.tagged if owner is None else tuple(p for p in line.tagged
                                                     if p != owner and p not in line.leaders)
    if tagged:
        parts.append(" ".join(mention(p) for p in tagged))
    if section == "recovered":
        parts.append("recovered: at risk at the last digest, no hard flag now; watch that usage stays stable")
    badges = _badges(line)
    if badges:
        parts.append(badges)
    if line.reasons:
        parts.append(esc(", ".join(line.reasons)))
    if line.next_step:
        parts.append(f"next: {esc(line.next_step)}{_due(line.next_due)}")
    return " · ".join(parts)


def _more(lines: Sequence[DigestLine], where: str) -> str:
    arr = sum((line.arr for line in lines), Decimal(0))
    return f"_…and {md.plural(len(lines), 'more account')} ({money(arr)} ARR): {where}_"


def _pack(head: str, texts: Sequence[str], max_sections: int, tail: Callable[[int], str]) -> tuple[list[dict], int]:
    """`head`, then whole lines into at most `max_sections` sections; the lines that do not fit are
    summarised by `tail(n shown)` on the last one. Returns the blocks and how many lines were shown."""
    chunks: list[list[str]] = [[head] if head else []]
    shown = 0
    for text in texts:
        if len("\n".join([*chunks[-1], text])) > LIST_BUDGET:
            if len(chunks) == max_sections:
                break
            chunks.append([])
        chunks[-1].append(text)
        shown += 1
    closing = tail(shown)
    if closing:
        chunks[-1].append(closing)
    return [_section("\n".join(chunk)) for chunk in chunks if chunk], shown


def _summary_list(title: str, lines: Sequence[DigestLine], limit: int) -> tuple[list[dict], bool]:
    """A titled list of the summary, at most `limit` lines; True when some were left for the CSV."""
    if not lines:
        return [], False
    texts = [_digest_line(line) for line in lines[:limit]]
    blocks, shown = _pack(title, texts, SUMMARY_SECTIONS_PER_LIST,
                          lambda n: _more(lines[n:], "in the CSV in the thread") if n < len(lines) else "")
    return blocks, shown < len(lines)


def _gap_lines(d: Digest) -> tuple[list[str], bool]:
    """One line per kind of missing data with its count; the accounts are named when there are few,
    else they are in the CSV. True when some are only in the CSV."""
    lines, in_csv = [], False
    for gc in gap_counts(d.data_gaps):
        line = f"• {md.plural(len(gc.gaps), 'account')} {esc(gc.phrase)}"
        if len(gc.gaps) <= GAP_NAMES_INLINE:
            line += ": " + ", ".join(f"{esc(g.name)} ({money(g.arr)})" for g in gc.gaps)
        else:
            in_csv = True
        lines.append(line)
    return lines, in_csv


def _owner_reply(d: Digest, book: OwnerBook, limit: int) -> tuple[DigestReply, bool]:
    counts = []
    at_risk = book.count("escalate", "at_risk")
    if at_risk:
        counts.append(f"{at_risk} at risk ({money(book.at_risk_arr)} ARR)")
    for section, label in (("churned", "churned"), ("watch", "watch"), ("recovered", "recovered")):
        if book.count(section):
            counts.append(f"{book.count(section)} {label}")
    who = mention(book.owner)
    head = f"{who} *your accounts in the {d.week} digest*, worst first: " + " · ".join(counts)
    texts = [_digest_line(line, book.owner, section) for section, line in book.lines[:limit]]

    def tail(shown: int) -> str:
        if shown >= len(book.lines):
            return ""
        left = book.lines[shown:]
        kinds = {}
        for section, _ in left:
            label = "at risk" if section in ("escalate", "at_risk") else section
            kinds[label] = kinds.get(label, 0) + 1
        detail = ", ".join(f"{n} {label}" for label, n in kinds.items())
        return f"_…and {md.plural(len(left), 'more account')} ({detail}): in the CSV in this thread_"

    blocks, shown = _pack(head, texts, OWNER_SECTIONS, tail)
    text = f"{who} your accounts in the churn-risk digest {d.week}: " + ", ".join(counts)
    return DigestReply(f"owner:{book.owner.ref}"[:120], text, blocks), shown < len(book.lines)


def csv_filename(d: Digest) -> str:
    return f"churn-digest-{d.week}.csv"


def digest_messages(d: Digest, *, list_limit: int = 15, owner_limit: int = 25) -> DigestMessages:
    """The week's digest as Slack messages: a summary, one reply per owner, and the CSV when the
    messages do not carry every account. The number of messages grows with owners, not accounts."""
    cc = " ".join(mention(p) for p in d.team_leads)
    head = (f":rotating_light: *Churn-risk digest, week {d.week}* (data as of {d.as_of:%Y-%m-%d %H:%M} UTC)"
            + (f" cc {cc}" if cc else ""))
    counts = (f"At risk: {md.plural(d.at_risk_count, 'account')} · {money(d.at_risk_arr)} ARR  |  Watch:"
              f" {d.watch_count}  |  Churned (7d): {len(d.churned)}  |  New at risk: {d.new_at_risk}  |"
              f"  Recovered: {len(d.recovered)}")
    blocks: list[dict] = [_section(head + "\n" + counts)]
    if d.is_empty:
        blocks.append(_section("No account in scope is at risk, on watch or recently churned this week."))
        return DigestMessages(digest_text(d), blocks, [], None)

    cut = False
    lists = (
        (linkify("*Churned* (retro due in #customer-churn within 1 week · 002:11582)"), d.churned),
        (linkify("*At risk: escalate* (ARR over $50k, or no improvement in 4 weeks · 002:11558, 11547)"),
         d.escalate),
        ("*Newly at risk*", d.new_at_risk_lines),
    )
    for title, lines in lists:
        part, was_cut = _summary_list(title, lines, list_limit)
        blocks += part
        cut |= was_cut
    if not (d.churned or d.escalate or d.new_at_risk_lines):
        blocks.append(_section("*Needs leadership now*: nothing (no escalation, no newly at-risk account,"
                               " no churn this week)."))
    gaps, gaps_in_csv = _gap_lines(d)
    if gaps:
        blocks += _pack("*Data gaps*", gaps, 1, lambda n: f"…and {len(gaps) - n} more kinds, in the CSV"
                        if n < len(gaps) else "")[0]

    books = owner_books(d)
    replies = []
    for book in books:
        reply, was_cut = _owner_reply(d, book, owner_limit)
        replies.append(reply)
        cut |= was_cut
    cut |= gaps_in_csv
    total = len(d.churned) + d.at_risk_count + d.watch_count + len(d.recovered) + len(d.data_gaps)
    file = None
    footer = f"Each owner's accounts, worst first, are in the thread ({md.plural(len(books), 'owner')})."
    if cut:
        file = DigestFile(
            filename=csv_filename(d), title=f"Churn-risk digest {d.week}: every account",
            comment=f"Every account in the {d.week} digest ({md.plural(total, 'account')}), worst first.",
            content=digest_csv(d))
        footer += f" Every account ({total:,}) is in {esc(file.filename)}, attached there."
    blocks.append(_context(footer))
    return DigestMessages(digest_text(d), blocks, replies, file)


def digest_text(d: Digest) -> str:
    """Notification fallback text for chat.postMessage."""
    return (f"Churn-risk digest {d.week}: {d.at_risk_count} at risk ({money(d.at_risk_arr)} ARR),"
            f" {d.watch_count} watch, {len(d.churned)} churned")


FLAG_VIEW_CALLBACK = "churn_flag_note"
FLAG_FIELDS = (  # the note's owner-written fields (002:11517-11528)
    ("known", "What do you know about the situation?", False),
    ("help_needed", "What help do you need (if any)?", True),
    ("mitigation", "What are you doing to mitigate the churn?", False),
)


def flag_modal(account_id: str, account_name: str, triggers: str) -> dict:
    """The flag note: name, ARR and trigger are filled in; the owner writes the rest."""
    blocks: list[dict] = [_section(f"*{esc(account_name)}*\nWhat triggered the flag: {esc(triggers)}")]
    for key, label, optional in FLAG_FIELDS:
        blocks.append({
            "type": "input", "block_id": key, "optional": optional,
            "label": {"type": "plain_text", "text": label},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 1500},
        })
    blocks.append(_context("Posted to #customer-churn for the team (002:11532). Add the Vitally \"Churn Risk\""
                           " segment too (002:11515)."))
    return {
        "type": "modal", "callback_id": FLAG_VIEW_CALLBACK, "private_metadata": account_id,
        "title": {"type": "plain_text", "text": "Flag churn risk"},
        "submit": {"type": "plain_text", "text": "Flag and post"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def flag_done_view(text: str) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Flag churn risk"},
            "close": {"type": "plain_text", "text": "Done"}, "blocks": [_section(text)]}


FACT_ACTION_ID = "churn_fact"
FACT_VIEW_CALLBACK = "churn_fact_record"
#: Owner facts the churn signals read (IMPORT.md §7 flag kinds), with what each means here.
FACT_KINDS = (
    ("evaluating_alternatives", "Customer is evaluating alternatives (F1)"),
    ("data_export_requested", "Customer asked for a full data export (F5)"),
    ("champion_left", "Our champion left (F3/W6)"),
    ("replacement_champion", "A replacement champion is engaged (clears F3)"),
    ("all_analysis_external", "All analysis happens outside PostHog (F8)"),
    ("seasonal_explanation", "Usage drop is seasonal, until a date (suppresses F2/W2)"),
    ("optimization_note", "Usage drop is our optimization (suppresses F2/W2)"),
    ("price_pressure", "Price pressure (W13)"),
    ("budget_cut", "Budget cut announced (W13)"),
    ("data_engineer_owner", "A Data Engineer took over PostHog (pause cross-sell)"),
)


def fact_modal(account_id: str, account_name: str) -> dict:
    """*Record a fact*: the owner facts the handbook's signals need (churn-risk.md §3.2 owner_facts)."""
    options = [{"text": {"type": "plain_text", "text": label[:75]}, "value": kind} for kind, label in FACT_KINDS]
    return {
        "type": "modal", "callback_id": FACT_VIEW_CALLBACK, "private_metadata": account_id,
        "title": {"type": "plain_text", "text": "Record a fact"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(f"*{esc(account_name)}*: what do you know that the data does not show?"),
            {"type": "input", "block_id": "kind", "label": {"type": "plain_text", "text": "Fact"},
             "element": {"type": "static_select", "action_id": "value", "options": options,
                         "placeholder": {"type": "plain_text", "text": "Pick one"}}},
            {"type": "input", "block_id": "note", "optional": True, "label": {"type": "plain_text", "text": "Note"},
             "element": {"type": "plain_text_input", "action_id": "value", "max_length": 500,
                         "placeholder": {"type": "plain_text", "text": "e.g. CTO says they are trialling Amplitude"}}},
            {"type": "input", "block_id": "until", "optional": True,
             "label": {"type": "plain_text", "text": "Until (seasonal only)"},
             "element": {"type": "datepicker", "action_id": "value"}},
        ],
    }
