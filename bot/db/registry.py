"""Import every table module so Base.metadata knows them all.

The framework's tables are the modules under bot/db; a capability's are `bot/<capability>/tables.py`.
Both are found by walking the packages, so nothing lists them by hand and the framework never
imports a capability by name."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import bot
import bot.db
from bot.db.base import Base

_SKIP = {"base", "session", "registry", "migrate", "migrations"}


def load_all_models() -> type[Base]:
    for mod in pkgutil.iter_modules(bot.db.__path__):
        if mod.name not in _SKIP:
            importlib.import_module(f"bot.db.{mod.name}")
    # Look for the file rather than ask find_spec, which would import every package under bot/ (the
    # demo, the fakes) just to learn it has no tables.
    for root in map(Path, bot.__path__):
        for tables in sorted(root.glob("*/tables.py")):
            importlib.import_module(f"bot.{tables.parent.name}.tables")
    return Base
