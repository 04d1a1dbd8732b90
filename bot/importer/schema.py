"""The import format's records as pydantic models (IMPORT.md §3-§6), and the hints for old,
replaced and derived names (§4-§8 "replaces" columns, §8) that E_UNKNOWN_FIELD prints.

Each field is read by one of `conventions`' parsers, because IMPORT.md promises its own messages
(a working example in each): a parser's `FieldError` becomes a pydantic error whose type is the
§10 code, and `fields.issues_of` turns pydantic's other errors (unknown, missing, not a list or
object) into the §10 lines. A member or account field may be absent (stored value unchanged, §11);
what a new record needs is checked against the database in `validate`.
"""

import difflib
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PlainValidator
from pydantic_core import PydanticCustomError

from bot.importer import conventions as c

# ---- hints for names that are not fields (IMPORT.md "replaces" columns and §8) --------------

_ARR = '"arr" (money string)'
ACCOUNT_HINTS: dict[str, str] = {
    "arr_usd": f"renamed; use {_ARR}",
    "forecasted_mrr_usd": 'renamed; use "forecasted_mrr" (money string)',
    "initial_deal_arr_usd": 'renamed; use "initial_deal_arr" (money string)',
    "org_id": 'renamed; use "posthog_org_id"',
    "stripe_customer_id": 'renamed; use "stripe_customer_ids" (a list)',
    "slack_channel_id": 'renamed; use "slack_channel_ids" (a list; the first is the primary channel)',
    "owner": 'renamed; use "owner_slack_id" (the owner\'s Slack user id)',
    "owner_email": 'derived from the owner\'s team row; set "owner_slack_id" and the member\'s "email" in team',
    "owner_role": 'derived from the owner\'s team row; set "owner_slack_id" and the member\'s "role" in team',
    "owner_region": 'derived from the owner\'s team row; set "owner_slack_id" and the member\'s "region" in team',
    "owner_name": 'derived from the owner\'s team row; set "owner_slack_id"',
    "overlay_owner_email": 'renamed; use "tam_overlay_slack_id" (a Slack user id)',
    "new_owner_trait": 'renamed; use "new_owner"',
    "active_trial": 'replaced; add "Active Trial" to "segments"',
    "is_top40": 'renamed; use "top40"',
    "first_paid_month": 'renamed; use "first_paid_date" (YYYY-MM-DD)',
    "stripe_finance_email": 'renamed; use "billing_email"',
    "discount_agreement": 'replaced; use "credit" ({"discount_pct", "term_start", "term_end"}) or "legacy_coupon_pct"',
    "discount_active": 'derived from "credit" (discount_pct, term_start, term_end); do not send it',
    "is_trial_revenue": 'renamed; use "trial_revenue"',
    "products": 'renamed; use "products_used"',
    "batch_exports_active": 'derived; send "destinations" with {"kind": "batch_export", "vendor": ...}',
    "implementation_findings": 'renamed; use "risk_indicators"',
    "credit_amount": 'moved; use "credit": {"amount": ...} (CSV column credit.amount)',
    "discount": 'moved; use "credit": {"discount_pct": ...} (CSV column credit.discount_pct)',
    "contract_start": 'moved; use "credit": {"term_start": ...} (CSV column credit.term_start)',
    "contract_end": 'moved; use "credit": {"term_end": ...} (CSV column credit.term_end)',
    "credit_balance": 'moved; use "credit": {"balance": ...} (USD, positive = credit left)',
    "balance": 'moved; use "credit": {"balance": ...} (USD, positive = credit left)',
    "credit_expires_at": 'moved; use "credit": {"expires_on": ...} (a date)',
    "is_startup_plan_customer": 'moved; use "credit": {"startup_plan": true}',
    "startup_plan": 'moved; use "credit": {"startup_plan": true}',
    "yc_plan": 'moved; use "credit": {"yc_plan": true}',
    "scheduled_credit_remaining": 'moved; use "credit": {"scheduled_remaining": ...}',
    "initial_credit_purchase_date": 'moved; use "credit": {"first_purchase_date": ...}',
    "mrr_history_usd": 'renamed; use "mrr_history" rows {"period": "2025-05", "value": "4000.00"}',
    "mrr_monthly": 'renamed; use "mrr_history" rows {"period": "2025-05", "value": "4000.00"}',
    "mrr": 'derived from the last complete "mrr_history" month; send "mrr_history"',
    "usage_value_daily": 'renamed; use "usage" rows {"product", "period": "2025-05-01", "value"}',
    "product_last_month": 'derived; send month "usage" rows with "billed"',
    "health_score_weekly": 'renamed; use "health_history" rows {"period": <Monday>, "label", "value"}',
    "health_score_label": 'derived from the latest "health_history" row; send "health_history"',
    "days_since_customer_slack_activity": 'derived; send "last_customer_slack_message_at"',
    "usage_change_pct_30d": 'derived from "usage"; send "usage" rows',
    "payment_failed": 'derived from "invoices" (attempt_count, first_failed_at); send the invoices',
    "payment_late": 'derived from "invoices"; send the invoices',
    "champion_left": 'derived from "contacts" (status left) or a "champion_left" flag',
    "plan_type": 'derived from "segments", "credit" and "subscription_status"',
    "credit_runway_days": 'derived from "credit" and "invoices"; do not send it',
    "at_risk_since": 'derived; send "churn_risk_flagged_at"',
    "zendesk_org_tags": 'derived from the Zendesk org; send "zendesk_org_id"',
    "effective_arr": 'derived (H§4.4); send "arr" and "forecasted_mrr"',
    "core_count": 'derived from "paying_for"',
    "account_region": 'derived from "user_region_counts"',
    "owner_facts": 'renamed; use "flags"',
    "credits_issued": 'renamed; use "one_time_credits" rows {"date", "amount", "reason"}',
    "account_plan_note": 'replaced; use a "notes" row with "kind": "account_plan"',
    "account_plan_updated_at": 'replaced; use a "notes" row with "kind": "account_plan" and "updated_at"',
    "expansion_levers_note": 'replaced; use a "notes" row with "kind": "expansion_levers"',
    "growth_note": 'replaced; use a "notes" row with "kind": "growth_potential"',
    "documented_plan_above_20k": 'replaced; use a "notes" row with "kind": "plan_above_20k"',
    "recovery_calls": 'replaced; use "notes" rows with "kind": "recovery_call"',
    "recommendations": 'replaced; use "notes" rows with "kind": "recommendation"',
    "commercial_conversations": 'replaced; use "notes" rows with "kind": "commercial"',
    "team_lead_slack_ids": 'derived; set "is_team_lead": true on each lead\'s team row',
}
MEMBER_HINTS: dict[str, str] = {
    "team_lead_slack_ids": 'derived; set "is_team_lead": true on each lead\'s team row',
    "id": 'use "slack_id" (the member\'s Slack user id)',
    "user_id": 'use "slack_id" (the member\'s Slack user id)',
}
CREDIT_HINTS: dict[str, str] = {
    "credit_amount": 'renamed; use "amount"',
    "contract_start": 'renamed; use "term_start"',
    "contract_end": 'renamed; use "term_end"',
    "start": 'renamed; use "term_start"',
    "end": 'renamed; use "term_end"',
    "discount": 'renamed; use "discount_pct"',
    "credit_balance": 'renamed; use "balance" (USD, positive = credit left)',
    "credit_expires_at": 'renamed; use "expires_on" (a date)',
    "is_startup_plan_customer": 'renamed; use "startup_plan"',
    "scheduled_credit_remaining": 'renamed; use "scheduled_remaining"',
    "initial_credit_purchase_date": 'renamed; use "first_purchase_date"',
}
INVOICE_HINTS: dict[str, str] = {
    "collection_method": 'renamed; use "payment_method": "card" (charge_automatically) or "bank_transfer" (send_invoice)',
    "billing_reason": 'renamed; use "kind": "usage", "credit_purchase" (manual) or "other"',
    "amount": 'renamed; use "amount_due" (money string)',
    "due_at": 'renamed; use "due_date" (YYYY-MM-DD)',
    "failed_attempts": 'renamed; use "attempt_count"',
    "payment_failed": 'derived; send "attempt_count" and "first_failed_at"',
}


