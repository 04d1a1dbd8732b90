"""The :ticket: -> Zendesk policy (incidents-and-tickets.md Part A), as pure functions over plain data.

No Slack, HTTP, database or clock here: listeners and jobs fetch the facts, call these functions and
act on the frozen results. Handbook rules cite `002_59a801b964a2a19e.txt:LINE`; the rest is the spec's
[proposal] and its tunable numbers are settings (bot/tickets/settings.py) passed in as arguments.
The handbook's one number here (the priority_customer ARR floor) is a rule (services/rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from services.rules import Source, rule

# -- constants (each in one place, with its source) -------------------------------------------------

# "ARR >= $20K" for priority_customer (002_59a801b964a2a19e.txt:3205); "ARR > 0 and < $20K" for
# paying_customer (002_59a801b964a2a19e.txt:3223). At exactly $20k Vitally's ">=" wins (spec Part F #3).
ZENDESK_TAGGING = "Tagging Zendesk Organizations based on Segment and Subscription information"
PRIORITY_CUSTOMER_MIN_ARR = rule(
    "tickets.tiers.priority_customer_min_arr", Decimal("20000"),
    page="growth/sales/automations", section=ZENDESK_TAGGING, locator="ARR >=", line=3205,
    summary="priority_customer: ARR of $20K or more",
    also=(Source("growth/sales/automations", ZENDESK_TAGGING, "ARR > 0 and", 3223),))

# The Vitally-set tier tags on Zendesk orgs (002_59a801b964a2a19e.txt:3192-3297).
TIER_TAGS: tuple[str, ...] = (
    "priority_customer",
    "paying_customer",
    "trial",
    "startup_plan",
    "churned",
    "non_paying",
)
PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}  # not policy: Zendesk's priority order
DEFAULT_PRIORITY = "normal"  # no tag / org unmatched: no information (A.2.4 table)

# Tags the bot must never add: "escalated" is a human's routing choice (002_59a801b964a2a19e.txt:8371);
# "sf-lead" creates a Salesforce lead (002_59a801b964a2a19e.txt:5174).
FORBIDDEN_TAGS = frozenset({"escalated", "sf-lead"})

# Message subtypes that carry what people said (A.2.3 step 4, SupportHog's allowlist); plain messages
# have no subtype, and other bots' posts (e.g. the contact-form notice) arrive as "bot_message".
CONTENT_SUBTYPES = frozenset({None, "", "file_share", "thread_broadcast", "me_message", "bot_message"})

OUR_COMPANY_DEFAULT = "PostHog"

Trigger = Literal["reaction", "mention"]
ChannelKind = Literal["customer", "intake"]

_MENTION = re.compile(r"<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(?:mailto:)?([^>|]+)\|([^>]+)>|<((?:https?|mailto):[^>]+)>")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_TAG_UNSAFE = re.compile(r"[^a-z0-9_\-]+")


# -- the facts the services work on ----------------------------------------------------------------


@dataclass(frozen=True)
class SlackFile:
    name: str
    permalink: str


@dataclass(frozen=True)
class SlackMessage:
    """One Slack message as Slack returned it, reduced to what the policy reads."""

    ts: str
    user: str | None
    text: str = ""
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    files: tuple[SlackFile, ...] = ()

    @property
    def is_reply(self) -> bool:
        return bool(self.thread_ts) and self.thread_ts != self.ts


@dataclass(frozen=True)
class Person:
    """A Slack user as users.info describes them; `team_id` tells ours from Slack Connect guests."""

    user_id: str
    name: str
    team_id: str
    email: str | None = None
    is_bot: bool = False


@dataclass(frozen=True)
class AccountFacts:
    """What the bot's account model knows (IMPORT.md names), for org matching and the tier fallback."""

    id: str
    name: str
    posthog_org_id: str | None = None
    arr: Decimal | None = None
    segments: tuple[str, ...] = ()
    startup_plan: bool = False
    subscription_status: str = "active"
    owner_name: str | None = None
    owner_role: str | None = None

    @property
    def in_startup_plan(self) -> bool:
        return self.startup_plan or "Startup Plan" in self.segments

    @property
    def in_active_trial(self) -> bool:
        return "Active Trial" in self.segments


