"""Check rules against a copy of the handbook: is each rule's passage still there, with its numbers?

A handbook copy is parsed into pages (by path, e.g. `growth/sales/contract-rules`), each page into
sections (the text under one heading, whatever its level), each section into passages (a line of a
text export; a paragraph, a list item or a table row of a markdown page). Two forms are read:

- markdown pages as in the company's website repository (`contents/handbook/<path>.md`): headings
  are `#` lines (and a line that is only `**bold text**`); an optional front matter (`---` ... `---`).
  A renamed page leaves a *redirect note*: front matter `redirect_to: /handbook/<new path>` (or
  `moved_to:`), or, on a stub page (at most three passages), a line starting "This page has moved
  to /handbook/<new path>" (a markdown link to it does too); the caller may also pass redirects it
  read elsewhere (the site's `vercel.json`).
- one text export (`002_...txt`): a page starts at a numbered title line (`  25. Contract rules`)
  and takes its path from the `Source: https://posthog.com/handbook/<path>` line under it (or, with
  none, the previous page's folder and the title slugged); headings are short standalone lines
  between blank lines (as scripts/handbook_citations.py reads them); every other line is a passage.

For each rule the checker finds the page (following redirect notes), the section by its heading and
the passage containing the locator (case- and whitespace-insensitive, markdown emphasis ignored),
extracts the numbers there (`numbers()`: k/M multipliers, $ amounts, percentages, ranges, number
words, fractions) and reports *matches*, *moved* (under another heading, on another page, or on a
renamed page), *changed* (the rule's numbers are not all in the passage) or *not found*.

Pure: text in, dataclasses out; bot/handbook_check reads the files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from services.rules.registry import Rule, Source

# ------------------------------------------------------------------------------------ numbers

_ONES = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1000000, "billion": 1000000000}  # not policy: units
_SUFFIX = {"k": 1000, "K": 1000, "M": 1000000, "m": 1000000, "B": 1000000000, "bn": 1000000000}  # not policy: units

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_TOKEN = re.compile(
    rf"(?P<cur>\$)?(?P<a>{_NUM})(?P<asuf>bn|[kKMB](?![a-zA-Z]))?"
    rf"(?:\s?(?P<sep>[-–]|to)\s?\$?(?P<b>{_NUM})(?P<bsuf>bn|[kKMB](?![a-zA-Z]))?)?"
    rf"(?:\s?(?P<word>thousand|million|billion)\b)?"
)
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?", re.IGNORECASE)


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _norm(n: Decimal) -> Decimal:
    n = n.normalize()
    return n.quantize(Decimal(1)) if n == n.to_integral_value() else n


def _word_numbers(text: str) -> list[Decimal]:
    out: list[Decimal] = []
    words = [w.lower() for w in _WORD.findall(text)]
    i = 0
    while i < len(words):
        total, current, used = 0, 0, False
        while i < len(words):
            parts = words[i].split("-")
            if len(parts) == 2 and parts[0] in _TENS and parts[1] in _ONES:  # twenty-one
                current += _TENS[parts[0]] + _ONES[parts[1]]
            elif words[i] in _ONES:
                current += _ONES[words[i]]
            elif words[i] in _TENS:
                current += _TENS[words[i]]
            elif words[i] in _SCALES and used:
                scale = _SCALES[words[i]]
                if scale == 100:
                    current *= scale
                else:
                    total += current * scale
                    current = 0
            else:
                break
            used = True
            i += 1
        if used:
            out.append(Decimal(total + current))
        else:
            if words[i] == "half":  # "up to half the credit": a share the rule states as 0.5
                out.append(Decimal("0.5"))
            i += 1
    return out


def numbers(text: str) -> tuple[Decimal, ...]:
    """Every number a passage writes, normalised as rules state them (RULES.md): "$25-59k" is 25000
    and 59000, "20%" is 20, "$1M+" is 1000000, "$59,999" is 59999, "1/6" is 1 and 6, "twenty days"
    is 20, "half" is 0.5. Signs are dropped ("-2.5%" is 2.5): a rule states magnitudes."""
    found: list[Decimal] = []
    for m in _TOKEN.finditer(text):
        start = m.start()
        if not m.group("cur") and start and (text[start - 1].isalpha() and text[start - 1] not in "xX"):
            # "Q4", "H1", "W23", "B2B": a label, but keep "Net30" and "x2"
            if not re.search(r"(?i)net$", text[max(0, start - 3):start]):
                continue
        a, b = _dec(m.group("a")), _dec(m.group("b")) if m.group("b") else None
        asuf, bsuf = m.group("asuf"), m.group("bsuf")
        word = m.group("word")
        if m.group("b") and not asuf and bsuf:  # "$25-59k": the multiplier applies to both ends
            asuf = bsuf
        mul_a = _SUFFIX[asuf] if asuf else 1
        mul_b = _SUFFIX[bsuf] if bsuf else 1
        if word:
            if b is None:
                mul_a *= _SCALES[word]
            else:
                mul_b *= _SCALES[word]
                if not asuf:
                    mul_a *= _SCALES[word]
        found.append(_norm(a * mul_a))
        if b is not None:
            found.append(_norm(b * mul_b))
    found += [_norm(n) for n in _word_numbers(text)]
    return tuple(found)


# ------------------------------------------------------------------------------------ parsing

@dataclass(frozen=True)
class Passage:
    text: str
    line: int  # 1-based line of the passage's first line in its file

    # Computed once: a check of every rule may look at every passage of a large handbook.
    @cached_property
    def numbers(self) -> tuple[Decimal, ...]:
        return numbers(self.text)

    @cached_property
    def key(self) -> str:
        return _key(self.text)


@dataclass(frozen=True)
class Section:
    heading: str  # "" for the text before the page's first heading
    line: int
    passages: tuple[Passage, ...]

    @cached_property
    def key(self) -> str:
        return _heading_key(self.heading)


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    sections: tuple[Section, ...]
    redirect: str | None = None  # the page it moved to (a redirect note)
    span: tuple[int, int] | None = None  # a text export's page: its body's first and last line (1-based)


@dataclass(frozen=True)
class Handbook:
    pages: Mapping[str, Page]
    redirects: Mapping[str, str] = field(default_factory=dict)  # old path -> new path, from elsewhere

    def resolve(self, path: str) -> tuple[Page | None, list[str]]:
        """The page at `path`, following redirect notes; and the paths it was redirected through."""
        seen: list[str] = []
        current = _clean_path(path)
        for _ in range(10):  # not policy: redirect chain limit
            page = self.pages.get(current)
            target = page.redirect if page is not None else self.redirects.get(current)
            if target is None or target in seen or target == current:
                return page, seen
            seen.append(current)
            current = target
        return self.pages.get(current), seen


def _clean_path(path: str) -> str:
    path = path.strip().split("#", 1)[0].split("?", 1)[0]
    path = re.sub(r"^(?:https?://[^/]+)?/?(?:handbook/)?", "", path)
    return path.strip("/")


_MOVED = re.compile(
    r"^\s*(?:>\s*)?(?:\*\*|_)?(?:note:?\s*)?(?:this\s+page\s+)?(?:has\s+)?(?:been\s+)?"
    r"(?:moved|renamed|redirect(?:s|ed)?)\s+to\b.*?(?:\]\()?(?P<path>(?:https?://[^/\s]+)?/handbook/[\w\-/.]+)",
    re.IGNORECASE)


def redirect_note(line: str) -> str | None:
    m = _MOVED.match(line)
    return _clean_path(m.group("path")) if m else None


STUB_PASSAGES = 3  # not policy: a page with this few passages besides headings is a redirect stub


def _is_stub(sections: Sequence[Section]) -> bool:
    """A page that is little more than its redirect note ("moved to" in a long page is prose)."""
    body = [x for s in sections for x in s.passages if not (s.heading and x.line == s.line)]
    return len(body) <= STUB_PASSAGES


def _heading_key(text: str) -> str:
    return _key(re.sub(r"\s*\{#[^}]*\}\s*$", "", text).rstrip(":"))


def _key(text: str) -> str:
    """Text as compared: markdown links, emphasis and escapes dropped, case and spacing ignored."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"</?[A-Za-z][^<>]*>", " ", text)  # html tags, not a "<" in prose
    text = re.sub(r"[*_`\\]", "", text)
    return " ".join(text.lower().split())


