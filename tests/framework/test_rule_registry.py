"""Every policy number in services/ is a rule in the registry (services/rules), with its handbook source.

A number written anywhere else in services/ fails here, unless it is not policy at all (a unit, a
Slack or format limit, an index) and its line says so with a `# not policy: why` comment."""

from __future__ import annotations

import ast
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from services.rules import AREAS, all_rules

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
# Not code that holds policy: the registry itself, and generated citation data.
SKIP = {SERVICES / "rules", SERVICES / "handbook_citations.py"}
# Numbers that are arithmetic, never policy.
TRIVIAL = {Decimal(0), Decimal(1), Decimal(-1), Decimal(100)}
MARK = re.compile(r"#\s*not policy\b")

# Files still being moved onto the registry. Each entry removed as its numbers become rules;
# the list ends empty.
PENDING: set[str] = set()


def _number(node: ast.AST) -> Decimal | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return Decimal(str(node.value))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Decimal"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        try:
            return Decimal(node.args[0].value)
        except InvalidOperation:
            return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return -inner if inner is not None else None
    return None


def _bare_numbers(path: Path) -> list[tuple[int, str]]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []

    def marked(node: ast.AST) -> bool:
        first, last = node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno
        return any(MARK.search(lines[i - 1]) for i in range(first, last + 1))

    def visit(node: ast.AST, stmt: ast.AST | None) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("rule", "cite"):
            return  # a declaration (the registry), or a handbook line citation
        if isinstance(node, ast.stmt):
            stmt = node
        # docstrings and other bare string expressions hold no numbers we read
        value = _number(node)
        if value is not None:
            if value not in TRIVIAL and not marked(node) and not (stmt is not None and marked_line(stmt)):
                found.append((node.lineno, ast.get_source_segment(source, node) or str(value)))
            return
        for child in ast.iter_child_nodes(node):
            visit(child, stmt)

    def marked_line(stmt: ast.AST) -> bool:
        return bool(MARK.search(lines[stmt.lineno - 1]))

    visit(tree, None)
    return found


def _service_files() -> list[Path]:
    return sorted(p for p in SERVICES.rglob("*.py")
                  if not any(p == s or s in p.parents for s in SKIP))


@pytest.mark.parametrize("path", _service_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_bare_policy_number_outside_the_registry(path: Path):
    rel = str(path.relative_to(ROOT))
    bare = _bare_numbers(path)
    if rel in PENDING:
        pytest.skip("not yet on the registry")
    assert not bare, (f"{rel}: numbers outside the rule registry (declare them with rule(...), or mark a"
                      f" non-policy number `# not policy: why`): {bare[:10]}")


def test_pending_list_only_names_files_that_still_need_it():
    for rel in PENDING:
        assert _bare_numbers(ROOT / rel), f"{rel} has no bare numbers left: remove it from PENDING"


def test_every_rule_names_its_page_section_and_passage():
    rules = all_rules()
    assert {r.area for r in rules} <= set(AREAS)
    for r in rules:
        assert r.source.page and "/" in r.source.page and not r.source.page.startswith("/"), r.id
        assert r.source.section.strip(), r.id
        assert 2 <= len(r.source.locator) <= 80, (r.id, "a few words that find the passage, not a copy")
        assert r.numbers, (r.id, "the numbers the passage states (numbers=...)")
