"""Field types of the import format (IMPORT.md §2) and its vocabularies (§4-§7).

Each parser takes a JSON-form value and returns the stored Python value, or raises `FieldError`
with the §10 code and a message that shows a working example. Parsers never see `None`: null
handling (clear to default, or E_REQUIRED) belongs to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

Parser = Callable[[Any], Any]


class FieldError(Exception):
    """One bad value: `code` is a §10 code; `subpath` locates it inside a list or map (`[2]`, `.US`)."""

    def __init__(self, code: str, message: str, subpath: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subpath = subpath


# ---- vocabularies (IMPORT.md §4, §5, §6, §7) ---------------------------------------------

ROLES = ("TAE", "TAM", "CSM", "ONBOARDING", "BDR", "LEAD", "OTHER")
ROLE_SYNONYMS = {"AE": "TAE", "AM": "TAM", "CSE": "CSM", "TECHNICAL CSM": "CSM"}
REGIONS = ("US", "EU", "APAC")
REGION_SYNONYMS = {"AMERICAS": "US", "EMEA": "EU"}
CMOC_REGIONS = ("EU", "US")
CLOUDS = ("US", "EU")
NEW_OWNER = ("Ready to move", "US TAM", "US CSM", "EU TAM", "EU CSM")
SUBSCRIPTION_STATUS = ("active", "trialing", "past_due", "unpaid", "paused", "canceled", "none")
SUBSCRIPTION_SYNONYMS = {"CANCELLED": "canceled"}
BILLING_CONFIG = ("upfront", "yearly", "amortized", "self_serve")
BILLING_CONFIG_SYNONYMS = {"SELF_SERVE_MONTHLY_TRANCHE": "self_serve"}
INVOICE_STATUS = ("draft", "open", "paid", "void", "uncollectible")
PAYMENT_METHOD = ("card", "bank_transfer")
# Stripe's collection_method values name the same thing (IMPORT.md §6 invoices, B§3.2).
PAYMENT_METHOD_SYNONYMS = {"CHARGE_AUTOMATICALLY": "card", "SEND_INVOICE": "bank_transfer"}
INVOICE_KIND = ("usage", "credit_purchase", "other")
HEALTH_LABELS = ("Good", "Concerning", "Poor")
HEALTH_SYNONYMS = {"HEALTHY": "Good", "FAIR": "Concerning"}
DESTINATION_KINDS = ("batch_export", "realtime")
REGION_COUNT_KEYS = ("US", "EU", "APAC", "OTHER")

PRODUCTS = (
    "product_analytics", "web_analytics", "session_replay", "feature_flags", "experiments", "surveys",
    "error_tracking", "data_warehouse", "data_pipelines", "llm_observability", "workflows", "logs",
    "posthog_ai", "group_analytics",
)
PRODUCT_SYNONYMS = {
    "AI_OBSERVABILITY": "llm_observability",
    "CDP_DESTINATIONS": "data_pipelines",
    "BATCH_EXPORTS": "data_pipelines",
}
KNOWN_SEGMENTS = (
    "Churn Risk", "AM Managed", "Leads", "$20K ARR", "$60K ARR", "Startup Plan", "Annual Plan",
    "Active Trial", "AM referral", "AE referral", "TAM/CSM Candidate",
)
CHURN_RISK_SEGMENT = "Churn Risk"
RISK_INDICATORS = (
    "down_trending_volume", "group_analytics_not_implemented", "autocapture_noise", "replay_no_min_duration",
    "identify_overcalling", "reset_before_identify", "no_reverse_proxy", "no_flag_fallback",
)
NOTE_KINDS = (
    "account_plan", "expansion_levers", "growth_potential", "plan_above_20k", "churn_risk", "recovery_call",
    "recommendation", "commercial", "handover", "meeting", "other",
)
NOTE_STATUS = ("open", "actioned", "dropped")
FLAG_KINDS = (
    "evaluating_alternatives", "data_export_requested", "champion_left", "replacement_champion",
    "all_analysis_external", "seasonal_explanation", "optimization_note", "price_pressure", "budget_cut",
    "data_engineer_owner", "customer_told", "handover_call_booked", "onboarding_confirmed",
    "no_expansion_path", "expansion_questions_confirmed", "tam_intro_confirmed", "rebalance_reason_confirmed",
)
FLAG_NEEDS_UNTIL = "seasonal_explanation"
CONTACT_ROLES = ("champion", "decision_maker", "power_user", "finance", "user")
CONTACT_STATUS = ("active", "left", "role_changed")
TICKET_STATUS = ("new", "open", "pending", "hold", "solved", "closed")
TICKET_PRIORITY = ("low", "normal", "high", "urgent")
ONE_TIME_CREDIT_REASONS = (
    "first_big_bill", "unwanted_spike", "trial_accommodation", "promo", "incident", "bug", "other",
)
SERIES = ("mrr_history", "usage", "events_weekly", "health_history")

FORMAT_NAME = "gtmbot-accounts/1"
MAX_TERM_MONTHS = 60  # IMPORT.md §5.1 term_months 1-60
MAX_HEALTH_SCORE = Decimal("10")  # Vitally score 0-10 (IMPORT.md §6 health_history)
MAX_PCT = Decimal("100")

# ---- patterns (IMPORT.md §2) -------------------------------------------------------------

MONEY_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")
PCT_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")
SCORE_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$")
NAIVE_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$")
SLACK_USER_RE = re.compile(r"^[UW][A-Z0-9_]+$")
SLACK_CHANNEL_RE = re.compile(r"^[CG][A-Z0-9_]+$")
STRIPE_CUSTOMER_RE = re.compile(r"^cus_[A-Za-z0-9_]+$")
STRIPE_INVOICE_RE = re.compile(r"^in_[A-Za-z0-9_]+$")
ACCOUNT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def show(value: Any) -> str:
    """A value as it appears in an error line, shortened so one line stays one line."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f'"{text}"' if isinstance(value, str) else text


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a value of the wrong type"