def _unescape(text: str) -> str:
    r"""Markdown's backslash escapes as the page shows them (`\$25k` is `$25k`)."""
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!$|<>])", r"\1", text)


_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*\*\*([^*]+)\*\*\s*$")


def parse_markdown(path: str, text: str) -> Page:
    """One markdown page of the website repository."""
    lines = text.split("\n")
    meta: dict[str, str] = {}
    start = 0
    if lines and lines[0].strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].strip() == "---":
                for raw in lines[1:j]:
                    if ":" in raw:
                        k, v = raw.split(":", 1)
                        meta[k.strip().lower()] = v.strip().strip("'\"")
                start = j + 1
                break
    redirect = meta.get("redirect_to") or meta.get("moved_to") or meta.get("redirect")
    note: str | None = None  # a "This page has moved to ..." line: a redirect only on a stub page
    sections: list[Section] = []
    heading, heading_line = "", start + 1
    passages: list[Passage] = []
    block: list[str] = []
    block_line = 0
    in_fence = False

    def flush_block() -> None:
        nonlocal block
        if block:
            passages.append(Passage(_unescape(" ".join(s.strip() for s in block)), block_line))
        block = []

    def flush_section(next_heading: str, line: int) -> None:
        nonlocal heading, heading_line, passages
        flush_block()
        if heading or passages:
            sections.append(Section(heading, heading_line, tuple(passages)))
        # A heading is a passage of its own section too: some state a rule ("Step 2 - 1 day before ...").
        heading, heading_line = next_heading, line
        passages = [Passage(_unescape(next_heading), line)] if next_heading else []

    for i in range(start, len(lines)):
        raw = lines[i]
        n = i + 1
        if raw.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
            flush_block()
            continue
        if not in_fence:
            h = _MD_HEADING.match(raw)
            b = _BOLD_LINE.match(raw)
            standalone = b and (i == start or not lines[i - 1].strip()) and (
                i + 1 >= len(lines) or not lines[i + 1].strip())
            if h or standalone:
                flush_section((h.group(2) if h else b.group(1)).strip(), n)
                continue
            if note is None and (target := redirect_note(raw)):
                note = target
        if not raw.strip():
            flush_block()
            continue
        stripped = raw.strip()
        if stripped.startswith("|"):
            flush_block()
            if not re.fullmatch(r"\|?[\s:|-]+\|?", stripped):  # not the |---| rule under a header
                passages.append(Passage(_unescape(stripped), n))
            continue
        if _BULLET.match(raw) and not in_fence:
            flush_block()
            block, block_line = [_BULLET.sub("", raw)], n
            continue
        if not block:
            block_line = n
        block.append(stripped)
    flush_section("", len(lines) + 1)
    if redirect is None and note is not None and _is_stub(sections):
        redirect = note
    title = meta.get("title") or path.rsplit("/", 1)[-1].replace("-", " ").capitalize()
    return Page(path, title, tuple(sections), _clean_path(redirect) if redirect else None)