@dataclass(frozen=True)
class ZendeskOrg:
    id: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketKey:
    """One Slack thread = one Zendesk ticket, per generation (a closed ticket gets a follow-up)."""

    team_id: str
    channel_id: str
    thread_ts: str
    generation: int = 1

    @property
    def external_id(self) -> str:
        base = f"slack:{self.team_id}:{self.channel_id}:{self.thread_ts}"
        return base if self.generation == 1 else f"{base}:g{self.generation}"

    @property
    def idempotency_key(self) -> str:
        base = f"gtmbot-ticket-{self.team_id}-{self.channel_id}-{self.thread_ts}"
        return base if self.generation == 1 else f"{base}-g{self.generation}"

    @property
    def confirm_dedupe_key(self) -> str:
        """Outbox key of the one public confirmation (A.2.8 step 5)."""
        suffix = "" if self.generation == 1 else f":g{self.generation}"
        return f"ticket-confirm:{self.channel_id}:{self.thread_ts}{suffix}"


# -- where and when the bot acts (A.2.1, A.2.2) -----------------------------------------------------


def channel_kind(
    channel_id: str,
    channel_name: str | None,
    *,
    is_ext_shared: bool,
    mapped_to_account: bool,
    intake_channels: Iterable[str],
    opted_in_channels: Iterable[str] = (),
) -> ChannelKind | None:
    """Customer channel (ext-shared or mapped, or opted in), intake channel, or None = ignore quietly."""
    names = {channel_id, (channel_name or "").lstrip("#")}
    if names & {c.lstrip("#") for c in intake_channels}:
        return "intake"  # 002_59a801b964a2a19e.txt:11028
    if is_ext_shared or mapped_to_account or names & {c.lstrip("#") for c in opted_in_channels}:
        return "customer"  # 002_59a801b964a2a19e.txt:12625
    return None


def is_ticket_reaction(
    reaction: str,
    item_type: str,
    reactor_id: str,
    *,
    emoji: str,
    bot_user_id: str,
    reactor_is_bot: bool = False,
) -> bool:
    """Only the configured emoji on a message, by a human (A.2.2; E7c: `tickets` does not count)."""
    base = reaction.split("::", 1)[0]  # skin-tone variants of the same emoji count
    return base == emoji and item_type == "message" and reactor_id != bot_user_id and not reactor_is_bot


@dataclass(frozen=True)
class MentionDecision:
    action: Literal["ticket", "refuse"]
    thread_ts: str  # the thread key
    seed_ts: str  # the message the ticket starts from


def classify_mention(
    text: str, ts: str, thread_ts: str | None, *, bot_user_id: str, has_files: bool
) -> MentionDecision:
    """In a thread: ticket the thread from its root. Top level: ticket the message unless it is bare."""
    if thread_ts and thread_ts != ts:
        return MentionDecision("ticket", thread_ts, thread_ts)
    bare = not strip_mention(text, bot_user_id).strip() and not has_files
    return MentionDecision("refuse" if bare else "ticket", ts, ts)


def strip_mention(text: str, bot_user_id: str) -> str:
    """The text without the bot's own `<@U…>` (with or without a `|label`), and no space left where it was."""
    stripped = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", text or "")
    return re.sub(r"[ \t]{2,}", " ", stripped)


def thread_key_of(message: SlackMessage) -> str:
    """The fetched message's thread root if it is in a thread, else its own ts (A.2.2)."""
    return message.thread_ts or message.ts


# -- thread context (A.2.3) -------------------------------------------------------------------------