def _field(parser: c.Parser, *, required: bool = False) -> Any:
    """A field parsed by `parser`; null clears it, or is E_REQUIRED when `required` (the message,
    which names the field, is made by `fields`: a validator is not told its field's name cheaply)."""

    def run(value: Any) -> Any:
        if value is None:
            if not required:
                return None
            raise PydanticCustomError("E_REQUIRED", "{message}", {"message": "", "subpath": ""})
        try:
            return parser(value)
        except c.FieldError as exc:
            raise PydanticCustomError(exc.code, "{message}", {"message": exc.message, "subpath": exc.subpath}) from None

    return Annotated[Any, PlainValidator(run)]


class Record(BaseModel):
    """An object of the format: unknown names are errors (with a hint, `HINTS`)."""

    model_config = ConfigDict(extra="forbid")
    HINTS: ClassVar[dict[str, str]] = {}

    def given(self) -> dict[str, Any]:
        """The fields the import mentions (a null included)."""
        values = self.__dict__
        return {name: values[name] for name in self.model_fields_set}


class Member(Record):
    HINTS = MEMBER_HINTS
    slack_id: _field(c.slack_user) = None
    name: _field(c.required_text(200), required=True) = None
    email: _field(c.email) = None
    role: _field(
        c.enum(c.ROLES, c.ROLE_SYNONYMS, hints={"CMOC": 'CMOC is a rota duty, not a role: set "cmoc": "EU" or "US"'}),
        required=True,
    ) = None
    region: _field(c.enum(c.REGIONS, c.REGION_SYNONYMS)) = None
    is_team_lead: _field(c.boolean) = None
    team_lead_slack_id: _field(c.slack_user) = None
    cmoc: _field(c.enum(c.CMOC_REGIONS)) = None
    out_of_office: _field(c.boolean) = None
    managed_count: _field(c.integer()) = None
    leads_count: _field(c.integer()) = None


