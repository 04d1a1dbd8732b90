"""Imports point down: listeners and jobs -> bot -> services. Read from the source, not assumed.

`services` imports only `services`; a `bot/<capability>` imports services and the framework; the
framework (the rest of `bot/`) names no capability, reaching them only through registries
(listener registration, the job registry, demo extensions, string references). Capabilities do not
import each other, except home, which shows the other capabilities' state on one tab."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("bot", "services", "listeners", "jobs")
CAPABILITIES = {"quotes", "handover", "churn", "billing", "tickets", "incidents", "home"}
MAY_USE = {"home": {"churn", "billing", "handover"}}


def _layer(module: str) -> tuple[str, str | None]:
    parts = module.split(".")
    cap = parts[1] if len(parts) > 1 and parts[1] in CAPABILITIES else None
    if parts[0] == "jobs" and module != "jobs":
        cap = None
    return parts[0], cap


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in OURS:
                found += [(f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}") else node.module,
                           node.lineno) for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] in OURS]
    return found


def _allowed(src: str, dst: str) -> bool:
    (st, sc), (dt, dc) = _layer(src), _layer(dst)
    if sc and dc and sc != dc and dc not in MAY_USE.get(sc, set()):
        return False
    if st == "services":
        return dt == "services"
    if st == "bot" and sc is None:  # the framework
        return (dt == "bot" and dc is None) or (dt == "services" and dc is None) or dst in ("listeners", "jobs")
    if st == "bot":
        return dt in ("bot", "services")
    if st == "listeners":
        return dt in ("bot", "services") or (dt == "listeners" and (dc is not None or dst == "listeners"))
    return dt in ("bot", "services") or dst.split(".")[0] == "jobs" and len(dst.split(".")) <= 2


def test_every_import_points_down() -> None:
    wrong = []
    for top in OURS:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            module = ".".join(p for p in rel.parts if p != "__init__")
            for dst, line in _imports(path):
                if not _allowed(module, dst):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {dst}")
    assert not wrong, "imports that point the wrong way:\n" + "\n".join(wrong)


def test_no_root_module_carries_a_capability_name() -> None:
    names = {"quote", "discount", "handover", "churn", "billing", "ticket", "incident", "home",
             "credit", "payment"}
    roots = [ROOT / "bot", ROOT / "services", ROOT / "listeners"]
    offenders = [str(p.relative_to(ROOT)) for r in roots for p in r.glob("*.py")
                 if any(n in p.stem for n in names)]
    assert not offenders
