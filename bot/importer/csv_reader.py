"""Reads the flat CSV form of IMPORT.md §9 (team.csv, accounts.csv, series.csv) into the same raw
records the JSON reader makes, converting cells to their JSON form: `;` lists, JSON cells, whole
numbers and booleans. Empty cell = field absent; `NULL` (any case) = null."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.importer import schema
from bot.importer.conventions import SERIES, show
from bot.importer.issues import Issues
from bot.importer.json_reader import decode
from bot.importer.records import ParsedInput, RawRecord, RawSeriesRow, where_of

LIST_COLUMNS = (
    "segments", "paying_for", "products_used", "stripe_customer_ids", "slack_channel_ids", "risk_indicators",
    "billing_page_views",
)
JSON_COLUMNS = (
    "invoices", "notes", "flags", "contacts", "tickets", "destinations", "one_time_credits", "onboarding_checklist",
)
INT_COLUMNS = (
    "zendesk_org_id", "open_cross_sell_opps", "active_users_30d", "inapp_analysis_actions_30d", "managed_count",
    "leads_count", "credit.term_months",
)
BOOL_COLUMNS = (
    "is_team_lead", "out_of_office", "top40", "high_potential", "retained_by_tae", "nonprofit", "trial_revenue",
    "uptime_sla", "credit.startup_plan", "credit.yc_plan",
)
SERIES_COLUMNS = ("account_id", "series", "period", "value", "product", "billed", "label")


class CellError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _int_cell(text: str) -> int:
    stripped = text.strip()
    if stripped.lstrip("-").isdigit() and stripped.isascii():
        return int(stripped)
    raise CellError("E_FORMAT", f"{show(text)} is not a whole number; write 12")


def _bool_cell(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise CellError("E_FORMAT", f"{show(text)} is not true or false")


def _json_cell(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=lambda token: (_ for _ in ()).throw(ValueError(token)))
    except json.JSONDecodeError as exc:
        raise CellError("E_PARSE", f"not a valid JSON cell (column {exc.colno}): {exc.msg}") from None
    except (ValueError, RecursionError):
        raise CellError("E_PARSE", "not a valid JSON cell") from None


def _convert(column: str, text: str) -> Any:
    if column in INT_COLUMNS:
        return _int_cell(text)
    if column in BOOL_COLUMNS:
        return _bool_cell(text)
    if column in LIST_COLUMNS:
        return [item.strip() for item in text.split(";") if item.strip()]
    if column in JSON_COLUMNS:
        return _json_cell(text)
    return text.strip()


def _account_column_problem(column: str) -> tuple[str, str] | None:
    """None when `column` may appear in accounts.csv, else (code, message)."""
    if column in schema.ACCOUNT_FIELDS or column in JSON_COLUMNS:
        return None
    head, _, tail = column.partition(".")
    if head == "credit" and tail:
        if tail in schema.CREDIT_FIELDS:
            return None
        return "E_UNKNOWN_FIELD", schema.unknown_field_message(tail, list(schema.CREDIT_FIELDS), schema.CREDIT_HINTS)
    if head in schema.MAP_FIELDS and tail:
        return None  # the key itself is checked with the value
    if column in SERIES:
        return "E_UNKNOWN_FIELD", "time series are not allowed in accounts.csv; put them in series.csv"
    known = list(schema.ACCOUNT_FIELDS) + list(JSON_COLUMNS)
    return "E_UNKNOWN_FIELD", schema.unknown_field_message(column, known, schema.ACCOUNT_HINTS)


def read_csv(name: str, raw: bytes, issues: Issues) -> ParsedInput:
    parsed = ParsedInput()
    text = decode(name, raw, issues)
    if text is None:
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        issues.add(name, f"line {reader.line_num}", "", "E_PARSE", f"not valid CSV: {exc}")
        return parsed
    if not rows or not any(cell.strip() for cell in rows[0]):
        issues.add(name, "row 1", "", "E_SHAPE", "no header row; the first column must be slack_id, id or account_id")
        return parsed
    header = [cell.strip() for cell in rows[0]]
    first = header[0]
    if first == "slack_id":
        kind = "team"
    elif first == "id":
        kind = "accounts"
    elif first == "account_id" and len(header) > 1 and header[1] == "series":
        kind = "series"
    else:
        issues.add(
            name, "row 1", first, "E_SHAPE",
            "unrecognised CSV: the first column must be slack_id (team.csv), id (accounts.csv) "
            "or account_id,series (series.csv)",
        )
        return parsed
    header_ok = True
    seen: set[str] = set()
    for column in header:
        if column in seen:
            issues.add(name, "row 1", column, "E_DUPLICATE", "a column may appear only once")
            header_ok = False
        seen.add(column)
        problem: tuple[str, str] | None
        if kind == "team":
            problem = None if column in schema.MEMBER_FIELDS else (
                "E_UNKNOWN_FIELD",
                schema.unknown_field_message(column, list(schema.MEMBER_FIELDS), schema.MEMBER_HINTS),
            )
        elif kind == "accounts":
            problem = _account_column_problem(column)
        else:
            problem = None if column in SERIES_COLUMNS else (
                "E_UNKNOWN_FIELD", f"series.csv has the columns {', '.join(SERIES_COLUMNS)}"
            )
        if problem:
            issues.add(name, "row 1", column, *problem)
            header_ok = False
    if not header_ok:
        return parsed
    key_name = {"team": "slack_id", "accounts": "id", "series": "account_id"}[kind]
    for index, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = where_of(f"row {index}", key_name, {key_name: row[0].strip()} if row else {})
        if len(row) > len(header):
            issues.add(name, where, "", "E_PARSE", f"{len(row)} cells but the header has {len(header)} columns")
            continue
        data: dict[str, Any] = {}
        patches: dict[str, dict[str, Any]] = {}
        for column, cell in zip(header, row, strict=False):
            if cell.strip() == "":
                continue  # empty cell = field absent (IMPORT.md §9)
            try:
                value = None if cell.strip().upper() == "NULL" else _convert(column, cell)
            except CellError as exc:
                issues.add(name, where, column, exc.code, exc.message)
                continue
            head, _, tail = column.partition(".")
            if kind == "accounts" and head == "credit" and tail:
                credit = data.setdefault("credit", {})
                if isinstance(credit, dict):
                    credit[tail] = value
            elif kind == "accounts" and head in schema.MAP_FIELDS and tail:
                if value is not None and head == "user_region_counts":
                    try:
                        value = _int_cell(value)
                    except CellError as exc:
                        issues.add(name, where, column, exc.code, exc.message)
                        continue
                patches.setdefault(head, {})[tail] = value
            else:
                data[column] = value
        if kind == "series":
            parsed.series_rows.append(
                RawSeriesRow(
                    file=name, where=where, account_id=data.pop("account_id", None),
                    series=data.pop("series", None), data=data,
                )
            )
        else:
            record = RawRecord(file=name, where=where, data=data, map_patches=patches, csv=True)
            (parsed.members if kind == "team" else parsed.accounts).append(record)
    return parsed