class Credit(Record):
    HINTS = CREDIT_HINTS
    amount: _field(c.money()) = None
    discount_pct: _field(c.pct) = None
    term_start: _field(c.a_date) = None
    term_months: _field(c.integer(minimum=1, maximum=c.MAX_TERM_MONTHS)) = None
    term_end: _field(c.a_date) = None
    first_purchase_date: _field(c.a_date) = None
    balance: _field(c.money(negative_ok=True)) = None
    expires_on: _field(c.a_date) = None
    startup_plan: _field(c.boolean) = None
    yc_plan: _field(c.boolean) = None
    billing_config: _field(c.enum(c.BILLING_CONFIG, c.BILLING_CONFIG_SYNONYMS)) = None
    scheduled_remaining: _field(c.money()) = None


class Invoice(Record):
    HINTS = INVOICE_HINTS
    id: _field(c.stripe_invoice, required=True)
    stripe_customer_id: _field(c.stripe_customer) = None
    status: _field(c.enum(c.INVOICE_STATUS), required=True)
    payment_method: _field(c.enum(c.PAYMENT_METHOD, c.PAYMENT_METHOD_SYNONYMS), required=True)
    kind: _field(c.enum(c.INVOICE_KIND)) = None
    currency: _field(c.currency) = None
    total: _field(c.money()) = None
    amount_due: _field(c.money(), required=True)
    amount_paid: _field(c.money()) = None
    amount_remaining: _field(c.money()) = None
    due_date: _field(c.a_date) = None
    period_start: _field(c.a_date) = None
    period_end: _field(c.a_date) = None
    finalized_at: _field(c.timestamp) = None
    paid_at: _field(c.timestamp) = None
    attempt_count: _field(c.integer()) = None
    first_failed_at: _field(c.timestamp) = None


class Note(Record):
    id: _field(c.required_text(128)) = None
    kind: _field(c.enum(c.NOTE_KINDS), required=True)
    title: _field(c.required_text(), required=True)
    body: _field(c.text(100_000)) = None
    created_at: _field(c.timestamp) = None
    updated_at: _field(c.timestamp, required=True)
    author: _field(c.text(320)) = None
    status: _field(c.enum(c.NOTE_STATUS)) = None


class Flag(Record):
    HINTS = {"until_date": 'renamed; use "until"'}
    kind: _field(c.enum(c.FLAG_KINDS), required=True)
    at: _field(c.timestamp, required=True)
    until: _field(c.a_date) = None
    note: _field(c.text(10_000)) = None
    author: _field(c.text(320)) = None
    cleared_at: _field(c.timestamp) = None


class Contact(Record):
    email: _field(c.email, required=True)
    name: _field(c.text(200)) = None
    role: _field(c.enum(c.CONTACT_ROLES)) = None
    status: _field(c.enum(c.CONTACT_STATUS)) = None
    changed_at: _field(c.timestamp) = None
    last_inbound_at: _field(c.timestamp) = None


