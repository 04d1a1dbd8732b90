"""What the app registers, read without running it, so the manifest can be checked
against the code (and the demo can list the commands)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


class _Recorder:
    """Stands in for a Bolt App during registration and notes what is registered."""

    def __init__(self) -> None:
        self.commands: set[str] = set()
        self.events: set[str] = set()
        self.actions: set[str] = set()
        self.views: set[str] = set()
        self.shortcuts: set[str] = set()

    @staticmethod
    def _decorator(*_: Any, **__: Any) -> Callable:
        def register(*args: Any, **kwargs: Any) -> Any:
            return args[0] if args else None

        return register

    def command(self, name: Any, *a: Any, **k: Any) -> Callable:
        self.commands.add(str(name))
        return self._decorator()

    def event(self, event: Any, *a: Any, **k: Any) -> Callable:
        self.events.add(event["type"] if isinstance(event, dict) else str(event))
        return self._decorator()

    def message(self, *a: Any, **k: Any) -> Callable:
        self.events.add("message")
        return self._decorator()

    def action(self, constraints: Any, *a: Any, **k: Any) -> Callable:
        self.actions.add(str(constraints))
        return self._decorator()

    def view(self, constraints: Any, *a: Any, **k: Any) -> Callable:
        self.views.add(str(constraints))
        return self._decorator()

    view_submission = view

    def shortcut(self, constraints: Any, *a: Any, **k: Any) -> Callable:
        self.shortcuts.add(str(constraints))
        return self._decorator()

    def options(self, *a: Any, **k: Any) -> Callable:
        return self._decorator()

    def use(self, *a: Any, **k: Any) -> None:
        pass

    middleware = use


def registered() -> _Recorder:
    from listeners import register_listeners

    rec = _Recorder()
    register_listeners(rec)  # type: ignore[arg-type]
    return rec


def registered_commands() -> list[str]:
    return sorted(registered().commands)


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(path.read_text())
