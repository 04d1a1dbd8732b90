"""Which fields each record of the import format has (IMPORT.md §4-§6), and the hints for old,
replaced and derived names (§4-§8 "replaces" columns, §8) that E_UNKNOWN_FIELD prints."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.importer import conventions as c


@dataclass(frozen=True)
class Field:
    parser: c.Parser
    required: bool = False  # required when the record is created (and never null)


MEMBER_FIELDS: dict[str, Field] = {
    "slack_id": Field(c.slack_user, required=True),
    "name": Field(c.required_text(200), required=True),
    "email": Field(c.email),
    "role": Field(
        c.enum(c.ROLES, c.ROLE_SYNONYMS, hints={"CMOC": 'CMOC is a rota duty, not a role: set "cmoc": "EU" or "US"'}),
        required=True,
    ),
    "region": Field(c.enum(c.REGIONS, c.REGION_SYNONYMS)),
    "is_team_lead": Field(c.boolean),
    "team_lead_slack_id": Field(c.slack_user),
    "cmoc": Field(c.enum(c.CMOC_REGIONS)),
    "out_of_office": Field(c.boolean),
    "managed_count": Field(c.integer()),
    "leads_count": Field(c.integer()),
}
MEMBER_REFS = ("team_lead_slack_id",)

ACCOUNT_FIELDS: dict[str, Field] = {
    "id": Field(c.account_id, required=True),
    "name": Field(c.required_text(300), required=True),
    "domain": Field(c.domain),
    "posthog_org_id": Field(c.required_text(128)),
    "vitally_url": Field(c.url),
    "salesforce_id": Field(c.required_text(64)),
    "stripe_customer_ids": Field(c.list_of(c.stripe_customer)),
    "zendesk_org_id": Field(c.integer(minimum=1)),
    "slack_channel_ids": Field(c.list_of(c.slack_channel)),
    "country": Field(c.country),
    "cloud": Field(c.enum(c.CLOUDS)),
    "owner_slack_id": Field(c.slack_user),
    "owner_since": Field(c.a_date),
    "previous_owner_slack_id": Field(c.slack_user),
    "tam_overlay_slack_id": Field(c.slack_user),
    "new_owner": Field(c.enum(c.NEW_OWNER)),
    "segments": Field(c.list_of(c.segment)),
    "churn_risk_flagged_at": Field(c.timestamp),
    "top40": Field(c.boolean),
    "high_potential": Field(c.boolean),
    "retained_by_tae": Field(c.boolean),
    "closed_won_date": Field(c.a_date),
    "initial_deal_arr": Field(c.money()),
    "open_cross_sell_opps": Field(c.integer()),
    "onboarding_checklist": Field(c.onboarding_checklist),
    "user_region_counts": Field(c.map_of(c.enum(c.REGION_COUNT_KEYS), c.integer())),
    "arr": Field(c.money()),
    "forecasted_mrr": Field(c.money()),
    "first_paid_date": Field(c.a_date),
    "subscription_status": Field(c.enum(c.SUBSCRIPTION_STATUS, c.SUBSCRIPTION_SYNONYMS)),
    "canceled_at": Field(c.timestamp),
    "billing_email": Field(c.email),
    "legacy_coupon_pct": Field(c.pct),
    "nonprofit": Field(c.boolean),
    "trial_revenue": Field(c.boolean),
    "uptime_sla": Field(c.boolean),
    "paying_for": Field(c.list_of(c.product)),
    "products_used": Field(c.list_of(c.product)),
    "billing_limits": Field(c.map_of(c.product, c.money_text)),
    "destinations": Field(c.list_of(c.destination)),
    "active_users_30d": Field(c.integer()),
    "inapp_analysis_actions_30d": Field(c.integer()),
    "last_customer_slack_message_at": Field(c.timestamp),
    "last_inbound_at": Field(c.timestamp),
    "last_outbound_at": Field(c.timestamp),
    "billing_page_views": Field(c.list_of(c.ts_text)),
    "risk_indicators": Field(c.list_of(c.enum(c.RISK_INDICATORS))),
}
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

CREDIT_FIELDS: dict[str, Field] = {
    "amount": Field(c.money()),
    "discount_pct": Field(c.pct),
    "term_start": Field(c.a_date),
    "term_months": Field(c.integer(minimum=1, maximum=c.MAX_TERM_MONTHS)),
    "term_end": Field(c.a_date),
    "first_purchase_date": Field(c.a_date),
    "balance": Field(c.money(negative_ok=True)),
    "expires_on": Field(c.a_date),
    "startup_plan": Field(c.boolean),
    "yc_plan": Field(c.boolean),
    "billing_config": Field(c.enum(c.BILLING_CONFIG, c.BILLING_CONFIG_SYNONYMS)),
    "scheduled_remaining": Field(c.money()),
}

INVOICE_FIELDS: dict[str, Field] = {
    "id": Field(c.stripe_invoice, required=True),
    "stripe_customer_id": Field(c.stripe_customer),
    "status": Field(c.enum(c.INVOICE_STATUS), required=True),
    "payment_method": Field(c.enum(c.PAYMENT_METHOD, c.PAYMENT_METHOD_SYNONYMS), required=True),
    "kind": Field(c.enum(c.INVOICE_KIND)),
    "currency": Field(c.currency),
    "total": Field(c.money()),
    "amount_due": Field(c.money(), required=True),
    "amount_paid": Field(c.money()),
    "amount_remaining": Field(c.money()),
    "due_date": Field(c.a_date),
    "period_start": Field(c.a_date),
    "period_end": Field(c.a_date),
    "finalized_at": Field(c.timestamp),
    "paid_at": Field(c.timestamp),
    "attempt_count": Field(c.integer()),
    "first_failed_at": Field(c.timestamp),
}

NOTE_FIELDS: dict[str, Field] = {
    "id": Field(c.required_text(128)),
    "kind": Field(c.enum(c.NOTE_KINDS), required=True),
    "title": Field(c.required_text(), required=True),
    "body": Field(c.text(100_000)),
    "created_at": Field(c.timestamp),
    "updated_at": Field(c.timestamp, required=True),
    "author": Field(c.text(320)),
    "status": Field(c.enum(c.NOTE_STATUS)),
}

FLAG_FIELDS: dict[str, Field] = {
    "kind": Field(c.enum(c.FLAG_KINDS), required=True),
    "at": Field(c.timestamp, required=True),
    "until": Field(c.a_date),
    "note": Field(c.text(10_000)),
    "author": Field(c.text(320)),
    "cleared_at": Field(c.timestamp),
}

CONTACT_FIELDS: dict[str, Field] = {
    "email": Field(c.email, required=True),
    "name": Field(c.text(200)),
    "role": Field(c.enum(c.CONTACT_ROLES)),
    "status": Field(c.enum(c.CONTACT_STATUS)),
    "changed_at": Field(c.timestamp),
    "last_inbound_at": Field(c.timestamp),
}

TICKET_FIELDS: dict[str, Field] = {
    "id": Field(c.integer(minimum=1), required=True),
    "created_at": Field(c.timestamp, required=True),
    "status": Field(c.enum(c.TICKET_STATUS), required=True),
    "priority": Field(c.enum(c.TICKET_PRIORITY)),
    "tags": Field(c.list_of(c.required_text(200))),
    "subject": Field(c.text(2000)),
}

ONE_TIME_CREDIT_FIELDS: dict[str, Field] = {
    "date": Field(c.a_date, required=True),
    "amount": Field(c.money(), required=True),
    "reason": Field(c.enum(c.ONE_TIME_CREDIT_REASONS), required=True),
}

CHILD_FIELDS: dict[str, dict[str, Field]] = {
    "invoices": INVOICE_FIELDS,
    "notes": NOTE_FIELDS,
    "flags": FLAG_FIELDS,
    "contacts": CONTACT_FIELDS,
    "tickets": TICKET_FIELDS,
    "one_time_credits": ONE_TIME_CREDIT_FIELDS,
}
SERIES_ROW_FIELDS = ("period", "value", "product", "billed", "label")

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
CHILD_HINTS: dict[str, dict[str, str]] = {
    "invoices": INVOICE_HINTS,
    "one_time_credits": {"month": 'replaced; use "date" (YYYY-MM-DD)'},
    "flags": {"until_date": 'renamed; use "until"'},
}


def unknown_field_message(name: str, known: list[str] | tuple[str, ...], hints: dict[str, str]) -> str:
    """E_UNKNOWN_FIELD text: the replacement for an old or derived name, else the nearest field."""
    if name in hints:
        return hints[name]
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    if close:
        return f'not a field; did you mean "{close[0]}"?'
    return "not a field of this record (IMPORT.md lists every field)"