class Ticket(Record):
    id: _field(c.integer(minimum=1), required=True)
    created_at: _field(c.timestamp, required=True)
    status: _field(c.enum(c.TICKET_STATUS), required=True)
    priority: _field(c.enum(c.TICKET_PRIORITY)) = None
    tags: _field(c.list_of(c.required_text(200))) = None
    subject: _field(c.text(2000)) = None


class OneTimeCredit(Record):
    HINTS = {"month": 'replaced; use "date" (YYYY-MM-DD)'}
    date: _field(c.a_date, required=True)
    amount: _field(c.money(), required=True)
    reason: _field(c.enum(c.ONE_TIME_CREDIT_REASONS), required=True)


class SeriesRow(Record):
    """A time-series row (IMPORT.md §6 table of series), from JSON or a series.csv row; an empty
    value counts as absent. `EXAMPLES` completes the E_REQUIRED message of a missing field."""

    EXAMPLES: ClassVar[dict[str, str]] = {"period": '"2025-05-12"'}


class MrrRow(SeriesRow):
    EXAMPLES = {"period": '"2025-05"', "value": '"4000.00"'}
    period: _field(c.month)
    value: _field(c.money())


class UsageRow(SeriesRow):
    EXAMPLES = {**MrrRow.EXAMPLES, "product": '"session_replay"'}
    period: _field(c.day_or_month)
    value: _field(c.money())
    product: _field(c.product)
    billed: _field(c.money()) = None


class EventsRow(SeriesRow):
    EXAMPLES = {**SeriesRow.EXAMPLES, "value": "1200000"}
    period: _field(c.week)
    value: _field(c.integer())


class HealthRow(SeriesRow):
    EXAMPLES = {**SeriesRow.EXAMPLES, "label": '"Good"'}
    period: _field(c.week)
    value: _field(c.score) = None
    label: _field(c.enum(c.HEALTH_LABELS, c.HEALTH_SYNONYMS))


SERIES_ROWS: dict[str, type[SeriesRow]] = {
    "mrr_history": MrrRow, "usage": UsageRow, "events_weekly": EventsRow, "health_history": HealthRow,
}
Rows = list[dict[str, Any]]  # checked row by row with SERIES_ROWS in `fields` (also when the account fails)


class Account(Record):
    HINTS = ACCOUNT_HINTS
    id: _field(c.account_id) = None
    name: _field(c.required_text(300), required=True) = None
    domain: _field(c.domain) = None
    posthog_org_id: _field(c.required_text(128)) = None
    vitally_url: _field(c.url) = None
    salesforce_id: _field(c.required_text(64)) = None
    stripe_customer_ids: _field(c.list_of(c.stripe_customer)) = None
    zendesk_org_id: _field(c.integer(minimum=1)) = None
    slack_channel_ids: _field(c.list_of(c.slack_channel)) = None
    country: _field(c.country) = None
    cloud: _field(c.enum(c.CLOUDS)) = None
    owner_slack_id: _field(c.slack_user) = None
    owner_since: _field(c.a_date) = None
    previous_owner_slack_id: _field(c.slack_user) = None
    tam_overlay_slack_id: _field(c.slack_user) = None
    new_owner: _field(c.enum(c.NEW_OWNER)) = None
    segments: _field(c.list_of(c.segment)) = None
    churn_risk_flagged_at: _field(c.timestamp) = None
    top40: _field(c.boolean) = None
    high_potential: _field(c.boolean) = None
    retained_by_tae: _field(c.boolean) = None
    closed_won_date: _field(c.a_date) = None
    initial_deal_arr: _field(c.money()) = None
    open_cross_sell_opps: _field(c.integer()) = None
    onboarding_checklist: _field(c.onboarding_checklist) = None
    user_region_counts: _field(c.map_of(c.enum(c.REGION_COUNT_KEYS), c.integer())) = None
    arr: _field(c.money()) = None
    forecasted_mrr: _field(c.money()) = None
    first_paid_date: _field(c.a_date) = None
    subscription_status: _field(c.enum(c.SUBSCRIPTION_STATUS, c.SUBSCRIPTION_SYNONYMS)) = None
    canceled_at: _field(c.timestamp) = None
    billing_email: _field(c.email) = None
    legacy_coupon_pct: _field(c.pct) = None
    nonprofit: _field(c.boolean) = None
    trial_revenue: _field(c.boolean) = None
    uptime_sla: _field(c.boolean) = None
    paying_for: _field(c.list_of(c.product)) = None
    products_used: _field(c.list_of(c.product)) = None
    billing_limits: _field(c.map_of(c.product, c.money_text)) = None
    destinations: _field(c.list_of(c.destination)) = None
    active_users_30d: _field(c.integer()) = None
    inapp_analysis_actions_30d: _field(c.integer()) = None
    last_customer_slack_message_at: _field(c.timestamp) = None
    last_inbound_at: _field(c.timestamp) = None
    last_outbound_at: _field(c.timestamp) = None
    billing_page_views: _field(c.list_of(c.ts_text)) = None
    risk_indicators: _field(c.list_of(c.enum(c.RISK_INDICATORS))) = None
    credit: Credit | None = None
    # nested collections: a null or non-list is an error, so no `| None`
    invoices: list[Invoice] = None  # type: ignore[assignment]
    notes: list[Note] = None  # type: ignore[assignment]
    flags: list[Flag] = None  # type: ignore[assignment]
    contacts: list[Contact] = None  # type: ignore[assignment]
    tickets: list[Ticket] = None  # type: ignore[assignment]
    one_time_credits: list[OneTimeCredit] = None  # type: ignore[assignment]
    mrr_history: Rows = None  # type: ignore[assignment]
    usage: Rows = None  # type: ignore[assignment]
    events_weekly: Rows = None  # type: ignore[assignment]
    health_history: Rows = None  # type: ignore[assignment]


