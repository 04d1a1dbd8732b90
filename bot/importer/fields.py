"""Stage 1 of validation: each record on its own (IMPORT.md §2-§7), through the pydantic models of
`schema`; no database. Produces clean records holding Python values, or §10 error lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from bot.importer import conventions as c
from bot.importer import schema
from bot.importer.csv_reader import _int_cell
from bot.importer.issues import Issues
from bot.importer.records import RawRecord, RawSeriesRow

ABSENT: Any = object()  # a field the import does not mention: stored value unchanged (§11)


@dataclass
class CleanChild:
    """A nested row (invoice, note, ...): `loc` is its path (`invoices[1]`), `data` the given fields."""

    loc: str
    data: dict[str, Any]


@dataclass
class CleanSeriesRow:
    file: str
    where: str
    loc: str  # field prefix for errors: "mrr_history[2]." in JSON, "" in series.csv
    account_id: str
    series: str
    period: str
    period_start: date
    granularity: str  # month | day | week
    product: str
    value: Decimal | int | None
    billed: Decimal | None
    label: str | None


@dataclass
class CleanMember:
    file: str
    where: str
    slack_id: str
    fields: dict[str, Any]


@dataclass
class CleanAccount:
    file: str
    where: str
    id: str
    fields: dict[str, Any]
    map_patches: dict[str, dict[str, Any]] = field(default_factory=dict)
    credit: Any = ABSENT  # ABSENT, None (clear the object) or a dict of given credit fields
    children: dict[str, list[CleanChild]] = field(default_factory=dict)
    series: list[CleanSeriesRow] = field(default_factory=list)


def _path(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _issue(loc: tuple[Any, ...], error: Any, top: type[schema.Record]) -> tuple[str, str, str]:
    """(field path, §10 code, message) for one pydantic error inside a `top` record."""
    kind, code = loc[0], error["type"]
    if code.startswith("E_"):  # a conventions parser spoke (or a required field is null)
        message = error["ctx"]["message"] or f"{loc[-1]} is required and may not be null"
        return _path(loc) + error["ctx"]["subpath"], code, message
    if code == "extra_forbidden":
        model = top if len(loc) == 1 else schema.Credit if kind == "credit" else schema.CHILDREN[kind]
        return _path(loc), "E_UNKNOWN_FIELD", schema.unknown_field_message(str(loc[-1]), list(model.model_fields), model.HINTS)
    if code == "missing":
        return _path(loc), "E_REQUIRED", f"{loc[-1]} is required in every {kind} row"
    if kind == "credit":
        return "credit", "E_TYPE", 'credit must be an object: {"amount": "60000.00", ...} or null'
    if len(loc) == 1 and kind in c.SERIES:
        return kind, "E_TYPE", f'"{kind}" must be a list of rows: [{{"period": ..., "value": ...}}]'
    if len(loc) == 1:
        return kind, "E_TYPE", f'"{kind}" must be a list of objects: "{kind}": [{{...}}]'
    return _path(loc[:2]), "E_SHAPE", f"each {'row' if kind in c.SERIES else 'item'} must be an object {{...}}"


def _validate(model: type[schema.Record], raw: RawRecord, issues: Issues) -> schema.Record | None:
    try:
        return model.model_validate(raw.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            issues.add(raw.file, raw.where, *_issue(error["loc"], error, model))
        return None


def check_member(raw: RawRecord, issues: Issues) -> CleanMember | None:
    if raw.data.get("slack_id") is None:
        issues.add(raw.file, raw.where, "slack_id", "E_REQUIRED", 'every team member needs "slack_id", e.g. "U0TAE01"')
        return None
    member = _validate(schema.Member, raw, issues)
    if member is None:
        return None
    fields = member.given()
    return CleanMember(raw.file, raw.where, fields.pop("slack_id"), fields)


def check_account(raw: RawRecord, issues: Issues) -> CleanAccount | None:
    data, file, where = raw.data, raw.file, raw.where
    if data.get("id") is None:
        issues.add(file, where, "id", "E_REQUIRED", 'every account needs "id", e.g. "0189-acme"')
        return None
    model = _validate(schema.Account, raw, issues)
    ok = model is not None
    given = model.given() if model is not None else {}
    fields = {name: value for name, value in given.items() if name not in schema.NESTED}
    account = CleanAccount(file, where, fields.pop("id", ""), fields)
    if "credit" in given:
        account.credit = None if model.credit is None else model.credit.given()  # type: ignore[union-attr]
    for kind in schema.CHILDREN:
        if kind in given:
            account.children[kind] = [CleanChild(f"{kind}[{i}]", row.given()) for i, row in enumerate(given[kind])]

    for map_name, patch in raw.map_patches.items():
        parsed_patch: dict[str, Any] = {}
        for key, value in patch.items():
            try:
                region = map_name == "user_region_counts"
                parsed_key = c.enum(c.REGION_COUNT_KEYS)(key) if region else c.product(key)  # the key first
                parsed_patch[parsed_key] = None if value is None else (c.integer() if region else c.money_text)(value)
            except c.FieldError as exc:
                issues.add(file, where, f"{map_name}.{key}", exc.code, exc.message)
                ok = False
        account.map_patches[map_name] = parsed_patch

    # Series rows depend on each other (granularity), so they are checked here, also when the model failed.
    for series in c.SERIES:
        items = data.get(series)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                loc = f"{series}[{index}]."
                row = check_series_values(file, where, loc, account.id, series, item, issues, csv=False)
                ok = ok and row is not None
                if row is not None:
                    account.series.append(row)
    return account if ok else None


def check_series_values(
    file: str, where: str, loc: str, account_id: str, series: str, item: dict[str, Any], issues: Issues, *, csv: bool
) -> CleanSeriesRow | None:
    """One time-series row (IMPORT.md §6 table of series) through its `schema.SERIES_ROWS` model."""
    model = schema.SERIES_ROWS[series]
    if None in item.values() or "" in item.values():  # empty = absent, unless not a field at all
        item = {n: v for n, v in item.items() if (v is not None and v != "") or n not in model.model_fields}
    ok = True
    if csv and series == "events_weekly" and isinstance(item.get("value"), str):
        try:
            item["value"] = _int_cell(item["value"])
        except Exception:
            issues.add(file, where, f"{loc}value", "E_FORMAT", f"{c.show(item['value'])} is not a whole number")
            ok, item["value"] = False, 0  # reported; a stand-in so it is not also "missing"
    row = None
    try:
        row = model.model_validate(item)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            name, code = str(error["loc"][0]), error["type"]
            if code == "extra_forbidden" and csv:
                issues.add(file, where, name, "E_CONFLICT", f"{series} rows do not use {name}; leave the cell empty")
            elif code == "extra_forbidden":
                issues.add(file, where, f"{loc}{name}", "E_UNKNOWN_FIELD", f"{series} rows have {', '.join(model.model_fields)}")
            elif code == "missing":
                message = f"{name} is required in every {series} row, e.g. {model.EXAMPLES[name]}"
                issues.add(file, where, f"{loc}{name}", "E_REQUIRED", message)
            else:
                issues.add(file, where, f"{loc}{name}{error['ctx']['subpath']}", code, error["ctx"]["message"])
    period = item.get("period")
    day = series == "usage" and isinstance(period, str) and bool(c.DATE_RE.match(period))
    if day and "billed" in item:
        issues.add(file, where, f"{loc}billed", "E_CONFLICT", "billed is for month rows only; this is a day row")
        ok = False
    if not ok or row is None:
        return None
    return CleanSeriesRow(
        file=file, where=where, loc=loc, account_id=account_id, series=series, period=str(period),
        period_start=row.period, granularity="day" if day else "month" if series in ("mrr_history", "usage") else "week",
        product=row.__dict__.get("product", ""), value=row.value, billed=row.__dict__.get("billed"),
        label=row.__dict__.get("label"),
    )


def check_series_csv_row(raw: RawSeriesRow, issues: Issues) -> CleanSeriesRow | None:
    ok = True
    account_id = None
    if raw.account_id is None:
        issues.add(raw.file, raw.where, "account_id", "E_REQUIRED", "every series.csv row names its account_id")
        ok = False
    else:
        try:
            account_id = c.account_id(raw.account_id)
        except c.FieldError as exc:
            issues.add(raw.file, raw.where, "account_id", exc.code, exc.message)
            ok = False
    if raw.series is None:
        issues.add(raw.file, raw.where, "series", "E_REQUIRED", f"series is one of {', '.join(c.SERIES)}")
        return None
    if raw.series not in c.SERIES:
        issues.add(raw.file, raw.where, "series", "E_ENUM", f"{c.show(raw.series)}; allowed: {', '.join(c.SERIES)}")
        return None
    row = check_series_values(raw.file, raw.where, "", account_id or "", raw.series, raw.data, issues, csv=True)
    return row if ok else None
