"""Handbook citations as links a rep can open.

Code and tests cite the handbook as `002_59a801b964a2a19e.txt:4380` (or `002:4380`): exact, but a file
name and a line number mean nothing on a phone. `linkify` takes those citations out of a reply's text
and puts one short link per handbook page at its end, pointing at the section the first citation is
in: `Handbook: <https://posthog.com/handbook/growth/sales/contract-rules#...|Contract rules>`. The
pages and sections come from `handbook_citations.CITATIONS` (data computed from the handbook by
scripts/handbook_citations.py); the base URL is the operator's `HANDBOOK_BASE_URL`. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services import mrkdwn as md
from services.handbook_citations import CITATIONS, PAGES

DEFAULT_BASE_URL = "https://posthog.com/handbook"

_ITEM = r"002(?:_[0-9a-f]{16}\.txt)?:\d+(?:\s*[-–]\s*\d+)?"
_MORE = rf"(?:\s*,\s*(?:{_ITEM}|\d{{3,5}}(?:\s*[-–]\s*\d+)?)(?![\d%]))"
_GROUP = rf"{_ITEM}{_MORE}*"
GROUP = re.compile(_GROUP)
_NUMBER = re.compile(r"(?:002(?:_[0-9a-f]{16}\.txt)?:)?(\d+)(?:\s*[-–]\s*\d+)?")
# What goes with a citation when it is taken out, tried in order.
_STRIP = [
    re.compile(rf"\s*\(\s*{_GROUP}\s*\)"),  # "... amount (002:4380)"
    re.compile(rf"(?<=\()\s*{_GROUP}\s*[,;]\s*"),  # "(002:8618-8620, spec A32)"
    re.compile(rf"\s*[·,;]\s*{_GROUP}"),  # "(renewal · 002:989; ...)", "(allocation, 002:2406)"
    re.compile(rf"\s*{_GROUP}"),  # "levels per handbook 002:11490-11507, 11404"
]


@dataclass(frozen=True)
class Section:
    """Where a citation points: a handbook page and the section the cited line is in."""

    line: int
    path: str  # page path under the base URL, e.g. growth/sales/contract-rules
    page: str  # the page's title, e.g. Contract rules
    anchor: str  # the section heading's anchor, "" when the line is above every heading
    heading: str

    def url(self, base_url: str = DEFAULT_BASE_URL) -> str:
        page = f"{base_url.rstrip('/')}/{self.path}"
        return f"{page}#{self.anchor}" if self.anchor else page


def section(line: int) -> Section | None:
    """The page and section of a line of 002: the section when the services cite it, else the page."""
    row = CITATIONS.get(line)
    if row:
        return Section(line, *row)
    page = max((p for p in PAGES if p[0] <= line), key=lambda p: p[0], default=None)
    return Section(line, page[1], page[2], "", "") if page else None  # not policy: a PAGES row (line, path, title)


def cited_lines(text: str) -> list[int]:
    """Every line cited in `text`, in order of appearance (`002:4413, 4415` is two)."""
    return [int(n.group(1)) for g in GROUP.finditer(text) for n in _NUMBER.finditer(g.group(0))]


def strip_citations(text: str) -> tuple[str, list[int]]:
    """`text` without its FILE:LINE citations (and the brackets or separators around them), and the lines."""
    lines = cited_lines(text)
    if not lines:
        return text, []
    for pattern in _STRIP:
        text = pattern.sub("", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"[ \t]+([.,;:)])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text, lines


def links(lines: list[int], base_url: str = DEFAULT_BASE_URL) -> str:
    """One mrkdwn link per handbook page, to the section of that page's first cited line."""
    seen: dict[str, Section] = {}
    for n in lines:
        s = section(n)
        if s and s.path not in seen:
            seen[s.path] = s
    return " · ".join(md.link(s.url(base_url), s.page) for s in seen.values())


def linkify(text: str, base_url: str = DEFAULT_BASE_URL, *, label: str = "Handbook: ") -> str:
    """mrkdwn `text` with its citations turned into one link per page at the end.

    On one line the links follow a ` · `; a text of several lines gets them on a line of their own."""
    body, lines = strip_citations(text)
    found = links(lines, base_url)
    if not found:
        return body
    sep = "\n" if "\n" in body.strip() else " · "
    return f"{body.rstrip()}{sep}{label}{found}" if body.strip() else f"{label}{found}"