def _format(value: Any) -> Any:
    if value != c.FORMAT_NAME:
        message = f"{c.show(value)}; allowed: {c.FORMAT_NAME} (or leave it out)"
        raise PydanticCustomError("E_ENUM", "{message}", {"message": message, "subpath": ""})
    return value


class Document(Record):
    """The JSON document (IMPORT.md §3): its shape only; each record is validated on its own, so
    every error line names the record's place and key (`json_reader`)."""

    format: Annotated[Any, PlainValidator(_format)] = None
    team: list[dict] = None  # type: ignore[assignment]
    accounts: list[dict] = None  # type: ignore[assignment]


CHILDREN: dict[str, type[Record]] = {
    "invoices": Invoice, "notes": Note, "flags": Flag, "contacts": Contact, "tickets": Ticket,
    "one_time_credits": OneTimeCredit,
}
NESTED = frozenset(("credit", *CHILDREN, *c.SERIES))
# Plain field names of each record (what CSV headers and the merged views use).
MEMBER_FIELDS = tuple(Member.model_fields)
ACCOUNT_FIELDS = tuple(n for n in Account.model_fields if n not in NESTED)
CREDIT_FIELDS = tuple(Credit.model_fields)
INVOICE_FIELDS = tuple(Invoice.model_fields)
CONTACT_FIELDS = tuple(Contact.model_fields)
MEMBER_REFS = ("team_lead_slack_id",)
ACCOUNT_REFS = ("owner_slack_id", "previous_owner_slack_id", "tam_overlay_slack_id")
# §11: these only move forward (the later of stored and imported wins); null clears.
FORWARD_ONLY = ("last_customer_slack_message_at", "last_inbound_at", "last_outbound_at")
# Defaults a null clears back to (§11); absent from this map means null.
ACCOUNT_DEFAULTS: dict[str, object] = {
    "segments": [], "high_potential": False, "retained_by_tae": False, "open_cross_sell_opps": 0,
    "subscription_status": "active", "nonprofit": False, "trial_revenue": False, "uptime_sla": False,
    "paying_for": [], "billing_limits": {}, "destinations": [], "billing_page_views": [], "risk_indicators": [],
    "stripe_customer_ids": [], "slack_channel_ids": [],
}
MEMBER_DEFAULTS: dict[str, object] = {"is_team_lead": False, "out_of_office": False}
MAP_FIELDS = ("user_region_counts", "billing_limits")


def unknown_field_message(name: str, known: list[str] | tuple[str, ...], hints: dict[str, str]) -> str:
    """E_UNKNOWN_FIELD text: the replacement for an old or derived name, else the nearest field."""
    if name in hints:
        return hints[name]
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    if close:
        return f'not a field; did you mean "{close[0]}"?'
    return "not a field of this record (IMPORT.md lists every field)"
