"""Every Block Kit builder's output, in every test, is checked against Slack's rules (issue 17).

Loaded by tests/conftest.py before any test module is imported, it wraps each public function of
every bot/<capability>/blocks.py so that whatever a builder returns to a test (the builders' own
fixtures, and everything the flows render on the way) goes through tests/framework/blockkit.py:
a stray `<` or `>` in mrkdwn, text over Slack's limits, entities in plain_text. A test that made a
builder return such a payload fails, naming the builder.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from tests.framework.blockkit import problems

BOT = Path(__file__).resolve().parents[2] / "bot"
_found: list[str] = []


def _check(name: str, out: Any) -> None:
    if isinstance(out, tuple):
        for part in out:
            _check(name, part)
        return
    if isinstance(out, list) and out and all(isinstance(x, list) for x in out):
        for part in out:
            _check(name, part)
        return
    if isinstance(out, (list, dict)):
        _found.extend(f"{name}: {p}" for p in problems(out, ""))


def _wrap(module_name: str) -> None:
    mod = importlib.import_module(module_name)
    for name, fn in list(vars(mod).items()):
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module_name:
            continue

        @functools.wraps(fn)
        def checked(*args: Any, __fn: Any = fn, __name: str = f"{module_name}.{name}", **kwargs: Any) -> Any:
            out = __fn(*args, **kwargs)
            _check(__name, out)
            return out

        setattr(mod, name, checked)


for path in sorted(BOT.glob("*/blocks.py")):
    _wrap(f"bot.{path.parent.name}.blocks")


@pytest.fixture(autouse=True)
def _builders_follow_slacks_rules() -> Any:
    _found.clear()
    yield
    if _found:
        found = list(dict.fromkeys(_found))
        _found.clear()
        pytest.fail("Block Kit builders returned what Slack would refuse or mangle:\n" + "\n".join(found[:20]))