def is_content(message: SlackMessage, *, bot_user_id: str, bot_id: str | None) -> bool:
    """Keep what people said; skip system subtypes and our own posts (A.2.3 step 4, A.2.7 loop guard)."""
    if message.subtype not in CONTENT_SUBTYPES:
        return False
    if message.user == bot_user_id or (bot_id and message.bot_id == bot_id):
        return False
    return bool((message.text or "").strip() or message.files)


def readable_text(text: str, names: Mapping[str, str]) -> str:
    """Slack mrkdwn to plain text: `<@U1>` -> `@Name`, `<url|label>` -> `label (url)`."""

    def mention(m: re.Match[str]) -> str:
        return "@" + names.get(m.group(1), m.group(1))

    def link(m: re.Match[str]) -> str:
        if m.group(3):  # not policy: regex group index
            return m.group(3).removeprefix("mailto:")  # not policy: regex group index
        target, label = m.group(1), m.group(2)  # not policy: regex group indexes
        return label if label == target or target.endswith(label) else f"{label} ({target})"

    out = _MENTION.sub(mention, text or "")
    out = _LINK.sub(link, out)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def format_ts(ts: str) -> str:
    return datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d %H:%M UTC")


def author_label(person: Person | None, *, our_team_id: str, customer_company: str, our_company: str) -> str:
    """`Name (Company)`: our staff are `(PostHog)`, everyone else is the customer's company."""
    if person is None:
        return f"Unknown ({customer_company})"
    company = our_company if person.team_id == our_team_id else customer_company
    return f"{person.name} ({company})"


@dataclass(frozen=True)
class Transcript:
    body: str
    included_ts: tuple[str, ...]
    omitted: int


def build_transcript(
    messages: Sequence[SlackMessage],
    people: Mapping[str, Person],
    *,
    raised_ts: str,
    raised_by: str,
    our_team_id: str,
    customer_company: str,
    our_company: str = OUR_COMPANY_DEFAULT,
    max_chars: int,
    thread_permalink: str | None = None,
) -> Transcript:
    """The whole thread so far, root first, the raised message marked (002_59a801b964a2a19e.txt:12662)."""
    names = {uid: p.name for uid, p in people.items()}
    blocks: list[tuple[str, str]] = []
    for msg in sorted(messages, key=lambda m: Decimal(m.ts)):
        who = (
            author_label(
                people.get(msg.user or ""),
                our_team_id=our_team_id,
                customer_company=customer_company,
                our_company=our_company,
            )
            if msg.user
            else f"Integration ({customer_company})"
        )
        header = f"**{who}** · {format_ts(msg.ts)}"
        if msg.ts == raised_ts:
            header += f"  ← :ticket: raised here by {raised_by}"
        lines = [header]
        text = readable_text(msg.text, names).strip()
        if text:
            lines.append(text)
        lines.extend(f"📎 {f.name}: {f.permalink}" for f in msg.files)
        blocks.append((msg.ts, "\n".join(lines)))
    omitted = 0
    while len(blocks) > 1 and _joined_len(blocks, omitted, thread_permalink) > max_chars:
        blocks.pop(0)
        omitted += 1
    parts = [b for _, b in blocks]
    if omitted:
        where = f"; full thread: {thread_permalink}" if thread_permalink else ""
        parts.insert(0, f"… {omitted} earlier messages omitted{where}")
    body = "\n\n".join(parts)
    if len(body) > max_chars:
        body = body[: max_chars - 1] + "…"
    return Transcript(body=body, included_ts=tuple(ts for ts, _ in blocks), omitted=omitted)


def _joined_len(blocks: list[tuple[str, str]], omitted: int, permalink: str | None) -> int:
    note = 60 + len(permalink or "") if omitted else 0  # not policy: room for the "… N omitted" line
    return sum(len(b) + 2 for _, b in blocks) + note  # not policy: the "\n\n" separator's length


