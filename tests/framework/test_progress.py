"""Progress for long commands: a bar on a terminal, a log line per stage otherwise, nothing when quiet."""

from __future__ import annotations

import io
import logging

from bot.progress import Reporter


class Terminal(io.StringIO):
    """What rich sees as a terminal: a stream that says it is a tty."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_the_count():
    screen = Terminal()
    with Reporter("import", stream=screen) as bar, bar.stage("validate", total=3) as stage:
        for _ in range(3):
            stage.advance()
    shown = screen.getvalue()
    assert bar.mode == "bar"
    assert "import: validate" in shown and "3/3" in shown


def test_a_pipe_gets_one_log_line_per_stage(caplog):
    pipe = io.StringIO()
    with caplog.at_level(logging.INFO, logger="gtmbot.progress"):
        with Reporter("import", stream=pipe) as bar:
            with bar.stage("read 1 file(s)", total=1) as stage:
                stage.advance()
            with bar.stage("validate", total=2) as stage:
                stage.advance(2)
    lines = [r.getMessage() for r in caplog.records if r.name == "gtmbot.progress"]
    assert [line.split(" in ")[0] for line in lines] == ["import: read 1 file(s): 1/1", "import: validate: 2/2"]
    assert pipe.getvalue() == ""  # no control codes in a log or a CI transcript


def test_quiet_says_nothing(caplog):
    screen = Terminal()
    with caplog.at_level(logging.INFO, logger="gtmbot.progress"):
        with Reporter("sync", quiet=True, stream=screen) as bar, bar.stage("accounts") as stage:
            stage.advance(10)
    assert screen.getvalue() == "" and not [r for r in caplog.records if r.name == "gtmbot.progress"]
