"""Reads the JSON document of IMPORT.md §3 into raw records; problems become E_PARSE / E_SHAPE."""

from __future__ import annotations

import json
from typing import Any

from bot.importer.conventions import FORMAT_NAME, show
from bot.importer.issues import Issues
from bot.importer.records import ParsedInput, RawRecord, where_of

TOP_LEVEL = ("format", "team", "accounts")


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


def parse_json_text(name: str, text: str, issues: Issues) -> Any:
    """The decoded value, or a sentinel `issues`-reported failure (returns `_FAILED`)."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        issues.add(name, f"line {exc.lineno}, column {exc.colno}", "", "E_PARSE", f"not valid JSON: {exc.msg}")
    except ValueError as exc:
        issues.add(name, "", "", "E_PARSE", f"not valid JSON: {exc}")
    except RecursionError:
        issues.add(name, "", "", "E_PARSE", "not valid JSON: nested too deeply")
    return _FAILED


_FAILED = object()


def read_json(name: str, raw: bytes, issues: Issues) -> ParsedInput:
    parsed = ParsedInput()
    text = decode(name, raw, issues)
    if text is None:
        return parsed
    doc = parse_json_text(name, text, issues)
    if doc is _FAILED:
        return parsed
    return read_document(name, doc, issues)


def read_document(name: str, doc: Any, issues: Issues) -> ParsedInput:
    """An already-decoded document (also what `import_document` and tests pass in)."""
    parsed = ParsedInput()
    if not isinstance(doc, dict):
        issues.add(name, "", "", "E_SHAPE", 'the top level must be an object: {"team": [...], "accounts": [...]}')
        return parsed
    for key in doc:
        if key not in TOP_LEVEL:
            issues.add(name, "", str(key), "E_UNKNOWN_FIELD", 'the document has only "format", "team" and "accounts"')
    if "format" in doc and doc["format"] != FORMAT_NAME:
        issues.add(name, "", "format", "E_ENUM", f'{show(doc["format"])}; allowed: {FORMAT_NAME} (or leave it out)')
    if "team" not in doc and "accounts" not in doc:
        issues.add(name, "", "", "E_SHAPE", 'give at least one of "team" or "accounts", e.g. {"team": [{"slack_id": ...}]}')
    for section, key_name, target in (("team", "slack_id", parsed.members), ("accounts", "id", parsed.accounts)):
        if section not in doc:
            continue
        items = doc[section]
        if not isinstance(items, list):
            issues.add(name, "", section, "E_SHAPE", f'"{section}" must be a list of objects: "{section}": [{{...}}]')
            continue
        for index, item in enumerate(items):
            prefix = f"{section}[{index}]"
            if not isinstance(item, dict):
                issues.add(name, prefix, "", "E_SHAPE", "each item must be an object {...}")
                continue
            target.append(RawRecord(file=name, where=where_of(prefix, key_name, item), data=item))
    return parsed
