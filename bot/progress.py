"""Progress for long commands: a rich bar on a terminal, one line per stage otherwise.

`gtmbot accounts import`, `gtmbot sync vitally`, `gtmbot sync stripe` and `python -m bench` can run
for minutes. A person at a terminal gets a bar with a count, a rate and an estimate (rich, on
stderr); a log or CI (stderr not a terminal) gets one log line (logger `gtmbot.progress`, INFO)
when each stage ends, so it reads like the rest of the log and never mixes with a command's own
report lines; `--quiet` gets nothing. Stdout stays for the command's result, so scripts can still read it.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

log = logging.getLogger("gtmbot.progress")


class _RateColumn(ProgressColumn):
    """Items per second (rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")


class Stage:
    """One stage of a command (reading, validating, writing ...): advance it as items are done."""

    def __init__(self, reporter: Reporter, description: str, total: int | None) -> None:
        self.reporter, self.description, self.total = reporter, description, total
        self.done = 0
        self.started = time.perf_counter()
        self._task: TaskID | None = None

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        if self._task is not None and self.reporter.bar is not None:
            self.reporter.bar.update(self._task, advance=amount)

    def set_total(self, total: int) -> None:
        self.total = total
        if self._task is not None and self.reporter.bar is not None:
            self.reporter.bar.update(self._task, total=total)


class Reporter:
    """Progress of one command. `mode` is "bar" (a terminal), "lines" (not a terminal) or "quiet"."""

    def __init__(self, name: str, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.name = name
        self.stream = stream if stream is not None else sys.stderr
        is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.mode = "quiet" if quiet else ("bar" if is_tty else "lines")
        self.bar: Progress | None = None

    def __enter__(self) -> Reporter:
        if self.mode == "bar":
            self.bar = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
                TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def echo(self, line: str) -> None:
        """Print a line of the command's own output (stdout) without tearing the bar."""
        if self.bar is not None and sys.stdout.isatty():
            self.bar.console.print(line.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stdout.write(line)
            sys.stdout.flush()

    @contextmanager
    def stage(self, description: str, total: int | None = None) -> Iterator[Stage]:
        stage = Stage(self, f"{self.name}: {description}", total)
        if self.bar is not None:
            stage._task = self.bar.add_task(stage.description, total=total)
        try:
            yield stage
        finally:
            self._finish(stage)

    def _finish(self, stage: Stage) -> None:
        elapsed = time.perf_counter() - stage.started
        rate = f"{stage.done / elapsed:,.0f}/s" if elapsed > 0 and stage.done else ""
        if self.bar is not None and stage._task is not None:
            self.bar.update(stage._task, total=stage.total if stage.total is not None else stage.done)
        elif self.mode == "lines":
            count = f"{stage.done:,}" + (f"/{stage.total:,}" if stage.total is not None else "")
            line = f"{stage.description}: {count} in {elapsed:.1f} s" + (f" ({rate})" if rate else "")
            if log.hasHandlers():
                log.info("%s", line)
            else:  # a script that configured no logging still gets its line
                self.stream.write(line + "\n")
                self.stream.flush()


QUIET = Reporter("quiet", quiet=True)  # the default for library callers: stages are counted, nothing shown
