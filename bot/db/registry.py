"""Import every table module so Base.metadata knows them all.

The framework's tables are the modules under bot/db; a capability's are `bot/<capability>/tables.py`.
Both are found by walking the packages, so nothing lists them by hand and the framework never
imports a capability by name."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import bot
import bot.db
from bot.db.base import Base

_SKIP = {"base", "session", "registry", "migrate", "migrations"}


def load_all_models() -> type[Base]:
    for mod in pkgutil.iter_modules(bot.db.__path__):
        if mod.name not in _SKIP:
            importlib.import_module(f"bot.db.{mod.name}")
    for pkg in pkgutil.iter_modules(bot.__path__):
        if pkg.ispkg and importlib.util.find_spec(f"bot.{pkg.name}.tables") is not None:
            importlib.import_module(f"bot.{pkg.name}.tables")
    return Base