def ticket_subject(
    label: str, seed_text: str, names: Mapping[str, str], *, bot_user_id: str | None = None
) -> str:
    """`Slack: <Account or channel> · <first line of the seed, ≤ 80 chars>` (A.2.5).

    The bot's own mention is dropped: "@gtmbot login is broken" is about the login, not the bot."""
    if bot_user_id:
        seed_text = strip_mention(seed_text, bot_user_id)
    first = next((line.strip() for line in readable_text(seed_text, names).splitlines() if line.strip()), "")
    if len(first) > 80:  # not policy: subject width, spec A.2.5 (a format limit, not in the handbook)
        first = first[:79].rstrip() + "…"  # not policy: the width less the ellipsis
    return f"Slack: {label} · {first}" if first else f"Slack: {label}"


# -- requester (A.2.4) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requester:
    """The Zendesk end user. Without an email, the caller creates/finds the user by `external_id`."""

    name: str
    email: str | None
    slack_user_id: str | None
    external_id: str | None  # "slack:<team_id>:<user_id>" when the email is hidden
    tags: tuple[str, ...] = ()


def choose_requester(candidates: Sequence[Person | None], *, our_team_id: str) -> Requester:
    """First external person among (reacted author, root author, reactor, other authors); else the first."""
    people = [p for p in candidates if p is not None and not p.is_bot]
    if not people:
        raise ValueError("choose_requester needs at least one human candidate")
    external = next((p for p in people if p.team_id != our_team_id), None)
    chosen = external or people[0]
    tags: list[str] = [] if external else ["internal_request"]
    if chosen.email:
        return Requester(chosen.name, chosen.email.lower(), chosen.user_id, None, tuple(tags))
    # Slack Connect profiles may hide the email (users.info docs); identify by a stable external_id.
    tags.append("requester_email_unknown")
    return Requester(
        chosen.name, None, chosen.user_id, f"slack:{chosen.team_id}:{chosen.user_id}", tuple(tags)
    )


def email_in_text(text: str) -> str | None:
    """First `mailto:` or email-shaped token, e.g. in a contact-form notification (A.2.4 intake)."""
    match = _EMAIL.search(text or "")
    return match.group(0).lower() if match else None


def intake_requester(form_text: str, reactor: Person) -> Requester:
    """In #website-contact-sales the person needing help is in the form message (002_59a801b964a2a19e.txt:11028)."""
    email = email_in_text(form_text)
    if email:
        return Requester(email.split("@", 1)[0], email, None, None, ())
    fallback = choose_requester([reactor], our_team_id=reactor.team_id)
    return Requester(
        fallback.name,
        fallback.email,
        fallback.slack_user_id,
        fallback.external_id,
        tuple(t for t in fallback.tags if t != "internal_request") + ("requester_from_form_missing",),
    )


# -- organization and priority (A.2.4) ----------------------------------------------------------------


def tier_tags_of(tags: Iterable[str]) -> tuple[str, ...]:
    """The Vitally tier tags on an org, in the org's order (all are copied to the ticket)."""
    return tuple(t for t in tags if t in TIER_TAGS)


def priority_for(tags: Iterable[str], mapping: Mapping[str, str]) -> str:
    """Most favourable tier tag wins: tags overlap or go stale, e.g. churned + priority_customer -> high."""
    levels = [mapping[t] for t in tags if t in mapping]
    return max(levels, key=lambda p: PRIORITY_RANK[p]) if levels else DEFAULT_PRIORITY


