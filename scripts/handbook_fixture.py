"""Write the faithful handbook fixture: the pages the rules cite, from a handbook text export, as
markdown pages (run by hand, never at test time; re-run when rules are added).

    python scripts/handbook_fixture.py /path/to/002_59a801b964a2a19e.txt [OUT]

OUT (default tests/handbook_fixtures/faithful) gets `<page path>.md` for every page a rule of
`all_rules()` cites (its source and its `also` sources), replacing what was there. Each page is the
export's text of that page as markdown: a front matter with its title, the export's headings (as
services.rules.check reads them) as `##` lines, and every other line a block of its own (a tab-indented
line a `-` list item), markdown's own markers escaped, so each passage is the export's line.
tests/handbook_check/test_faithful.py checks that every rule matches there.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.rules.check import is_export_heading, parse_export  # noqa: E402
from services.rules.registry import all_rules  # noqa: E402

OUT = ROOT / "tests" / "handbook_fixtures" / "faithful"
# What markdown would read as structure at a line's start: headings, lists, quotes, fences, bold lines.
_MARKER = re.compile(r"^(#|>|[-*+] |\d+[.)] |```|~~~|\*\*)")


def _escape(text: str) -> str:
    m = _MARKER.match(text)
    if not m:
        return text
    marker = m.group(1)
    if marker[0].isdigit():  # "1. Volume" -> "1\. Volume"
        i = len(marker) - 2
        return text[:i] + "\\" + text[i:]
    return "\\" + text


def page_markdown(lines: list[str], start: int, end: int, title: str) -> str:
    """Lines [start, end) of the export (0-based) as one markdown page."""
    out = ["---", f"title: {title}", "---", ""]
    for i in range(start, end):
        raw = lines[i]
        text = raw.strip()
        if not text:
            continue
        if is_export_heading(lines, i):
            out += [f"## {text.replace(chr(92), '')}", ""]
        elif raw[0] in " \t":
            out += [f"- {_escape(text)}", ""]
        else:
            out += [_escape(text), ""]
    return "\n".join(out)


def main(export: Path, out: Path = OUT) -> None:
    text = export.read_text()
    lines = text.split("\n")
    pages = parse_export(text)
    wanted = sorted({s.page for r in all_rules() for s in (r.source, *r.extra)})
    if out.exists():
        shutil.rmtree(out)
    for path in wanted:
        page = pages.get(path)
        if page is None or page.span is None:
            print(f"{path}: not in the export (a rule cites a page the export does not have)", file=sys.stderr)
            continue
        first, last = page.span
        target = out / f"{path}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page_markdown(lines, first - 1, last, page.title))
        print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else OUT)
