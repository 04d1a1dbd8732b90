"""Properties of the handover checker over generated accounts (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.handover.blocks import report_message
from services.handover import policy as P
from services.handover.check import check
from services.handover.model import AccountSnapshot, Confirmation, Invoice, Status, Target, Verdict
from tests.handover.service_fixtures import OPTIONS, TEAM, TODAY

PRODUCTS = [*P.CORE_PRODUCTS, "product_analytics", "data_warehouse"]
dates = st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31))
maybe_dates = st.none() | dates
money = st.decimals(min_value=0, max_value=2_000_000, places=2, allow_nan=False, allow_infinity=False)

invoices = st.builds(
    Invoice, id=st.from_regex(r"in_[a-z]{3}", fullmatch=True),
    status=st.sampled_from(["draft", "open", "paid", "void", "uncollectible"]),
    amount_due=money, due_date=maybe_dates, payment_failed=st.booleans(),
)

snapshots = st.builds(
    AccountSnapshot,
    id=st.just("acct"), name=st.text(min_size=1, max_size=60),
    owner_slack_id=st.sampled_from([*TEAM, None]),
    owner_since=maybe_dates,
    arr=st.none() | money, forecasted_mrr=st.none() | money,
    new_owner=st.none() | st.sampled_from([*P.NEW_OWNER_VALUES, P.NEW_OWNER_READY]),
    segments=st.frozensets(st.sampled_from(["Churn Risk", "AM referral", "Startup Plan", "AM Managed"])),
    yc_plan=st.booleans(), top40=st.none() | st.booleans(), arr_rank=st.none() | st.integers(1, 500),
    paying_for=st.frozensets(st.sampled_from(PRODUCTS)),
    first_purchase_date=maybe_dates, closed_won_date=maybe_dates, initial_deal_arr=st.none() | money,
    high_potential=st.booleans(), retained_by_tae=st.booleans(),
    discount_pct=st.none() | st.decimals(min_value=0, max_value=60, places=0),
    term_start=maybe_dates, term_end=maybe_dates,
    account_plan_updated_at=maybe_dates, expansion_levers_updated_at=maybe_dates,
    growth_note_updated_at=maybe_dates, plan_above_20k=st.booleans(),
    invoices=st.lists(invoices, max_size=4).map(tuple),
    health_label=st.none() | st.sampled_from(["Good", "Concerning", "Poor"]),
    usage_change_pct=st.none() | st.decimals(min_value=-100, max_value=100, places=0),
    active_users_30d=st.none() | st.integers(0, 50), days_since_customer_slack=st.none() | st.integers(0, 90),
    risk_indicators=st.frozensets(st.sampled_from([*P.BILLING_WASTE_INDICATORS, "down_trending_volume", "champion_left"])),
    billing_email=st.none() | st.just("ap@example.com"),
    open_cross_sell_opps=st.integers(0, 3),
    user_region_counts=st.none() | st.dictionaries(st.sampled_from(["US", "EU", "APAC", "OTHER"]), st.integers(0, 50)),
    unavailable_sources=st.frozensets(st.sampled_from(["Stripe", "Vitally"])),
)
targets = st.none() | st.sampled_from(["TAM", "CSM", "TAE", "BDR"]).map(lambda r: Target(role=r)) | st.sampled_from(
    list(TEAM.values())).map(lambda m: Target(role=m.role, region=m.region, member=m))


@settings(max_examples=300)
@given(snapshots, targets)
def test_verdict_follows_the_worst_item(snapshot, target):
    report = check(snapshot, target, TEAM, TODAY, OPTIONS)
    statuses = {i.status for i in report.items}
    if report.verdict in (Verdict.NOT_ALLOWED, Verdict.NOT_A_HANDOVER):
        assert report.items == () and report.message
        return
    expected = (Verdict.NOT_READY if Status.FAIL in statuses
                else Verdict.READY_WITH_WARNINGS if Status.WARN in statuses else Verdict.READY)
    assert report.verdict is expected
    # Items that need a person are always listed, never silently passed (C10, C11 always apply).
    assert {"C10", "C11"} <= {i.id for i in report.items}


@settings(max_examples=200)
@given(snapshots, targets)
def test_recording_every_confirmation_never_changes_the_verdict(snapshot, target):
    before = check(snapshot, target, TEAM, TODAY, OPTIONS)
    now = datetime(2025, 5, 14, tzinfo=UTC)
    recorded = [Confirmation(kind, now, "U0TAE01") for kind in P.CONFIRMATION_KINDS.values()]
    after = check(replace(snapshot, owner_since=None), target, TEAM, TODAY, OPTIONS, recorded)
    assert after.verdict is before.verdict
    assert not any(i.confirm_kind for i in after.by_status(Status.CONFIRM))


@settings(max_examples=200)
@given(snapshots, targets)
def test_unavailable_source_is_never_ready(snapshot, target):
    report = check(replace(snapshot, unavailable_sources=frozenset({"Stripe"})), target, TEAM, TODAY, OPTIONS)
    assert report.verdict is not Verdict.READY
    for item in report.items:
        if item.id in ("C05", "C08b"):
            assert item.status is Status.WARN and "no Stripe data for this account" in item.reason


@settings(max_examples=200)
@given(snapshots, targets)
def test_reply_always_fits_slack_limits(snapshot, target):
    msg = report_message(check(snapshot, target, TEAM, TODAY, OPTIONS))
    assert msg["response_type"] == "ephemeral" and msg["text"]
    assert 1 <= len(msg["blocks"]) <= 50
    for block in msg["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        assert len(block.get("fields", [])) <= 10


@given(st.integers(0, 400))
def test_plan_age_boundary(days):
    """C04 passes up to and including the setting's day count (spec example AB), fails after."""
    from tests.handover.service_fixtures import ALEX, R, account, role
    snapshot = account("Acme", ALEX, 48000, (R,), first_purchase_date=date(2025, 1, 1),
                       account_plan_updated_at=TODAY - timedelta(days=days))
    item = {i.id: i for i in check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).items}["C04"]
    assert (item.status is Status.PASS) == (days <= OPTIONS.account_plan_max_age_days)


@given(st.decimals(min_value=0, max_value=100_000, places=2))
def test_arr_threshold_boundary(arr):
    from tests.handover.service_fixtures import ALEX, R, account, role
    snapshot = account("Acme", ALEX, arr, (R,), first_purchase_date=date(2025, 1, 1))
    item = {i.id: i for i in check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).items}["C01"]
    assert (item.status is Status.PASS) == (Decimal(arr) >= P.MANAGED_ARR_MIN)