_PAGE_TITLE = re.compile(r"^ {1,3}\d+\. (\S.*)$")
_SOURCE = re.compile(r"Source: https?://[^/\s]+/handbook/(\S+)")


def is_export_heading(lines: Sequence[str], i: int) -> bool:
    """A short line standing alone between blank lines (as scripts/handbook_citations.py reads them),
    with no sentence ending inside it ("... [feature/service]. [Symptom ...]" is a paragraph)."""
    line = lines[i]
    text = line.strip()
    if not text or line[0] in " \t" or len(text) > 160 or len(text) < 3:  # not policy: heading shape
        return False
    if text.endswith((".", ":", ",", ";", "?", "!")) or ":" in text or text.startswith(("-", "•", "*", "|", "$")):
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    if re.search(r"[a-z\]\)]\.\s+\S", text):  # a sentence ends inside it: a paragraph, not a heading
        return False
    before = lines[i - 1].strip() if i > 0 else ""
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return before == "" and after == "" and text != "---"


def _slug(text: str) -> str:
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def parse_export(text: str) -> dict[str, Page]:
    """A single text export: every page in it, by path."""
    lines = text.split("\n")
    starts: list[tuple[int, str, str, int]] = []  # (title line index, title, path, first body index)
    folder = ""
    for i, line in enumerate(lines):
        m = _PAGE_TITLE.match(line)
        src = _SOURCE.search(line)
        if m:
            title, path, body = m.group(1).strip(), None, i + 1
            for j in range(i + 1, min(i + 6, len(lines))):  # not policy: look-ahead for the Source line
                s = _SOURCE.search(lines[j])
                if s:
                    path, body = _clean_path(s.group(1)), j + 1
                    break
            path = path or (f"{folder}/{_slug(title)}" if folder else _slug(title))
            folder = path.rsplit("/", 1)[0] if "/" in path else folder
            starts.append((i, title, path, body))
        elif src and not any(s[0] < i < s[3] for s in starts[-1:]):  # a Source line with no title
            path = _clean_path(src.group(1))
            folder = path.rsplit("/", 1)[0] if "/" in path else folder
            starts.append((i, path.rsplit("/", 1)[-1].replace("-", " ").capitalize(), path, i + 1))
    pages: dict[str, Page] = {}
    for k, (first, title, path, body) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        sections: list[Section] = []
        heading, heading_line, passages = "", first + 1, []
        redirect = None
        for i in range(body, end):
            if is_export_heading(lines, i):
                if heading or passages:
                    sections.append(Section(heading, heading_line, tuple(passages)))
                heading, heading_line = lines[i].strip().replace("\\", ""), i + 1
                passages = [Passage(heading, i + 1)]  # a heading may state a rule itself
                continue
            if lines[i].strip():
                passages.append(Passage(lines[i].strip(), i + 1))
                redirect = redirect or redirect_note(lines[i].strip())
        if heading or passages:
            sections.append(Section(heading, heading_line, tuple(passages)))
        if redirect and not _is_stub(sections):
            redirect = None
        pages.setdefault(path, Page(path, title, tuple(sections), redirect, (body + 1, end)))
    return pages