def derive_tier_tags(account: AccountFacts) -> tuple[str, ...]:
    """The tags Vitally's playbooks would set (002_59a801b964a2a19e.txt:3192-3297), for an org without them.

    "Account is PostHog / is not PostHog" (3201, 3239, 3259) is unexplained in the seeds and ignored.
    """
    tags: list[str] = []
    startup, trial, arr = account.in_startup_plan, account.in_active_trial, account.arr
    if arr is not None and not startup:
        if arr >= PRIORITY_CUSTOMER_MIN_ARR:  # 002_59a801b964a2a19e.txt:3203-3205
            tags.append("priority_customer")
        elif arr > 0:  # 002_59a801b964a2a19e.txt:3221-3223
            tags.append("paying_customer")
        elif not trial:  # 002_59a801b964a2a19e.txt:3241-3243
            tags.append("non_paying")
    if account.subscription_status == "canceled" and not trial:  # 002_59a801b964a2a19e.txt:3261-3263
        tags.append("churned")
    if startup:  # 002_59a801b964a2a19e.txt:3279
        tags.append("startup_plan")
    if trial:  # 002_59a801b964a2a19e.txt:3295
        tags.append("trial")
    return tuple(tags)


UnmatchedReason = Literal["channel_not_mapped", "account_without_org_id", "no_zendesk_org"]


@dataclass(frozen=True)
class OrgDecision:
    zendesk_org_id: int | None
    posthog_org_id: str | None
    tier_tags: tuple[str, ...]
    priority: str
    derived: bool
    unmatched: UnmatchedReason | None


def decide_org(
    account: AccountFacts | None, org: ZendeskOrg | None, *, priority_map: Mapping[str, str]
) -> OrgDecision:
    """Channel -> account -> PostHog org id -> Zendesk org (002_59a801b964a2a19e.txt:3161, 3308)."""
    if account is None:
        return OrgDecision(None, None, (), DEFAULT_PRIORITY, False, "channel_not_mapped")
    if not account.posthog_org_id:
        return OrgDecision(None, None, (), DEFAULT_PRIORITY, False, "account_without_org_id")
    if org is None:
        return OrgDecision(None, account.posthog_org_id, (), DEFAULT_PRIORITY, False, "no_zendesk_org")
    tags = tier_tags_of(org.tags)
    derived = False
    if not tags:  # Vitally has not tagged the org yet: derive, and say so on the ticket (A.2.4 fallback)
        tags = derive_tier_tags(account)
        derived = bool(tags)
    return OrgDecision(org.id, account.posthog_org_id, tags, priority_for(tags, priority_map), derived, None)


# -- the Zendesk request (A.2.5) -----------------------------------------------------------------------


def zendesk_tag(value: str) -> str:
    return _TAG_UNSAFE.sub("_", value.lower()).strip("_")


@dataclass(frozen=True)
class TicketDraft:
    key: TicketKey
    subject: str
    description: str
    requester: Requester
    organization_id: int | None
    priority: str | None
    tags: tuple[str, ...]
    custom_fields: tuple[tuple[int, str], ...]
    followup_of: int | None = None
    transcript_ts: tuple[str, ...] = field(default=())

    def payload(self, *, requester_id: int | None = None) -> dict[str, Any]:
        """The body of `POST /api/v2/tickets.json`'s `ticket`; `requester_id` when the email is hidden."""
        ticket: dict[str, Any] = {
            "subject": self.subject,
            "comment": {"body": self.description, "public": True},
            "external_id": self.key.external_id,
            "tags": list(self.tags),
        }
        if requester_id is not None:
            ticket["requester_id"] = requester_id
        elif self.requester.email:
            ticket["requester"] = {"name": self.requester.name, "email": self.requester.email}
        if self.organization_id is not None:
            ticket["organization_id"] = self.organization_id
        if self.priority is not None:
            ticket["priority"] = self.priority
        if self.custom_fields:
            ticket["custom_fields"] = [{"id": fid, "value": value} for fid, value in self.custom_fields]
        if self.followup_of is not None:
            ticket["via_followup_source_id"] = self.followup_of
        return ticket


