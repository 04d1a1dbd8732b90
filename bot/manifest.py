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


#: Bot scopes the Web API methods the bot writes with need (what the outbox can send). A method added
#: here, or a scope dropped from manifest.yml, fails tests/framework/test_manifest.py.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "files.uploadV2": ("files:write",),  # files.getUploadURLExternal + files.completeUploadExternal
    "conversations.history": ("channels:history", "groups:history"),  # reconciling an uncertain send
    "conversations.replies": ("channels:history", "groups:history"),
}


def missing_scopes(manifest: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Methods whose scopes manifest.yml does not grant, with the scopes missing."""
    granted = set((manifest or load_manifest())["oauth_config"]["scopes"]["bot"])
    out = {m: [s for s in scopes if s not in granted] for m, scopes in METHOD_SCOPES.items()}
    return {m: s for m, s in out.items() if s}


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(path.read_text())