# ------------------------------------------------------------------------------------ checking

class Status(StrEnum):
    MATCHES = "matches"
    MOVED = "moved"
    CHANGED = "changed"
    NOT_FOUND = "not found"


_SEVERITY = {Status.MATCHES: 0, Status.MOVED: 1, Status.CHANGED: 2, Status.NOT_FOUND: 3}


@dataclass(frozen=True)
class Finding:
    """What the handbook says at one passage a rule cites."""

    source: Source
    status: Status
    page: str | None = None  # where the passage was found (after redirects)
    section: str | None = None
    passage: str | None = None
    line: int | None = None
    numbers: tuple[Decimal, ...] = ()  # the numbers the handbook's passage writes
    missing: tuple[Decimal, ...] = ()  # the rule's numbers the passage does not write
    note: str = ""  # why moved / not found, in words


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    area: str
    summary: str
    expected: tuple[Decimal, ...]  # the bot's numbers
    findings: tuple[Finding, ...]  # the rule's source first, then its `also` sources

    @property
    def status(self) -> Status:
        return max((f.status for f in self.findings), key=_SEVERITY.__getitem__)

    @property
    def worst(self) -> Finding:
        return max(self.findings, key=lambda f: _SEVERITY[f.status])


@dataclass(frozen=True)
class Report:
    results: tuple[RuleResult, ...]

    def counts(self) -> dict[Status, int]:
        out = {s: 0 for s in Status}
        for r in self.results:
            out[r.status] += 1
        return out

    @property
    def drift(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.status is not Status.MATCHES)

    @property
    def failed(self) -> bool:
        """Something changed or is not found (a move alone still applies the same numbers)."""
        return any(r.status in (Status.CHANGED, Status.NOT_FOUND) for r in self.results)

    def drift_key(self) -> str:
        """A short hash of the drift: the same findings give the same key, whatever the lines."""
        parts = [[r.rule_id, f.status.value, f.page, _heading_key(f.section or ""),
                  [str(n) for n in f.numbers] if f.status is Status.CHANGED else []]
                 for r in self.drift for f in r.findings if f.status is not Status.MATCHES]
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]

    def to_json(self) -> dict:
        counts = self.counts()
        return {
            "ok": not self.failed,
            "counts": {s.value: counts[s] for s in Status},
            "drift_key": self.drift_key() if self.drift else None,
            "rules": [{
                "id": r.rule_id, "area": r.area, "summary": r.summary, "status": r.status.value,
                "expected": [str(n) for n in r.expected],
                "findings": [{
                    "status": f.status.value,
                    "cited": {"page": f.source.page, "section": f.source.section, "locator": f.source.locator,
                              "line": f.source.line},
                    "page": f.page, "section": f.section, "line": f.line, "passage": f.passage,
                    "numbers": [str(n) for n in f.numbers], "missing": [str(n) for n in f.missing],
                    "note": f.note,
                } for f in r.findings],
            } for r in self.results],
        }


