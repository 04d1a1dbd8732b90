"""Stage 1 of validation: each record on its own (IMPORT.md §2-§7). Field types, enums, unknown
and replaced names, required keys; no database. Produces clean records holding Python values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

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


def _parse_fields(
    data: dict[str, Any],
    spec: dict[str, schema.Field],
    hints: dict[str, str],
    issues: Issues,
    file: str,
    where: str,
    prefix: str = "",
    *,
    skip: tuple[str, ...] = (),
) -> tuple[dict[str, Any], bool]:
    """Parse the fields of one object; returns (clean values, ok). None values stay None (clear)."""
    out: dict[str, Any] = {}
    ok = True
    for name, value in data.items():
        if name in skip:
            continue
        if not isinstance(name, str) or name not in spec:
            issues.add(file, where, f"{prefix}{name}", "E_UNKNOWN_FIELD", schema.unknown_field_message(str(name), list(spec), hints))
            ok = False
            continue
        if value is None:
            if spec[name].required:
                issues.add(file, where, f"{prefix}{name}", "E_REQUIRED", f"{name} is required and may not be null")
                ok = False
            else:
                out[name] = None
            continue
        try:
            out[name] = spec[name].parser(value)
        except c.FieldError as exc:
            issues.add(file, where, f"{prefix}{name}{exc.subpath}", exc.code, exc.message)
            ok = False
    return out, ok


def check_member(raw: RawRecord, issues: Issues) -> CleanMember | None:
    data = raw.data
    if data.get("slack_id") is None:
        issues.add(raw.file, raw.where, "slack_id", "E_REQUIRED", 'every team member needs "slack_id", e.g. "U0TAE01"')
        return None
    fields, ok = _parse_fields(data, schema.MEMBER_FIELDS, schema.MEMBER_HINTS, issues, raw.file, raw.where)
    if not ok or "slack_id" not in fields:
        return None
    slack_id = fields.pop("slack_id")
    return CleanMember(raw.file, raw.where, slack_id, fields)


ACCOUNT_SPECIAL = ("credit", *schema.CHILD_FIELDS, *c.SERIES)


def check_account(raw: RawRecord, issues: Issues) -> CleanAccount | None:
    data, file, where = raw.data, raw.file, raw.where
    if data.get("id") is None:
        issues.add(file, where, "id", "E_REQUIRED", 'every account needs "id", e.g. "0189-acme"')
        return None
    fields, ok = _parse_fields(
        data, schema.ACCOUNT_FIELDS, schema.ACCOUNT_HINTS, issues, file, where, skip=ACCOUNT_SPECIAL
    )
    if "id" not in fields:
        return None
    account = CleanAccount(file, where, fields.pop("id"), fields)

    for map_name, patch in raw.map_patches.items():
        parsed_patch: dict[str, Any] = {}
        for key, value in patch.items():
            column = f"{map_name}.{key}"
            try:
                parsed_key = (
                    c.enum(c.REGION_COUNT_KEYS)(key) if map_name == "user_region_counts" else c.product(key)
                )
                if value is None:
                    parsed_patch[parsed_key] = None
                elif map_name == "user_region_counts":
                    parsed_patch[parsed_key] = c.integer()(value)
                else:
                    parsed_patch[parsed_key] = c.money_text(value)
            except c.FieldError as exc:
                issues.add(file, where, column, exc.code, exc.message)
                ok = False
        account.map_patches[map_name] = parsed_patch

    if "credit" in data:
        credit = data["credit"]
        if credit is None:
            account.credit = None
        elif not isinstance(credit, dict):
            issues.add(file, where, "credit", "E_TYPE", 'credit must be an object: {"amount": "60000.00", ...} or null')
            ok = False
        else:
            parsed, credit_ok = _parse_fields(
                credit, schema.CREDIT_FIELDS, schema.CREDIT_HINTS, issues, file, where, "credit."
            )
            ok = ok and credit_ok
            account.credit = parsed

    for kind, spec in schema.CHILD_FIELDS.items():
        if kind not in data:
            continue
        items = data[kind]
        if not isinstance(items, list):
            issues.add(file, where, kind, "E_TYPE", f'"{kind}" must be a list of objects: "{kind}": [{{...}}]')
            ok = False
            continue
        rows: list[CleanChild] = []
        for index, item in enumerate(items):
            loc = f"{kind}[{index}]"
            if not isinstance(item, dict):
                issues.add(file, where, loc, "E_SHAPE", "each item must be an object {...}")
                ok = False
                continue
            parsed, item_ok = _parse_fields(
                item, spec, schema.CHILD_HINTS.get(kind, {}), issues, file, where, f"{loc}."
            )
            for name, field_spec in spec.items():
                if field_spec.required and name not in item:
                    issues.add(file, where, f"{loc}.{name}", "E_REQUIRED", f"{name} is required in every {kind} row")
                    item_ok = False
            ok = ok and item_ok
            if item_ok:
                rows.append(CleanChild(loc, parsed))
        account.children[kind] = rows

    for series in c.SERIES:
        if series not in data:
            continue
        items = data[series]
        if not isinstance(items, list):
            issues.add(file, where, series, "E_TYPE", f'"{series}" must be a list of rows: [{{"period": ..., "value": ...}}]')
            ok = False
            continue
        for index, item in enumerate(items):
            loc = f"{series}[{index}]."
            if not isinstance(item, dict):
                issues.add(file, where, loc[:-1], "E_SHAPE", "each row must be an object {...}")
                ok = False
                continue
            row = check_series_values(file, where, loc, account.id, series, item, issues, csv=False)
            if row is None:
                ok = False
            else:
                account.series.append(row)
    return account if ok else None


_SERIES_EXTRA = {
    "mrr_history": (),
    "usage": ("product", "billed"),
    "events_weekly": (),
    "health_history": ("label",),
}


def check_series_values(
    file: str, where: str, loc: str, account_id: str, series: str, item: dict[str, Any], issues: Issues, *, csv: bool
) -> CleanSeriesRow | None:
    """One time-series row (IMPORT.md §6 table of series)."""
    ok = True
    allowed = ("period", "value", *_SERIES_EXTRA[series])
    for name in item:
        if name not in allowed:
            if csv:
                issues.add(file, where, name, "E_CONFLICT", f"{series} rows do not use {name}; leave the cell empty")
            else:
                issues.add(file, where, f"{loc}{name}", "E_UNKNOWN_FIELD", f"{series} rows have {', '.join(allowed)}")
            ok = False

    def required(name: str, example: str) -> Any:
        nonlocal ok
        value = item.get(name)
        if value is None or value == "":
            issues.add(file, where, f"{loc}{name}", "E_REQUIRED", f"{name} is required in every {series} row, e.g. {example}")
            ok = False
            return None
        return value

    def parse(name: str, parser: c.Parser, value: Any) -> Any:
        nonlocal ok
        try:
            return parser(value)
        except c.FieldError as exc:
            issues.add(file, where, f"{loc}{name}{exc.subpath}", exc.code, exc.message)
            ok = False
            return None

    period_text = required("period", '"2025-05"' if series in ("mrr_history", "usage") else '"2025-05-12"')
    period_start: date | None = None
    granularity = "month"
    if period_text is not None:
        if series == "mrr_history":
            period_start = parse("period", c.month, period_text)
        elif series == "usage":
            if isinstance(period_text, str) and c.DATE_RE.match(period_text):
                granularity = "day"
                period_start = parse("period", c.a_date, period_text)
            else:
                period_start = parse("period", c.month, period_text)
        else:
            granularity = "week"
            period_start = parse("period", c.week, period_text)

    value: Any = None
    product = ""
    billed = None
    label = None
    if series in ("mrr_history", "usage"):
        raw_value = required("value", '"4000.00"')
        if raw_value is not None:
            value = parse("value", c.money(), raw_value)
    elif series == "events_weekly":
        raw_value = required("value", "1200000")
        if raw_value is not None:
            if csv and isinstance(raw_value, str):
                try:
                    raw_value = _int_cell(raw_value)
                except Exception:
                    issues.add(file, where, f"{loc}value", "E_FORMAT", f"{c.show(raw_value)} is not a whole number")
                    ok = False
                    raw_value = None
            if raw_value is not None:
                value = parse("value", c.integer(), raw_value)
    else:
        if item.get("value") not in (None, ""):
            value = parse("value", c.score, item["value"])
        raw_label = required("label", '"Good"')
        if raw_label is not None:
            label = parse("label", c.enum(c.HEALTH_LABELS, c.HEALTH_SYNONYMS), raw_label)
    if series == "usage":
        raw_product = required("product", '"session_replay"')
        if raw_product is not None:
            product = parse("product", c.product, raw_product) or ""
        if item.get("billed") not in (None, ""):
            billed = parse("billed", c.money(), item["billed"])
            if granularity == "day":
                issues.add(file, where, f"{loc}billed", "E_CONFLICT", "billed is for month rows only; this is a day row")
                ok = False
    if not ok or period_start is None:
        return None
    return CleanSeriesRow(
        file=file, where=where, loc=loc, account_id=account_id, series=series, period=str(period_text),
        period_start=period_start, granularity=granularity, product=product, value=value, billed=billed, label=label,
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