def build_ticket(
    *,
    key: TicketKey,
    trigger: Trigger,
    channel_name: str,
    account: AccountFacts | None,
    org: OrgDecision,
    requester: Requester,
    transcript: Transcript,
    seed_text: str,
    names: Mapping[str, str],
    set_priority: bool,
    org_id_field_id: int | None,
    followup_of: int | None = None,
    bot_user_id: str | None = None,
) -> TicketDraft:
    label = account.name if account else f"#{channel_name}"
    tags: list[str] = [
        "slack",
        "gtmbot",
        f"via_{trigger}",
        *org.tier_tags,
        zendesk_tag(f"slack_{channel_name}"),
    ]
    if org.derived:
        tags.append("tier_derived_by_gtmbot")
    if org.unmatched:
        tags.append("org_unmatched")
    tags.extend(requester.tags)
    unique = tuple(dict.fromkeys(t for t in tags if t not in FORBIDDEN_TAGS))
    custom: tuple[tuple[int, str], ...] = ()
    if org_id_field_id is not None and org.posthog_org_id:
        custom = ((org_id_field_id, org.posthog_org_id),)  # read by the Zap, 002_59a801b964a2a19e.txt:3306
    return TicketDraft(
        key=key,
        subject=ticket_subject(label, seed_text, names, bot_user_id=bot_user_id),
        description=transcript.body,
        requester=requester,
        organization_id=org.zendesk_org_id,
        priority=org.priority if set_priority else None,
        tags=unique,
        custom_fields=custom,
        followup_of=followup_of,
        transcript_ts=transcript.included_ts,
    )


UNMATCHED_EXPLANATION: dict[str, str] = {
    "channel_not_mapped": "this channel is not mapped to an account",
    "account_without_org_id": "the account has no PostHog organization ID",
    "no_zendesk_org": "no Zendesk organization has that PostHog organization ID as its external_id",
}


def internal_note(
    *,
    account: AccountFacts | None,
    org: OrgDecision,
    raised_by: str,
    trigger: Trigger,
    thread_permalink: str | None,
) -> str:
    """Private note after creation so support knows who to reach (002_59a801b964a2a19e.txt:9078)."""
    how = "reacted with :ticket:" if trigger == "reaction" else "mentioned the bot"
    lines = ["Raised from Slack by gtmbot."]
    if account:
        owner = account.owner_name or "no owner recorded"
        role = f" ({account.owner_role})" if account.owner_name and account.owner_role else ""
        lines.append(f"Account: {account.name} · owner: {owner}{role}")
    lines.append(f"Raised by: {raised_by} ({how})")
    if thread_permalink:
        lines.append(f"Slack thread: {thread_permalink}")
    if org.unmatched:
        lines.append(f"Organization not matched: {UNMATCHED_EXPLANATION[org.unmatched]}.")
    else:
        source = "derived by gtmbot from account data" if org.derived else "from the Zendesk org"
        tags = ", ".join(org.tier_tags) or "none"
        lines.append(f"Organization matched ({org.posthog_org_id}); tier tags {source}: {tags}")
    return "\n".join(lines)


# -- replies after the ticket exists (A.2.7) ---------------------------------------------------------


def should_sync_reply(
    message: SlackMessage, *, bot_user_id: str, bot_id: str | None, already_synced: Iterable[str]
) -> bool:
    """Thread replies by people (and other bots), once each; never our own posts or system events."""
    return (
        message.is_reply
        and is_content(message, bot_user_id=bot_user_id, bot_id=bot_id)
        and message.ts not in set(already_synced)
    )


def reply_comment(label: str, text: str, files: Sequence[SlackFile] = ()) -> str:
    """`**Dev (Acme) in Slack:** Still broken` (spec E6)."""
    body = f"**{label} in Slack:** {text.strip()}".rstrip()
    return "\n".join([body, *(f"📎 {f.name}: {f.permalink}" for f in files)])


@dataclass(frozen=True)
class ZendeskUser:
    """A Zendesk user whose email matched a Slack writer's (A.2.7)."""

    id: int
    role: str = "end-user"  # end-user | agent | admin

    @property
    def is_agent(self) -> bool:
        return self.role in ("agent", "admin")


