"""What the readers hand the validator: records still in their JSON form, each with the file and
place it came from, so every error line can name them (IMPORT.md §10)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawRecord:
    """A team member or account as read. `map_patches` carries CSV `user_region_counts.<KEY>` /
    `billing_limits.<product>` cells, which change one key each (None = remove that key)."""

    file: str
    where: str
    data: dict[str, Any]
    map_patches: dict[str, dict[str, Any]] = field(default_factory=dict)
    csv: bool = False


@dataclass
class RawSeriesRow:
    """One `series.csv` row (IMPORT.md §9)."""

    file: str
    where: str
    account_id: Any
    series: Any
    data: dict[str, Any]


@dataclass
class ParsedInput:
    members: list[RawRecord] = field(default_factory=list)
    accounts: list[RawRecord] = field(default_factory=list)
    series_rows: list[RawSeriesRow] = field(default_factory=list)

    def extend(self, other: ParsedInput) -> None:
        self.members.extend(other.members)
        self.accounts.extend(other.accounts)
        self.series_rows.extend(other.series_rows)


def where_of(prefix: str, key_name: str, data: Any) -> str:
    """`accounts[1] (id "0190-fjord")` or `row 7 (id "0191-ember")`; the key only when it is text."""
    if isinstance(data, dict):
        key = data.get(key_name)
        if isinstance(key, str | int) and not isinstance(key, bool) and str(key):
            return f'{prefix} ({key_name} "{key}")'
    return prefix
