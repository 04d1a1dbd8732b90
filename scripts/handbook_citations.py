"""Regenerate services/handbook_citations.py from a copy of the handbook (run by hand, never at run time).

    python scripts/handbook_citations.py /path/to/handbook > services/handbook_citations.py

Every `002_...txt:LINE` / `002:LINE` citation in services/ and bot/ is resolved to its page (the
numbered page title; the URL from the page's own `Source:` line, or for a page without one the
sibling pages' folder plus the title as a slug) and the nearest heading above the line (a short
line standing alone between blank lines, or one of the page's "At a Glance" entries), whose anchor
is the heading as the handbook site slugs it (lower case, punctuation dropped, spaces to `-`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILE = "002_59a801b964a2a19e.txt"
CITE = re.compile(r"\b002(?:_[0-9a-f]{16}\.txt)?:(\d+)(?:\s*[-–]\s*(\d+))?((?:\s*,\s*\d+(?:\s*[-–]\s*\d+)?)*)")
HELPER = re.compile(r"\bcite\(([^)]*)\)")
PAGE = re.compile(r"^ {1,3}\d+\. (\S.*)$")
SOURCE = re.compile(r"Source: https://posthog\.com/handbook/(\S+)")


def slug(text: str) -> str:
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def cited_lines() -> list[int]:
    found: set[int] = set()
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("bot/**/*.py")]:
        if path.name == "handbook_citations.py":
            continue
        for m in CITE.finditer(path.read_text()):
            found.add(int(m.group(1)))
            for extra in re.findall(r"\d+", m.group(3) or ""):
                found.add(int(extra))
        for m in HELPER.finditer(path.read_text()):  # cite("2263", "2267"), cite(4380, 4382), cite("8618-8620")
            found.update(int(n) for n in re.findall(r"\b(\d{3,5})(?:-\d+)?\b", m.group(1)))
    return sorted(found)


def is_heading(lines: list[str], i: int) -> bool:
    line = lines[i]
    text = line.strip()
    if not text or line[0] in " \t" or len(text) > 160 or len(text) < 3:
        return False
    if text.endswith((".", ":", ",", ";", "?", "!")) or ":" in text or text.startswith(("-", "•", "*", "|", "$")):
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    before = lines[i - 1].strip() if i > 0 else ""
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return before == "" and after == "" and text != "---"


def main(handbook: Path) -> None:
    lines = (handbook / FILE).read_text().split("\n")
    pages: list[tuple[int, str, str]] = []  # (first line, title, path)
    folder = "growth/sales"
    for i, line in enumerate(lines):
        m = PAGE.match(line)
        if not m:
            continue
        title = m.group(1).strip()
        path = None
        for j in range(i + 1, min(i + 6, len(lines))):
            s = SOURCE.search(lines[j])
            if s:
                path = s.group(1).strip().rstrip("/")
                folder = path.rsplit("/", 1)[0]
                break
        pages.append((i + 1, title, path or f"{folder}/{slug(title)}"))
    out = ['"""Every handbook citation the services make, resolved to a page and a section (generated data).',
           "",
           "Made by scripts/handbook_citations.py from the handbook copy; nothing reads the handbook at run time.",
           'CITATIONS: line in 002_59a801b964a2a19e.txt -> (page path, page title, section anchor, section title).',
           'PAGES: (first line, page path, page title) for every page of the file, for a line not in CITATIONS."""',
           "",
           "PAGES: list[tuple[int, str, str]] = ["]
    out += [f"    ({first}, {path!r}, {title!r})," for first, title, path in pages]
    out += ["]", "", "CITATIONS: dict[int, tuple[str, str, str, str]] = {"]
    for n in cited_lines():
        page = max((p for p in pages if p[0] <= n), key=lambda p: p[0])
        heading = ""
        for i in range(n - 1, page[0], -1):
            if is_heading(lines, i):
                heading = lines[i].strip().replace("\\", "")
                break
        anchor = slug(heading) if heading else ""
        out.append(f"    {n}: ({page[2]!r}, {page[1]!r}, {anchor!r}, {heading!r}),")
    out.append("}")
    print("\n".join(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