def need_str(value: Any, what: str, example: str) -> str:
    if not isinstance(value, str):
        hint = " (write it as a string so no float ever enters)" if isinstance(value, int | float) and not isinstance(value, bool) and what in ("money", "pct") else ""
        raise FieldError("E_TYPE", f"{_type_name(value)} where {what} belongs{hint}; write {example}")
    return value


# ---- scalar parsers ------------------------------------------------------------------------


def text(max_len: int = 10_000) -> Parser:
    def parse(value: Any) -> str:
        value = need_str(value, "text", '"Acme Robotics"')
        if len(value) > max_len:
            raise FieldError("E_RANGE", f"longer than {max_len} characters")
        return value

    return parse


def required_text(max_len: int = 10_000) -> Parser:
    inner = text(max_len)

    def parse(value: Any) -> str:
        result = inner(value)
        if not result.strip():
            raise FieldError("E_REQUIRED", "must not be empty")
        return result

    return parse


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the regexes admit only valid decimals
        raise FieldError("E_FORMAT", f"{show(value)} is not a number") from exc


def money(*, negative_ok: bool = False) -> Parser:
    """USD decimal string (IMPORT.md §2 `money`); negative only for `credit.balance`."""

    def parse(value: Any) -> Decimal:
        value = need_str(value, "money", '"48000.00"')
        if not MONEY_RE.match(value):
            cleaned = value.replace("$", "").replace(",", "").replace("USD", "").strip()
            suggestion = ""
            if MONEY_RE.match(cleaned):
                suggestion = f"{Decimal(cleaned):.2f}"
            raise FieldError(
                "E_FORMAT", f"{show(value)} is not a money value; write {suggestion or '48000.00'}"
            )
        amount = _decimal(value).quantize(Decimal("0.01"))
        if amount < 0 and not negative_ok:
            raise FieldError("E_RANGE", f"{value} is negative; only credit.balance may be")
        if abs(amount) >= Decimal("1e12"):
            raise FieldError("E_RANGE", f"{value} is too large")
        return amount

    return parse


def pct(value: Any) -> Decimal:
    """Percentage points as a decimal string 0-100: "25", "37.5" (IMPORT.md §2 `pct`)."""
    value = need_str(value, "pct", '"25" or "37.5"')
    if not PCT_RE.match(value):
        raise FieldError("E_FORMAT", f'{show(value)} is not a percentage; write "25" for 25 %')
    number = _decimal(value)
    if number < 0 or number > MAX_PCT:
        raise FieldError("E_RANGE", f"{value} is outside 0-100")
    return number


def score(value: Any) -> Decimal:
    """A Vitally health score, decimal string 0-10 (IMPORT.md §6 health_history)."""
    value = need_str(value, "a score", '"8.2"')
    if not SCORE_RE.match(value):
        raise FieldError("E_FORMAT", f'{show(value)} is not a score; write "8.2"')
    number = _decimal(value)
    if number < 0 or number > MAX_HEALTH_SCORE:
        raise FieldError("E_RANGE", f"{value} is outside 0-10")
    return number


def integer(*, minimum: int = 0, maximum: int | None = None) -> Parser:
    """A JSON integer (IMPORT.md §2 `int`); strings and fractions are E_TYPE."""

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError("E_TYPE", f"{_type_name(value)} where a whole number belongs; write 12")
        if value < minimum or (maximum is not None and value > maximum):
            upper = f"-{maximum}" if maximum is not None else " or more"
            raise FieldError("E_RANGE", f"{value} is outside {minimum}{upper}")
        if value > 2**62:
            raise FieldError("E_RANGE", f"{value} is too large")
        return value

    return parse


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError("E_TYPE", f"{_type_name(value)} where true/false belongs; write true")
    return value


