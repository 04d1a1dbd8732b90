"""Validation errors in the one-line form of IMPORT.md §10:
`<file>: <where>: <field>: <CODE>: <message>`."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REPORTED = 200  # IMPORT.md §10: "up to 200, then '… and N more'"
# Every character str.splitlines() breaks on, as its escape sequence.
_LINE_BREAKS = {ord(c): c.encode("unicode_escape").decode() for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


@dataclass(frozen=True)
class Issue:
    file: str
    where: str
    field: str
    code: str
    message: str

    def line(self) -> str:
        parts = [self.file, self.where, self.field, self.code, self.message]
        # One error, one line: a line break inside a field name or a quoted value is shown escaped.
        return ": ".join(p for p in parts if p).translate(_LINE_BREAKS)


@dataclass
class Issues:
    """Every problem found; the import writes nothing unless this stays empty."""

    items: list[Issue] = field(default_factory=list)

    def add(self, file: str, where: str, field_name: str, code: str, message: str) -> None:
        self.items.append(Issue(file, where, field_name, code, message))

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def lines(self, limit: int = MAX_REPORTED) -> list[str]:
        out = [issue.line() for issue in self.items[:limit]]
        if len(self.items) > limit:
            out.append(f"… and {len(self.items) - limit} more")
        return out