def comment_author(authors: Sequence[ZendeskUser | None], *, public: bool) -> int | None:
    """`author_id` for one update carrying these replies: the matched Zendesk user when every reply in it
    is theirs (A.2.7), else None = the API user, each reply keeping its attribution line. Coalesced
    replies by different people cannot have one author. End users only author public comments: a
    private note is an agent's."""
    if not authors or any(a is None for a in authors):
        return None
    ids = {a.id for a in authors if a is not None}
    if len(ids) != 1:
        return None
    author = authors[0]
    assert author is not None
    return author.id if public or author.is_agent else None


def is_customer_side(author: Person | None, *, our_team_id: str, is_requester: bool) -> bool:
    """The requester, or anyone not in our workspace (a writer Slack cannot describe counts as outside)."""
    return is_requester or author is None or author.team_id != our_team_id


def status_after_reply(current_status: str | None, *, from_customer_side: bool) -> str | None:
    """A customer's reply on a solved ticket sets it back to `open` in the same update (A.2.6): whether
    Zendesk reopens it by itself depends on the comment's author and the instance's triggers. None =
    leave the status alone (staff replies, and every status other than solved)."""
    return "open" if from_customer_side and current_status == "solved" else None


def coalesce(comments: Sequence[str]) -> str:
    """Several queued replies in one update, each keeping its author line (A.2.7 coalescing)."""
    return "\n\n".join(comments)


def next_sync_at(last_sync_at: datetime | None, now: datetime, min_interval_s: int) -> datetime:
    """≤ 1 update per ticket per interval, under Zendesk's "30 updates per 10 minutes per user per ticket"."""
    if last_sync_at is None:
        return now
    return max(now, last_sync_at + timedelta(seconds=min_interval_s))


# -- lifecycle decisions (A.2.6, A.2.8, A.2.9) --------------------------------------------------------


def needs_followup(zendesk_status: str | None) -> bool:
    """A closed ticket cannot be reopened: a new request opens a follow-up (A.2.6)."""
    return zendesk_status == "closed"


def is_stale_claim(status: str, updated_at: datetime, now: datetime, reconcile_after_s: int) -> bool:
    """A claimed/creating row left by a dead process is reconciled by external_id (A.2.8 step 4)."""
    return status in ("claimed", "creating", "queued") and now - updated_at >= timedelta(
        seconds=reconcile_after_s
    )


def should_post_holding(
    claimed_at: datetime, now: datetime, holding_after_s: int, already_posted: bool
) -> bool:
    """Tell the thread once when Zendesk has been down for a while (A.2.9)."""
    return not already_posted and now - claimed_at >= timedelta(seconds=holding_after_s)


def next_queue_attempt(
    claimed_at: datetime, now: datetime, every_s: int, give_up_after_s: int
) -> datetime | None:
    """Queued tickets retry every minute up to 24 h (A.2.9); None = give up and mark failed."""
    if now - claimed_at >= timedelta(seconds=give_up_after_s):
        return None
    return now + timedelta(seconds=every_s)


# -- what the bot says (A.2.6, A.2.9) -----------------------------------------------------------------


def confirmation_text(ticket_id: int, emoji: str = "ticket") -> str:
    """The one public reply: the ticket number only, nothing internal (A.2.6)."""
    return f":{emoji}: Ticket #{ticket_id} is open. Our support team has this thread, and new replies here are added to it."


HOLDING_TEXT = "I couldn't open the ticket yet; I'll keep trying and the support team has been told."
MESSAGE_GONE_TEXT = (
    "That message is gone, so there is nothing to ticket. React to a message that still exists."
)


def already_ticketed_text(ticket_id: int) -> str:
    return f"This thread is already ticket #{ticket_id}."


def bare_mention_text(emoji: str = "ticket") -> str:
    return f"Mention me *in the thread* you want ticketed, or react to a message with :{emoji}:."


