"""Reads the JSON document of IMPORT.md §3 into raw records; problems become E_PARSE / E_SHAPE."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from bot.importer import schema
from bot.importer.issues import Issues
from bot.importer.records import ParsedInput, RawRecord, where_of


def decode(name: str, raw: bytes, issues: Issues) -> str | None:
    """UTF-8 text (a BOM is ignored), or None after an E_PARSE naming the line and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        issues.add(name, f"line {line}, column {column}", "", "E_PARSE", "not UTF-8 text; save the file as UTF-8")
        return None


def _no_constants(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


def read_json(name: str, raw: bytes, issues: Issues) -> ParsedInput:
    text = decode(name, raw, issues)
    if text is None:
        return ParsedInput()
    try:
        doc = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        issues.add(name, f"line {exc.lineno}, column {exc.colno}", "", "E_PARSE", f"not valid JSON: {exc.msg}")
    except ValueError as exc:
        issues.add(name, "", "", "E_PARSE", f"not valid JSON: {exc}")
    except RecursionError:
        issues.add(name, "", "", "E_PARSE", "not valid JSON: nested too deeply")
    else:
        return read_document(name, doc, issues)
    return ParsedInput()


def _document_issue(error: Any) -> tuple[str, str, str, str]:
    """(where, field, code, message) for a pydantic error of `schema.Document`."""
    loc, code = error["loc"], error["type"]
    if not loc:
        return "", "", "E_SHAPE", 'the top level must be an object: {"team": [...], "accounts": [...]}'
    if code == "extra_forbidden":
        return "", str(loc[0]), "E_UNKNOWN_FIELD", 'the document has only "format", "team" and "accounts"'
    if code == "E_ENUM":
        return "", "format", code, error["ctx"]["message"]
    if len(loc) == 1:
        return "", loc[0], "E_SHAPE", f'"{loc[0]}" must be a list of objects: "{loc[0]}": [{{...}}]'
    return f"{loc[0]}[{loc[1]}]", "", "E_SHAPE", "each item must be an object {...}"


def read_document(name: str, doc: Any, issues: Issues) -> ParsedInput:
    """An already-decoded document (also what `import_document` and tests pass in)."""
    parsed = ParsedInput()
    try:
        schema.Document.model_validate(doc)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            issues.add(name, *_document_issue(error))
    if not isinstance(doc, dict):
        return parsed
    if "team" not in doc and "accounts" not in doc:
        issues.add(name, "", "", "E_SHAPE", 'give at least one of "team" or "accounts", e.g. {"team": [{"slack_id": ...}]}')
    for section, key_name, target in (("team", "slack_id", parsed.members), ("accounts", "id", parsed.accounts)):
        items = doc.get(section)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                target.append(RawRecord(file=name, where=where_of(f"{section}[{index}]", key_name, item), data=item))
    return parsed
