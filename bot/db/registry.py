"""Import every table module under bot/db so Base.metadata knows them all.

Capabilities add `bot/db/<capability>.py`; nothing needs to list them by hand."""

from __future__ import annotations

import importlib
import pkgutil

import bot.db
from bot.db.base import Base

_SKIP = {"base", "session", "registry", "migrate", "migrations"}


def load_all_models() -> type[Base]:
    for mod in pkgutil.iter_modules(bot.db.__path__):
        if mod.name not in _SKIP:
            importlib.import_module(f"bot.db.{mod.name}")
    return Base
