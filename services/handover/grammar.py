"""Parsing `/handover-check <account> [to <target>]` (handover-check.md §4.1), deterministically.

Account lookup is passed in as a function so the listener can use the shared resolver over the
database; `resolver_for()` is the pure §4.1 step-4 resolver over a list of accounts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from services.handover.model import Target, TeamMember

SUGGESTION_MIN_SCORE = 0.75  # not policy: spec default, not in the handbook (spec §4.1 step 4.5)
MAX_SUGGESTIONS = 3  # not policy: a reply's length, "up to 3 suggestions, never auto-picked" (issue 4)

# Role words (§4.1 <target>); synonyms AE->TAE, AM->TAM, CSE / Technical CSM->CSM (IMPORT.md §4).
ROLE_WORDS: dict[str, tuple[str, str | None]] = {
    "tam": ("TAM", None), "am": ("TAM", None),
    "csm": ("CSM", None), "cse": ("CSM", None), "technical csm": ("CSM", None),
    "us tam": ("TAM", "US"), "eu tam": ("TAM", "EU"), "us csm": ("CSM", "US"), "eu csm": ("CSM", "EU"),
    "tae": ("TAE", None), "ae": ("TAE", None), "bdr": ("BDR", None), "onboarding": ("ONBOARDING", None),
}
QUOTES = "\"“”"
MENTION = re.compile(r"^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$")
LAST_TO = re.compile(r"^(?P<acct>.*\S)\s+to\s+(?P<target>\S.*)$", re.IGNORECASE | re.DOTALL)


class ErrorKind(StrEnum):
    USAGE = "USAGE"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ACCOUNT_AMBIGUOUS = "ACCOUNT_AMBIGUOUS"
    UNKNOWN_TARGET = "UNKNOWN_TARGET"
    SAME_OWNER = "SAME_OWNER"


@dataclass(frozen=True)
class AccountRef:
    """Enough of an account to find it and to tell similar ones apart."""

    id: str
    name: str
    domain: str | None = None
    posthog_org_id: str | None = None
    owner_slack_id: str | None = None


@dataclass(frozen=True)
class Found:
    account: AccountRef


@dataclass(frozen=True)
class NotFound:
    suggestions: tuple[AccountRef, ...] = ()


@dataclass(frozen=True)
class Ambiguous:
    matches: tuple[AccountRef, ...]
    complete: bool = True  # False when a resolver listed only some of the matches


AccountResolution = Found | NotFound | Ambiguous
Resolver = Callable[[str], AccountResolution]


@dataclass(frozen=True)
class Request:
    account: AccountRef
    target: Target | None


@dataclass(frozen=True)
class HandoverError:
    kind: ErrorKind
    query: str = ""
    suggestions: tuple[AccountRef, ...] = ()
    matches: tuple[AccountRef, ...] = ()
    matches_complete: bool = True
    account: AccountRef | None = None
    owner_slack_id: str | None = None
    detail: str = ""


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _domain(text: str) -> str:
    t = _norm(text)
    t = re.sub(r"^https?://", "", t)
    t = t.removeprefix("www.")
    return t.rstrip("/")


def _score(query: str, account: AccountRef) -> float:
    """Best difflib ratio against the full name, each word of it, and the domain stem (§4.1)."""
    q = _norm(query)
    name = _norm(account.name)
    candidates = [name, *name.split()]
    if account.domain:
        candidates.append(_domain(account.domain).split(".")[0])
    best = 0.0
    for c in candidates:
        sm = SequenceMatcher(None, q, c)
        # quick_ratio() is an upper bound of ratio(): skip the expensive part when it cannot qualify.
        if sm.real_quick_ratio() >= SUGGESTION_MIN_SCORE and sm.quick_ratio() >= SUGGESTION_MIN_SCORE:
            best = max(best, sm.ratio())
    return best


def resolve_account(query: str, accounts: Sequence[AccountRef]) -> AccountResolution:
    """§4.1 step 4: org id, domain, exact name, unique substring; else up to 3 suggestions."""
    q = _norm(query.strip().strip(QUOTES))
    if not q:
        return NotFound()
    levels: list[Callable[[AccountRef], bool]] = [
        lambda a: q in {_norm(a.id), _norm(a.posthog_org_id or "")},
        lambda a: a.domain is not None and _domain(a.domain) == _domain(q),
        lambda a: _norm(a.name) == q,
        lambda a: q in _norm(a.name),
    ]
    for matches_level in levels:
        hits = tuple(a for a in accounts if matches_level(a))
        if len(hits) == 1:
            return Found(hits[0])
        if len(hits) > 1:
            return Ambiguous(tuple(sorted(hits, key=lambda a: a.name.casefold())))
    scored = sorted(((_score(q, a), a) for a in accounts), key=lambda sa: (-sa[0], sa[1].name.casefold()))
    return NotFound(tuple(a for s, a in scored if s >= SUGGESTION_MIN_SCORE)[:MAX_SUGGESTIONS])


def resolver_for(accounts: Iterable[AccountRef]) -> Resolver:
    pool = tuple(accounts)
    return lambda query: resolve_account(query, pool)


def _person(text: str) -> str:
    """A name as people type it: casefold, accents dropped ("Inês" = "ines"), and the separators of
    Slack handles read as spaces ("ines.duarte" = "ines duarte")."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return _norm(re.sub(r"[._]+", " ", plain))