def a_date(value: Any) -> date:
    value = need_str(value, "a date", '"2025-05-01"')
    if not DATE_RE.match(value):
        raise FieldError("E_FORMAT", f"{show(value)} is not a date; write YYYY-MM-DD, e.g. 2025-05-01")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError("E_FORMAT", f"{value} is not a calendar date; write YYYY-MM-DD") from exc


def timestamp(value: Any) -> datetime:
    """RFC 3339 with Z or an offset, stored in UTC; a plain date is 00:00:00Z; naive is refused."""
    value = need_str(value, "a timestamp", '"2025-05-28T10:00:00Z"')
    if DATE_RE.match(value):
        return datetime.combine(a_date(value), datetime.min.time(), tzinfo=UTC)
    if NAIVE_TS_RE.match(value):
        raise FieldError("E_FORMAT", f'{show(value)} has no time zone; add Z for UTC: "{value}Z"')
    if not TS_RE.match(value):
        raise FieldError(
            "E_FORMAT", f'{show(value)} is not an RFC 3339 timestamp; write "2025-05-28T10:00:00Z"'
        )
    normalised = value.replace("t", "T").replace(" ", "T")
    if normalised[-1] in "zZ":
        normalised = normalised[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(normalised).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise FieldError("E_FORMAT", f"{value} is not a real time; write 2025-05-28T10:00:00Z") from exc


def month(value: Any) -> date:
    """`YYYY-MM`, returned as the first day of the month."""
    value = need_str(value, "a month", '"2025-05"')
    if not MONTH_RE.match(value):
        raise FieldError("E_FORMAT", f"{show(value)} is not a month; write YYYY-MM, e.g. 2025-05")
    try:
        return date.fromisoformat(value + "-01")
    except ValueError as exc:
        raise FieldError("E_FORMAT", f"{value} is not a calendar month; write YYYY-MM") from exc


def week(value: Any) -> date:
    """The Monday (`YYYY-MM-DD`) that starts the ISO week; any other weekday is an error."""
    day = a_date(value)
    if day.weekday() != 0:
        monday = day - timedelta(days=day.weekday())
        raise FieldError(
            "E_FORMAT", f"{value} is a {WEEKDAYS[day.weekday()]}; give the week's Monday {monday.isoformat()}"
        )
    return day


def day_or_month(value: Any) -> date:
    """A usage period: a day (`YYYY-MM-DD`) or a month (`YYYY-MM`, its first day)."""
    return a_date(value) if isinstance(value, str) and DATE_RE.match(value) else month(value)


def pattern(regex: re.Pattern[str], what: str, example: str, *, transform: Callable[[str], str] | None = None) -> Parser:
    def parse(value: Any) -> str:
        value = need_str(value, what, f'"{example}"')
        candidate = transform(value) if transform else value
        if not regex.match(candidate):
            raise FieldError("E_FORMAT", f"{show(value)} is not {what}; write {example}")
        return candidate

    return parse


slack_user = pattern(SLACK_USER_RE, "a Slack user id", "U0TAE01")
stripe_customer = pattern(STRIPE_CUSTOMER_RE, "a Stripe customer id", "cus_AcmeRobotics")
stripe_invoice = pattern(STRIPE_INVOICE_RE, "a Stripe invoice id", "in_AcmeMay")
account_id = pattern(ACCOUNT_ID_RE, "an account id", "0189-acme")
email = pattern(EMAIL_RE, "an email address", "ap@acme.io", transform=lambda v: v.strip().lower())
country = pattern(COUNTRY_RE, "an ISO 3166-1 alpha-2 country code", "US", transform=lambda v: v.strip().upper())
currency = pattern(CURRENCY_RE, "an ISO 4217 currency code", "USD", transform=lambda v: v.strip().upper())
url = pattern(URL_RE, "a URL", "https://vitally.example.com/accounts/0189-acme")


def slack_channel(value: Any) -> str:
    value = need_str(value, "a Slack channel id", '"C0ACME"')
    if not SLACK_CHANNEL_RE.match(value):
        hint = " (ids, never #names)" if value.startswith("#") else ""
        raise FieldError("E_FORMAT", f"{show(value)} is not a Slack channel id{hint}; write C0ACME")
    return value


def domain(value: Any) -> str:
    value = need_str(value, "a domain", '"acme.io"')
    candidate = value.strip().lower()
    if not DOMAIN_RE.match(candidate):
        bare = re.sub(r"^[a-z]+://", "", candidate).split("/")[0]
        hint = bare if DOMAIN_RE.match(bare) else "acme.io"
        raise FieldError("E_FORMAT", f"{show(value)} is not a bare domain (no scheme or path); write {hint}")
    return candidate


def enum(allowed: Iterable[str], synonyms: dict[str, str] | None = None, *, hints: dict[str, str] | None = None) -> Parser:
    """Case-insensitive; stored in the spelling shown in IMPORT.md; listed synonyms normalised."""
    allowed = tuple(allowed)
    by_key = {a.upper(): a for a in allowed}
    by_key.update({k.upper(): v for k, v in (synonyms or {}).items()})
    hint_by_key = {k.upper(): v for k, v in (hints or {}).items()}

    def parse(value: Any) -> str:
        value = need_str(value, "one of the listed values", f'"{allowed[0]}"')
        key = value.strip().upper()
        if key in by_key:
            return by_key[key]
        hint = hint_by_key.get(key)
        listed = ", ".join(allowed)
        raise FieldError("E_ENUM", f"{show(value)}{'; ' + hint if hint else ''}; allowed: {listed}")

    return parse


product = enum(PRODUCTS, PRODUCT_SYNONYMS)


def segment(value: Any) -> str:
    """Known Vitally segment names are normalised to their spelling; others are kept verbatim."""
    value = need_str(value, "a segment name", '"Annual Plan"')
    stripped = value.strip()
    if not stripped:
        raise FieldError("E_REQUIRED", "an empty segment name")
    for known in KNOWN_SEGMENTS:
        if known.upper() == stripped.upper():
            return known
    return stripped


# ---- containers ----------------------------------------------------------------------------


def list_of(item: Parser, *, unique: bool = True) -> Parser:
    """A JSON list of scalars; duplicates are dropped (keeping the first) only when `unique`."""

    def parse(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise FieldError("E_TYPE", f"{_type_name(value)} where a list belongs; write [\"a\", \"b\"]")
        out: list[Any] = []
        for index, element in enumerate(value):
            if element is None:
                raise FieldError("E_TYPE", "null inside a list", f"[{index}]")
            try:
                parsed = item(element)
            except FieldError as exc:
                raise FieldError(exc.code, exc.message, f"[{index}]{exc.subpath}") from None
            if not unique or parsed not in out:
                out.append(parsed)
        return out

    return parse


def map_of(key: Parser, item: Parser) -> Parser:
    def parse(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise FieldError("E_TYPE", f"{_type_name(value)} where an object belongs; write {{\"key\": value}}")
        out: dict[str, Any] = {}
        for raw_key, element in value.items():
            try:
                parsed_key = key(raw_key)
            except FieldError as exc:
                raise FieldError(exc.code, exc.message, f".{raw_key}") from None
            if element is None:
                raise FieldError("E_TYPE", "null inside an object", f".{raw_key}")
            try:
                out[parsed_key] = item(element)
            except FieldError as exc:
                raise FieldError(exc.code, exc.message, f".{raw_key}{exc.subpath}") from None
        return out

    return parse


def money_text(value: Any) -> str:
    """Money kept inside a JSON column (`billing_limits`): validated, stored as a 2-decimal string."""
    return f"{money()(value):.2f}"


def onboarding_checklist(value: Any) -> dict[str, dict[str, bool]]:
    """{product: {item: bool}} (IMPORT.md §5, H C08)."""
    return map_of(product, map_of(text(200), boolean))(value)


def destination(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise FieldError("E_TYPE", f'{_type_name(value)} where {{"kind": "realtime", "vendor": "Amplitude"}} belongs')
    unknown = set(value) - {"kind", "vendor"}
    if unknown:
        name = sorted(unknown)[0]
        raise FieldError("E_UNKNOWN_FIELD", f'unknown field "{name}"; a destination has kind and vendor', f".{name}")
    if value.get("kind") is None:
        raise FieldError("E_REQUIRED", 'kind is required: "batch_export" or "realtime"', ".kind")
    if value.get("vendor") is None:
        raise FieldError("E_REQUIRED", 'vendor is required, e.g. "Amplitude"', ".vendor")
    try:
        kind = enum(DESTINATION_KINDS)(value["kind"])
    except FieldError as exc:
        raise FieldError(exc.code, exc.message, ".kind") from None
    try:
        vendor = required_text(200)(value["vendor"])
    except FieldError as exc:
        raise FieldError(exc.code, exc.message, ".vendor") from None
    return {"kind": kind, "vendor": vendor}


def ts_text(value: Any) -> str:
    """A timestamp kept inside a JSON list (`billing_page_views`), normalised to `...Z`."""
    return timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")