def empty_seed_text(emoji: str = "ticket") -> str:
    return (
        f"That message has no text or files to put in a ticket. React with :{emoji}: to the message that "
        "describes the problem, or mention me in its thread."
    )


def unmapped_hint(channel_name: str, reason: UnmatchedReason) -> str:
    """Ephemeral to internal reactors only; nothing is said in the shared channel (A.2.4 step 5)."""
    fixes = {
        "channel_not_mapped": (
            f"#{channel_name} is not mapped to an account: add it to the account's Slack Channel field "
            "(002_59a801b964a2a19e.txt:12629) or run `gtmbot accounts import` with `slack_channel_ids`."
        ),
        "account_without_org_id": (
            f"The account for #{channel_name} has no `posthog_org_id`, so the ticket has no Zendesk organization. "
            "Add it with `gtmbot accounts import`."
        ),
        "no_zendesk_org": (
            f"No Zendesk organization has the account's PostHog organization ID as its external_id "
            f"(002_59a801b964a2a19e.txt:3161), so the ticket from #{channel_name} has no organization."
        ),
    }
    return fixes[reason]


# -- when the bot joins a channel (A.2.1) -------------------------------------------------------------

# "the expected syntax for the name is posthog-[customername]" (002_59a801b964a2a19e.txt:12617)
CUSTOMER_CHANNEL_PREFIX = "posthog-"

# The handbook's customer training message, verbatim (002_59a801b964a2a19e.txt:12662, introduced at
# 12658-12660: "don't miss the opportunity to train them how to open a ticket"). `{emoji}` and `{bot}`
# stand for ":ticket:" and "@SupportHog", which become the bot's real emoji and name.
TRAINING_TEXT = (
    "We also have an app here that will open a support ticket if I'm sleeping. You only have to add the "
    ":{emoji}: emoji to the thread and it will open a ticket automatically, and capture the back and forth "
    "in the specific Slack thread that received that emoji. You can also mention @{bot} in a thread to open "
    "a ticket as well. It's a good habit to get into in order to make sure our distributed team can help."
)


def training_text(bot_name: str, emoji: str = "ticket") -> str:
    return TRAINING_TEXT.format(emoji=emoji, bot=bot_name)


def follows_channel_naming(channel_name: str) -> bool:
    """`posthog-[customername]` with a customer name after the prefix (002_59a801b964a2a19e.txt:12617)."""
    name = (channel_name or "").lstrip("#").lower()
    return name.startswith(CUSTOMER_CHANNEL_PREFIX) and len(name) > len(CUSTOMER_CHANNEL_PREFIX)


@dataclass(frozen=True)
class JoinChecklist:
    """What the inviter should check when the bot is /invite-d into a customer channel (A.2.1)."""

    channel_name: str
    name_ok: bool
    shared: bool
    account_name: str | None  # None = the channel is not mapped to an account
    owner_name: str | None
    has_org_id: bool
    training: str

    @property
    def mapped(self) -> bool:
        return self.account_name is not None

    @property
    def all_ok(self) -> bool:
        return self.name_ok and self.shared and self.mapped and self.has_org_id


def should_send_join_checklist(kind: ChannelKind | None, channel_name: str) -> bool:
    """Customer channels, and channels named like one (a new posthog-acme not shared or mapped yet)."""
    return kind == "customer" or (kind is None and follows_channel_naming(channel_name))


def join_checklist(
    channel_name: str,
    *,
    is_ext_shared: bool,
    account: AccountFacts | None,
    bot_name: str,
    emoji: str = "ticket",
) -> JoinChecklist:
    return JoinChecklist(
        channel_name=channel_name.lstrip("#"),
        name_ok=follows_channel_naming(channel_name),
        shared=is_ext_shared,
        account_name=account.name if account else None,
        owner_name=account.owner_name if account else None,
        has_org_id=bool(account and account.posthog_org_id),
        training=training_text(bot_name, emoji),
    )
