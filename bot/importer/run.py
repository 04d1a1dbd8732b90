"""`gtmbot accounts import`: read every file, validate everything, then write in ONE transaction
(IMPORT.md §1). Exit 0 imported (or a clean dry run), 1 rejected with nothing written, 2 bad
arguments or an unreadable file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import clock
from bot.importer.csv_reader import read_csv
from bot.importer.issues import Issues
from bot.importer.json_reader import read_document, read_json
from bot.importer.records import ParsedInput
from bot.importer.validate import validate
from bot.importer.writer import WriteCounts, write_plan
from bot.progress import Reporter

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
USAGE = (
    "usage: gtmbot accounts import FILE.json\n"
    "       gtmbot accounts import [team.csv] [accounts.csv] [series.csv]   (1-3 files, any order)\n"
    "       options: --dry-run (validate only), --replace-series (given series replace stored ones)\n"
    "example: gtmbot accounts import examples/accounts.example.json --dry-run"
)


class ImportRejected(Exception):
    """`import_document` found errors; `lines` are the §10 error lines."""

    def __init__(self, issues: Issues) -> None:
        self.lines = issues.lines()
        self.count = len(issues)
        super().__init__(f"import rejected: {self.count} errors\n" + "\n".join(self.lines))


@dataclass(frozen=True)
class ImportResult:
    members_created: int
    members_updated: int
    accounts_created: int
    accounts_updated: int
    series_rows: int
    summary: str


def _resolve_now(today: date | None, now: datetime | None) -> tuple[date, datetime]:
    if now is None:
        now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) if today is not None else clock.now()
    return (today if today is not None else now.astimezone(UTC).date()), now


def _sniff_is_json(path: Path, raw: bytes) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix == ".csv":
        return False
    return raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def read_paths(paths: list[Path], issues: Issues, stderr: TextIO) -> ParsedInput | None:
    """Parse every file; None (after a message) when the arguments themselves are wrong."""
    if not paths:
        print("gtmbot accounts import: give at least one file\n" + USAGE, file=stderr)
        return None
    blobs: list[tuple[Path, bytes]] = []
    for path in paths:
        try:
            blobs.append((Path(path), Path(path).read_bytes()))
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            print(f"gtmbot accounts import: cannot read {path}: {reason}\n" + USAGE, file=stderr)
            return None
    kinds = [_sniff_is_json(p, raw) for p, raw in blobs]
    if any(kinds) and len(blobs) > 1:
        print("gtmbot accounts import: a JSON file is imported on its own; CSV files come 1-3 at a time\n" + USAGE, file=stderr)
        return None
    if len(blobs) > 3:
        print("gtmbot accounts import: at most 3 CSV files (team.csv, accounts.csv, series.csv)\n" + USAGE, file=stderr)
        return None
    parsed = ParsedInput()
    csv_kinds: dict[str, str] = {}
    for (path, raw), is_json in zip(blobs, kinds, strict=True):
        name = path.name
        if is_json:
            parsed.extend(read_json(name, raw, issues))
            continue
        part = read_csv(name, raw, issues)
        kind = "team" if part.members else "accounts" if part.accounts else "series" if part.series_rows else None
        if kind and kind in csv_kinds:
            print(f"gtmbot accounts import: {name} and {csv_kinds[kind]} are both {kind} files; give one of each\n" + USAGE, file=stderr)
            return None
        if kind:
            csv_kinds[kind] = name
        parsed.extend(part)
    return parsed


def run_import(
    paths: list[Path],
    *,
    session_factory: Callable[[], Session],
    dry_run: bool = False,
    replace_series: bool = False,
    stderr: TextIO = sys.stderr,
    stdout: TextIO = sys.stdout,
    today: date | None = None,
    now: datetime | None = None,
    progress: bool = False,
) -> int:
    """Import IMPORT.md files. Validation and writing share one transaction: all or nothing.
    With `progress`, each stage (read, validate, write) shows a bar on a terminal or a line on stderr."""
    today, now = _resolve_now(today, now)
    issues = Issues()
    with Reporter("import", quiet=not progress, stream=stderr) as bar:
        with bar.stage(f"read {len(paths)} file(s)", total=len(paths)) as stage:
            parsed = read_paths(list(paths), issues, stderr)
            stage.advance(len(paths))
        if parsed is None:
            return EXIT_USAGE
        try:
            with session_factory() as session:
                transaction = session.begin()
                try:
                    with bar.stage("validate", total=len(parsed.members) + len(parsed.accounts)) as stage:
                        plan = validate(parsed, session, issues, replace_series=replace_series, tick=stage.advance)
                    if issues:
                        transaction.rollback()
                        return _rejected(issues, stderr)
                    with bar.stage("write", total=len(plan.members) + len(plan.accounts)) as stage:
                        counts = write_plan(plan, session, today=today, now=now, replace_series=replace_series)
                        stage.advance(len(plan.members) + len(plan.accounts))
                    if dry_run:
                        transaction.rollback()
                        print(f"dry run: {counts.summary()} would be imported; nothing was written", file=stdout)
                        return EXIT_OK
                    transaction.commit()
                except BaseException:
                    if transaction.is_active:
                        transaction.rollback()
                    raise
        except SQLAlchemyError as exc:
            detail = str(exc.orig if getattr(exc, "orig", None) is not None else exc).splitlines()[0]
            print(f"database error: {detail}", file=stderr)
            print("import rejected: 1 errors; nothing was written", file=stderr)
            return EXIT_REJECTED
    print(f"imported {counts.summary()}", file=stdout)
    return EXIT_OK


def _rejected(issues: Issues, stderr: TextIO) -> int:
    for line in issues.lines():
        print(line, file=stderr)
    print(f"import rejected: {len(issues)} errors; nothing was written", file=stderr)
    return EXIT_REJECTED


def import_document(
    doc: dict[str, Any],
    session: Session,
    *,
    name: str = "document",
    replace_series: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Validate and write one JSON document into `session` (flushed; the caller commits).

    Raises `ImportRejected` with the §10 error lines, having written nothing.
    """
    today, now = _resolve_now(today, now)
    issues = Issues()
    parsed = read_document(name, doc, issues)
    plan = validate(parsed, session, issues, replace_series=replace_series)
    if issues:
        raise ImportRejected(issues)
    counts: WriteCounts = write_plan(plan, session, today=today, now=now, replace_series=replace_series)
    return ImportResult(
        counts.members_created, counts.members_updated, counts.accounts_created, counts.accounts_updated,
        counts.series_rows, counts.summary(),
    )