def find_member(text: str, team: Mapping[str, TeamMember]) -> TeamMember | None:
    """A mention, a Slack id, a full name, a Slack handle, display or real name (the member's
    aliases), or a unique first name; casefold, accents ignored, with or without '@' (issue 16)."""
    t = text.strip()
    m = MENTION.match(t)
    if m:
        return team.get(m.group(1))
    if t in team:
        return team[t]
    name = _person(t.removeprefix("@"))
    if not name:
        return None
    for names in (lambda p: [p.name], lambda p: [p.name, *p.aliases]):
        exact = {p.slack_id: p for p in team.values() if any(_person(n) == name for n in names(p))}
        if len(exact) == 1:
            return next(iter(exact.values()))
        if exact:
            return None  # two people answer to it: never a guess
    first = [p for p in team.values() if _person(p.name).split()[:1] == [name]]
    return first[0] if len(first) == 1 else None


def parse_target(text: str, team: Mapping[str, TeamMember]) -> Target | None:
    """A role word (optionally with region) or a teammate; None when it is neither."""
    t = _norm(text.strip().strip(QUOTES))
    if t in ROLE_WORDS:
        role, region = ROLE_WORDS[t]
        return Target(role=role, region=region)
    member = find_member(text.strip().strip(QUOTES), team)
    if member is not None:
        return Target(role=member.role, region=member.region, member=member)
    return None


def _from_resolution(res: AccountResolution, query: str) -> AccountRef | HandoverError:
    if isinstance(res, Found):
        return res.account
    if isinstance(res, Ambiguous):
        return HandoverError(ErrorKind.ACCOUNT_AMBIGUOUS, query=query, matches=res.matches, matches_complete=res.complete)
    return HandoverError(ErrorKind.ACCOUNT_NOT_FOUND, query=query, suggestions=res.suggestions)


def _finish(account: AccountRef, target: Target | None) -> Request | HandoverError:
    if target is not None and target.member is not None and target.member.slack_id == account.owner_slack_id:
        return HandoverError(ErrorKind.SAME_OWNER, account=account, owner_slack_id=account.owner_slack_id)
    return Request(account, target)


def interpret(text: str, resolve: Resolver, team: Mapping[str, TeamMember]) -> Request | HandoverError:
    """Turn the command text into an account and optional target, or say exactly what is wrong."""
    # Slack escapes &, < and > in command text (but not in mentions, which keep their <@U…> form).
    t = (text or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
    if not t or t.casefold() == "help":
        return HandoverError(ErrorKind.USAGE)

    if t[0] in QUOTES:
        close = next((i for i in range(1, len(t)) if t[i] in QUOTES), None)
        if close is None:
            return HandoverError(ErrorKind.USAGE, detail="the account name's closing quote is missing")
        acct_text, rest = t[1:close].strip(), t[close + 1:].strip()
        target_text = None
        if rest:
            m = re.match(r"^to\s+(\S.*)$", rest, re.IGNORECASE | re.DOTALL)
            if not m:
                return HandoverError(ErrorKind.USAGE, detail=f"after the quoted account I expected `to <target>`, not “{rest}”")
            target_text = m.group(1).strip()
        found = _from_resolution(resolve(acct_text), acct_text)
        if isinstance(found, HandoverError):
            return found
        target = None
        if target_text is not None:
            target = parse_target(target_text, team)
            if target is None:
                return HandoverError(ErrorKind.UNKNOWN_TARGET, query=target_text, account=found)
        return _finish(found, target)

    split = LAST_TO.match(t)
    if split is None:
        found = _from_resolution(resolve(t), t)
        return found if isinstance(found, HandoverError) else _finish(found, None)

    acct_text, target_text = split.group("acct").strip(), split.group("target").strip()
    target = parse_target(target_text, team)
    if target is not None:
        found = _from_resolution(resolve(acct_text), acct_text)
        return found if isinstance(found, HandoverError) else _finish(found, target)

    whole = resolve(t)
    if isinstance(whole, Found):  # "Path to Prod Inc": "Prod Inc" is no target, the whole text is the account
        return _finish(whole.account, None)
    part = resolve(acct_text)
    if isinstance(part, Found):
        return HandoverError(ErrorKind.UNKNOWN_TARGET, query=target_text, account=part.account)
    if isinstance(whole, Ambiguous):
        return HandoverError(ErrorKind.ACCOUNT_AMBIGUOUS, query=t, matches=whole.matches, matches_complete=whole.complete)
    if isinstance(part, Ambiguous):
        return HandoverError(ErrorKind.ACCOUNT_AMBIGUOUS, query=acct_text, matches=part.matches, matches_complete=part.complete)
    suggestions = whole.suggestions or (part.suggestions if isinstance(part, NotFound) else ())
    return HandoverError(ErrorKind.ACCOUNT_NOT_FOUND, query=t, suggestions=suggestions)