def _has(passage: Passage, locator: str) -> bool:
    return _key(locator) in passage.key


def _missing(expected: Sequence[Decimal], passage: Passage) -> tuple[Decimal, ...]:
    have = set(passage.numbers)
    return tuple(n for n in expected if n not in have)


def _pick(candidates: list[tuple[Page, Section, Passage]], expected: Sequence[Decimal]
          ) -> tuple[Page, Section, Passage] | None:
    """The first passage writing all the rule's numbers, else the first that has the locator."""
    for c in candidates:
        if not _missing(expected, c[2]):
            return c
    return candidates[0] if candidates else None


def _hits(pages: Iterable[Page], locator: str, section: str | None = None) -> list[tuple[Page, Section, Passage]]:
    want = _heading_key(section) if section is not None else None
    loc = _key(locator)
    return [(p, s, x) for p in pages for s in p.sections
            if want is None or s.key == want
            for x in s.passages if loc in x.key]


def check_source(source: Source, expected: Sequence[Decimal], handbook: Handbook) -> Finding:
    page, via = handbook.resolve(source.page)
    notes: list[str] = []
    if via:
        notes.append(f"page {source.page} moved to {page.path if page else via[-1]}")
    found = None
    if page is not None:
        found = _pick(_hits([page], source.locator, source.section), expected)
        if found is None:
            found = _pick(_hits([page], source.locator), expected)
            if found is not None:
                notes.append(f"now under \"{found[1].heading or '(top of page)'}\", not \"{source.section}\"")
    if found is None:  # the section may have moved to another page, heading and all
        others = [p for p in handbook.pages.values() if page is None or p.path != page.path]
        found = _pick(_hits(others, source.locator, source.section), expected)
        if found is not None:
            notes.append(f"found on {found[0].path}" + ("" if page else f"; {source.page} is gone"))
    if found is None:
        why = (f"\"{source.locator}\" is nowhere on {page.path}" if page is not None
               else f"page {source.page} is gone")
        return Finding(source, Status.NOT_FOUND, page=page.path if page else None, note="; ".join([*notes, why]))
    p, s, x = found
    missing = _missing(expected, x)
    status = Status.CHANGED if missing else Status.MOVED if notes else Status.MATCHES
    return Finding(source, status, page=p.path, section=s.heading, passage=x.text, line=x.line,
                   numbers=x.numbers, missing=missing, note="; ".join(notes))


def check(rules: Iterable[Rule], handbook: Handbook) -> Report:
    """Every rule against the handbook copy, in the rules' order."""
    results = []
    for r in rules:
        findings = tuple(check_source(src, r.numbers, handbook) for src in (r.source, *r.extra))
        results.append(RuleResult(r.id, r.area, r.summary, r.numbers, findings))
    return Report(tuple(results))


def markdown_handbook(files: Mapping[str, str], redirects: Mapping[str, str] | None = None) -> Handbook:
    """Markdown pages by path (`growth/sales/contract-rules` -> its text), plus redirects found elsewhere."""
    pages = {path: parse_markdown(path, text) for path, text in files.items()}
    return Handbook(pages, {_clean_path(k): _clean_path(v) for k, v in (redirects or {}).items()})


def export_handbook(text: str) -> Handbook:
    return Handbook(parse_export(text))
