"""Each churn-risk signal of churn-risk.md §4.4, with the evidence a rep can check.

Hard flags F0-F8 (002_59a801b964a2a19e.txt:11490-11507) and early warnings W1-W13
(002:11404 and the other lines in `CITES`). A signal whose inputs are missing is "not
evaluated", never silently healthy (§3.2). Pure: `now` is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from services.churn.model import AccountSnapshot, Contact, Flag, Invoice
from services.churn.policy import (
    ACTIVE_USERS_MAX_WARNING,
    CANCEL_AFTER_DAYS,
    CITES,
    HEALTH_POOR_LABEL,
    HEALTH_POOR_WEEKS,
    PAID_PRODUCT_MIN_USD,
    RECOMMENDATION_STALE_DAYS,
    RENEWAL_WINDOW_DAYS,
    SLACK_QUIET_DAYS,
    SUSPEND_AFTER_DAYS,
    USAGE_DROP_FLAG,
    ChurnPolicy,
)
from services.churn.usage import (
    Downtrend,
    UsageDrop,
    downtrend,
    product_spend_last_month,
    usage_drop,
    usage_stale_since,
)
from services.formatting import money, pct, product_label

#: A hard flag suppresses the early warning it implies (§4.4 "Subsumption").
SUBSUMES = {"F2": "W2", "F3": "W6", "F4": "W10", "F6": "W11", "F8": "W9"}
#: Negative engagement signals for F7 (§4.4 [INF]).
NEGATIVE_ENGAGEMENT = ("F2", "W1", "W2", "W3", "W4", "W5", "W6", "W11", "C4")


@dataclass(frozen=True)
class Signal:
    code: str
    evidence: str  # full sentence for the reply
    short: str  # a few words for the digest line
    cite: str
    suppressed_by: str | None = None  # shown as evidence under that F, never counted


@dataclass(frozen=True)
class NotEvaluated:
    code: str
    reason: str


@dataclass(frozen=True)
class ContextItem:
    code: str
    text: str
    cite: str


@dataclass(frozen=True)
class LatePayment:
    """The oldest late invoice (002:3642 credit-based; 002:3644 pay-as-you-go)."""

    invoice_id: str
    amount: Decimal
    late_on: date
    days_late: int
    replied_at: datetime | None
    responsive: bool

    @property
    def notice_on(self) -> date:  # step 2: one day before suspension, 002:3661-3663
        return self.late_on + timedelta(days=SUSPEND_AFTER_DAYS - 1)

    @property
    def suspend_on(self) -> date:  # step 3, 002:3665-3671
        return self.late_on + timedelta(days=SUSPEND_AFTER_DAYS)

    @property
    def cancel_on(self) -> date:  # step 5, 002:3681-3685
        return self.late_on + timedelta(days=CANCEL_AFTER_DAYS)


@dataclass(frozen=True)
class SignalReport:
    signals: tuple[Signal, ...]  # every signal that holds, suppressed ones included
    not_evaluated: tuple[NotEvaluated, ...]
    context: tuple[ContextItem, ...]
    usage: UsageDrop | None
    downtrend: Downtrend | None
    late_payment: LatePayment | None
    days_to_renewal: int | None
    poor_streak: int
    paid_products: dict[str, Decimal] | None
    usage_stale: date | None = None  # the last day with usage data, when the feed is stale

    def holds(self, code: str) -> bool:
        return any(s.code == code for s in self.signals)

    @property
    def hard(self) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.code.startswith("F") and s.code != "F0")

    @property
    def warnings(self) -> tuple[Signal, ...]:
        """Early warnings that count (not suppressed by a hard flag)."""
        return tuple(s for s in self.signals if s.code.startswith("W") and s.suppressed_by is None)


def _active(flag: Flag, now: datetime) -> bool:
    return flag.at <= now and (flag.cleared_at is None or flag.cleared_at > now)


def _recent_flags(account: AccountSnapshot, kind: str, now: datetime, days: int) -> list[Flag]:
    since = now - timedelta(days=days)
    return sorted(
        (f for f in account.flags if f.kind == kind and _active(f, now) and f.at >= since),
        key=lambda f: f.at,
    )


def _quote(note: str) -> str:
    return f' ("{note}")' if note else ""


def _day(ts: datetime | date) -> str:
    return (ts.date() if isinstance(ts, datetime) else ts).isoformat()


def last_inbound(account: AccountSnapshot) -> datetime | None:
    """Latest customer reply on any channel (§3.2): the account's field, any contact's, or a
    customer message in the shared Slack channel."""
    stamps = [account.last_inbound_at, account.last_customer_slack_message_at]
    stamps += [c.last_inbound_at for c in account.contacts]
    return max((s for s in stamps if s is not None), default=None)


def _late_payment(account: AccountSnapshot, now: datetime, policy: ChurnPolicy) -> LatePayment | None:
    today = now.date()
    found: list[tuple[datetime, date, Invoice]] = []
    for inv in account.invoices:
        if inv.status != "open":
            continue
        remaining = inv.amount_remaining if inv.amount_remaining is not None else inv.amount_due
        if remaining <= 0:
            continue
        if inv.payment_method == "bank_transfer" and inv.due_date and inv.due_date < today:
            # Late once the due date has passed (002:3642): a reply counts from the next day.
            start = datetime.combine(inv.due_date + timedelta(days=1), datetime.min.time(), UTC)
            found.append((start, inv.due_date, inv))
        elif inv.payment_method == "card" and inv.attempt_count >= 1:
            failed = inv.first_failed_at or inv.finalized_at
            if failed is not None and failed <= now:
                found.append((failed, failed.date(), inv))
    if not found:
        return None
    start, late_on, inv = min(found, key=lambda item: item[0])
    replied = last_inbound(account)
    replied_since = replied if replied is not None and replied >= start else None
    days = (today - late_on).days
    responsive = replied_since is not None or days < policy.payment_unresponsive_days
    amount = inv.amount_remaining if inv.amount_remaining is not None else inv.amount_due
    return LatePayment(inv.id, amount, late_on, days, replied_since, responsive)


def _health_streak(account: AccountSnapshot) -> tuple[int, bool, date | None]:
    """(consecutive Poor weeks ending at the latest snapshot, chain broken by a gap?, latest week)."""
    if not account.health_history:
        return 0, False, None
    weeks = sorted(account.health_history)
    latest = weeks[-1]
    streak = 0
    week = latest
    while account.health_history.get(week) == HEALTH_POOR_LABEL:
        streak += 1
        week -= timedelta(weeks=1)
    gap = streak > 0 and week not in account.health_history and week >= weeks[0]
    return streak, gap, latest


def _replacement(account: AccountSnapshot, after: datetime, now: datetime, left: Contact | None) -> datetime | None:
    """When a replacement relationship showed up after `after` (§4.4 F3 [INF])."""
    stamps = [
        c.last_inbound_at
        for c in account.contacts
        if c is not left
        and c.status == "active"
        and c.role in ("champion", "decision_maker")
        and c.last_inbound_at is not None
        and c.last_inbound_at > after
    ]
    stamps += [f.at for f in account.flags if f.kind == "replacement_champion" and _active(f, now) and f.at >= after]
    return min(stamps, default=None)


def evaluate_signals(account: AccountSnapshot, now: datetime, policy: ChurnPolicy) -> SignalReport:
    """Every F and W signal that holds, what could not be evaluated, and the context lines."""
    today = now.date()
    sig: list[Signal] = []
    gaps: list[NotEvaluated] = []
    ctx: list[ContextItem] = []

    def add(code: str, evidence: str, short: str) -> None:
        sig.append(Signal(code, evidence, short, CITES[code]))

    # F0: a person already flagged it. 002:11304, 11490
    if account.in_churn_risk_segment:
        since = f" since {_day(account.churn_risk_flagged_at)}" if account.churn_risk_flagged_at else ""
        add("F0", f"In the Vitally Churn Risk segment{since}", "in Churn Risk segment")

    memory = policy.owner_fact_memory_days
    # F1: the customer said they are evaluating alternatives. 002:11493
    for flag in _recent_flags(account, "evaluating_alternatives", now, memory)[-1:]:
        add("F1", f"Customer is evaluating alternatives ({_day(flag.at)}){_quote(flag.note)}",
            f"evaluating alternatives{_quote(flag.note)}")

    # Explanations of a decline (seasonal, optimization) suppress F2 and W2.
    seasonal_fact = next(
        (f for f in account.flags if f.kind == "seasonal_explanation" and _active(f, now)
         and f.until is not None and f.until >= today), None)
    optimized = _recent_flags(account, "optimization_note", now, policy.optimization_note_days)

    # F2: usage dropped 30%+ with no seasonal explanation. 002:11495
    drop = usage_drop(account, today, policy)
    f2_fires = False
    if drop is None:
        stale = usage_stale_since(account, today, policy)
        gaps.append(NotEvaluated("F2", f"no usage recorded since {stale}" if stale
                                 else "no usage or event history covering the last 120 days"))
    elif drop.drop is not None and drop.drop >= USAGE_DROP_FLAG:
        yoy_explains = drop.yoy_drop is not None and drop.yoy_drop >= drop.drop - policy.seasonal_yoy_tolerance
        label = {"usage": "Usage", "usage_monthly": "Usage", "events": "Event volume"}[drop.source]
        last30 = f"30d to {drop.data_through}" if drop.data_through else "last 30d"
        windows = {
            "usage": f"{last30} {money(drop.recent)} vs 3×30d baseline {money(drop.baseline)}",
            "usage_monthly": f"last month {money(drop.recent)} vs 3-month baseline {money(drop.baseline)}, monthly data",
            "events": f"last 4 weeks {drop.recent:,.0f} vs 3×4-week baseline {drop.baseline:,.0f} events",
        }[drop.source]
        if seasonal_fact is not None:
            ctx.append(ContextItem("F2", f"{label} −{pct(drop.drop)} explained by seasonality"
                                   f" (owner note until {seasonal_fact.until}){_quote(seasonal_fact.note)}", CITES["F2"]))
        elif yoy_explains:
            assert drop.yoy_drop is not None
            ctx.append(ContextItem("F2", f"{label} −{pct(drop.drop)} explained by seasonality"
                                   f" (YoY −{pct(drop.yoy_drop)})", CITES["F2"]))
        elif optimized:
            ctx.append(ContextItem("F2", f"{label} −{pct(drop.drop)} after documented optimization"
                                   f" ({_day(optimized[-1].at)}){_quote(optimized[-1].note)}", "002:8298"))
        else:
            f2_fires = True
            spike = ", spike adjusted" if drop.spike_adjusted else ""
            add("F2", f"{label} −{pct(drop.drop)} ({windows}{spike}), no seasonal note",
                f"{label.lower()} −{pct(drop.drop)} vs baseline")
    elif drop.spike_adjusted:
        ctx.append(ContextItem("F2", f"A usage spike in the baseline was adjusted to the average of the two"
                               f" periods before it; usage {_change(drop.drop)} vs baseline", "002:2177-2184"))
    usage_stale = None
    if drop is not None and drop.data_through is not None and drop.missing_days >= policy.usage_stale_days:
        usage_stale = drop.data_through
        ctx.append(ContextItem("DATA", f"Usage data is stale: nothing after {drop.data_through}"
                               f" ({drop.missing_days} days); the usage drop is measured up to that day,"
                               " missing days are not counted as zero", CITES["F2"]))

    # F3 / W6: champion left (no replacement) / changed roles or left recently. 002:11497, 11404
    departures = [c for c in account.contacts if c.role == "champion" and c.status in ("left", "role_changed")
                  and c.changed_at is not None]
    champion_flags = [f for f in account.flags if f.kind == "champion_left" and _active(f, now)]
    left_events: list[tuple[str, datetime, Contact | None]] = [
        (c.name or c.email, c.changed_at, c) for c in departures if c.status == "left" and c.changed_at]
    left_events += [("(owner note)", f.at, None) for f in champion_flags]
    unreplaced = [(who, at, c) for who, at, c in left_events if _replacement(account, at, now, c) is None]
    if unreplaced:
        who, at, _ = max(unreplaced, key=lambda e: e[1])
        add("F3", f"Champion {who} left {_day(at)}, no replacement relationship since",
            f"champion left {_day(at)}, no replacement")
    recent_cut = now - timedelta(days=policy.champion_recent_days)
    recent_moves = [(c.name or c.email, c.changed_at, c.status, c) for c in departures
                    if c.changed_at and c.changed_at >= recent_cut]
    recent_moves += [("(owner note)", f.at, "left", None) for f in champion_flags if f.at >= recent_cut]
    if recent_moves:
        who, at, status, contact = max(recent_moves, key=lambda e: e[1])
        verb = "left" if status == "left" else "changed roles"
        repl = _replacement(account, at, now, contact)
        tail = f", replacement engaged {_day(repl)}" if repl else ""
        add("W6", f"Champion {who} {verb} {_day(at)}{tail}", f"champion {verb} {_day(at)}{tail and ', replacement engaged'}")

    # F4 / W10: payment late and unresponsive / late but responsive. 002:11499, 3642-3658
    late = _late_payment(account, now, policy)
    if late is not None:
        what = f"Invoice {late.invoice_id} ({money(late.amount)}) late since {late.late_on}, {late.days_late} days"
        if late.responsive:
            reply = f", customer replied {_day(late.replied_at)}" if late.replied_at else ", within the reply window"
            add("W10", what + reply, f"invoice {late.days_late}d late, customer responded")
        else:
            add("F4", what + ", no reply since", f"payment failed {late.late_on}, no reply")

    # F5: full data export requested. 002:11501
    export_cut = now - timedelta(days=memory)
    exports = [t for t in account.tickets if "data_export" in t.tags and t.created_at >= export_cut
               and "not_full_export" not in t.tags]
    export_flags = _recent_flags(account, "data_export_requested", now, memory)
    if exports:
        t = max(exports, key=lambda t: t.created_at)
        subject = f' "{t.subject}"' if t.subject else ""
        add("F5", f"Full data export requested {_day(t.created_at)} (ticket #{t.id}{subject})",
            f"full data export requested {_day(t.created_at)}")
    elif export_flags:
        f = export_flags[-1]
        add("F5", f"Full data export requested {_day(f.at)}{_quote(f.note)}", f"full data export requested {_day(f.at)}")

    # F6 / W11: health Poor 4+ consecutive weeks / Poor now. 002:11503, 2330
    streak, gap, latest_week = _health_streak(account)
    if latest_week is None or (today - latest_week).days > policy.health_stale_days:
        gaps.append(NotEvaluated("F6", "no health score in the last 2 weeks"))
    else:
        incomplete = " (health history incomplete)" if gap else ""
        if streak >= HEALTH_POOR_WEEKS:
            add("F6", f"Health score Poor for {streak} consecutive weeks (≥{HEALTH_POOR_WEEKS})",
                f"health Poor {streak} weeks")
        elif streak > 0:
            add("W11", f"Health score Poor for {streak} week{'s' if streak > 1 else ''} (<{HEALTH_POOR_WEEKS}){incomplete}",
                f"health Poor {streak} week{'s' if streak > 1 else ''}")

    # W1: recommendation open 2+ weeks. 002:11404
    stale = [n for n in account.notes if n.kind == "recommendation" and n.status == "open"
             and (now - n.at).days >= RECOMMENDATION_STALE_DAYS]
    if stale:
        oldest = min(stale, key=lambda n: n.at)
        days = (now - oldest.at).days
        add("W1", f'Recommendation open {days} days: "{oldest.title}"', f"rec. open {days}d")

    # W2: event volume down 4+ weeks, no seasonality. 002:11404, 278
    trend = downtrend(account, today, policy)
    if trend is None:
        if "down_trending_volume" in account.risk_indicators:
            add("W2", "Vitally risk indicator: down-trending event volume", "event volume down-trending")
        else:
            gaps.append(NotEvaluated("W2", "fewer than 12 complete weeks of event counts"))
    elif trend.holds:
        yoy_explains = trend.yoy_decline is not None and trend.yoy_decline >= trend.decline - policy.seasonal_yoy_tolerance
        if seasonal_fact is None and not yoy_explains and not optimized:
            add("W2", f"Event volume below the prior 8-week mean for {len(trend.recent)} weeks: last 4 weeks avg "
                f"{float(trend.recent_mean):,.0f} vs {float(trend.prior_mean):,.0f} (−{pct(trend.decline)})",
                f"events −{pct(trend.decline)} 4 weeks")
        elif not f2_fires and yoy_explains:
            ctx.append(ContextItem("W2", f"Event volume −{pct(trend.decline)} over 4 weeks, seasonal"
                                   f" (YoY −{pct(trend.yoy_decline or 0)})", CITES["W2"]))

    # W3: only 1-2 active users. 002:11404
    if account.active_users_30d is None:
        gaps.append(NotEvaluated("W3", "active users (30d) unknown"))
    elif account.active_users_30d <= ACTIVE_USERS_MAX_WARNING:
        n = account.active_users_30d
        add("W3", f"Only {n} active user{'s' if n != 1 else ''} (30d)", f"{n} active user{'s' if n != 1 else ''}")

    # W4: no customer Slack activity 14+ days. 002:11404
    if not account.slack_channel_ids:
        gaps.append(NotEvaluated("W4", "no shared Slack channel"))
    elif account.last_customer_slack_message_at is None:
        gaps.append(NotEvaluated("W4", "no customer Slack message on record"))
    else:
        quiet = (today - account.last_customer_slack_message_at.date()).days
        if quiet >= SLACK_QUIET_DAYS:
            add("W4", f"No customer Slack activity for {quiet} days (≥{SLACK_QUIET_DAYS})", f"Slack quiet {quiet}d")

    # W5: billing page visits without commercial context. 002:11404, 10760
    visit_cut = now - timedelta(days=policy.billing_visit_window_days)
    visits = sorted(v for v in account.billing_page_views if visit_cut <= v <= now)
    context_cut = now - timedelta(days=policy.billing_context_days)
    talks = [n for n in account.notes if n.kind == "commercial" and context_cut <= n.at <= now]
    if visits and not talks:
        add("W5", f"Billing page viewed {_day(visits[-1])} ({len(visits)}× in {policy.billing_visit_window_days}d)"
            f" with no commercial conversation in {policy.billing_context_days} days", "billing page visits")

    # W7: support tickets spiking. 002:11404
    window = now - timedelta(days=policy.ticket_spike_window_days)
    base_start = window - timedelta(days=policy.ticket_baseline_days)
    recent_t = sum(1 for t in account.tickets if window <= t.created_at <= now)
    prior_t = sum(1 for t in account.tickets if base_start <= t.created_at < window)
    expected = Fraction(prior_t * policy.ticket_spike_window_days, policy.ticket_baseline_days)
    if recent_t >= policy.ticket_spike_min and recent_t >= policy.ticket_spike_ratio * expected:
        add("W7", f"{recent_t} tickets in {policy.ticket_spike_window_days} days (expected {float(expected):.1f})",
            f"{recent_t} tickets in {policy.ticket_spike_window_days}d")

    # W8: single paid product (> $200). 002:11404, 8230
    spend = product_spend_last_month(account, today, policy)
    paid = None
    if spend is None and account.paying_for:
        # No spend figures: Vitally's "Paying for <Product>" traits (002:2280) stand in.
        if len(account.paying_for) == 1:
            add("W8", f"Single paid product ({product_label(account.paying_for[0])}, from Vitally's"
                " \"Paying for\" trait)", "single product")
    elif spend is None:
        gaps.append(NotEvaluated("W8", "no product usage or spend"))
    else:
        paid = {p: v for p, v in spend.items() if v > PAID_PRODUCT_MIN_USD}
        if len(paid) == 1:
            (product, value), = paid.items()
            add("W8", f"Single paid product ({product_label(product)} {money(value)}; others ≤ $200)", "single product")

    # W9 / F8: warehouse-only use / all analysis external. 002:11404, 11507
    exports_n = sum(1 for d in account.destinations if d.kind == "batch_export")
    inapp = account.inapp_analysis_actions_30d
    external_flag = [f for f in account.flags if f.kind == "all_analysis_external" and _active(f, now)]
    if external_flag:
        add("F8", f"All analysis happens outside PostHog{_quote(external_flag[-1].note)}", "all analysis outside PostHog")
    if exports_n:
        if inapp is None:
            gaps.append(NotEvaluated("W9", "in-app analysis actions (30d) unknown"))
        else:
            if not external_flag and inapp <= policy.not_source_of_truth_inapp_actions_30d:
                add("F8", f"All analysis outside PostHog: {exports_n} batch export{'s' if exports_n > 1 else ''},"
                    f" {inapp} in-app analysis actions (30d)", "all analysis outside PostHog")
            if inapp < policy.warehouse_only_max_inapp_actions_30d:
                add("W9", f"Data exported to a warehouse, {inapp} in-app analysis actions (30d)", "export-only use")

    # W12: data flowing to a competitor. 002:10670
    competitors = {v.lower() for v in policy.competitor_vendors}
    rivals = sorted({d.vendor for d in account.destinations if d.vendor.lower() in competitors})
    if rivals:
        add("W12", f"Data flows to a competitor: {', '.join(rivals)}", f"data → {', '.join(rivals)}")

    # W13: price or budget pressure. 002:274-276
    pressure = _recent_flags(account, "price_pressure", now, memory) + _recent_flags(account, "budget_cut", now, memory)
    if pressure:
        f = max(pressure, key=lambda f: f.at)
        kind = "Price pressure" if f.kind == "price_pressure" else "Budget cut"
        add("W13", f"{kind} noted {_day(f.at)}{_quote(f.note)}", kind.lower())

    # C4: one-sided relationship (context, and a negative engagement signal for F7). 002:2685
    inbound = last_inbound(account)
    one_sided = (
        account.last_outbound_at is not None
        and (inbound is None or account.last_outbound_at > inbound)
        and (inbound is None or (now - inbound).days >= policy.one_sided_days)
    )
    if one_sided:
        since = f"since {_day(inbound)}" if inbound else "on record"
        ctx.append(ContextItem("C4", f"One-sided: our outreach, no customer reply {since}", "002:2685"))

    # F7: renewal in <90 days with negative engagement. 002:11505
    days_to_renewal = None
    if account.credit is not None and account.credit.term_end is not None:
        days_to_renewal = (account.credit.term_end - today).days
    held = {s.code for s in sig} | ({"C4"} if one_sided else set())
    negatives = [c for c in NEGATIVE_ENGAGEMENT if c in held]
    if days_to_renewal is not None and 0 <= days_to_renewal < RENEWAL_WINDOW_DAYS and negatives:
        add("F7", f"Renewal in {days_to_renewal} days (<{RENEWAL_WINDOW_DAYS}) with negative engagement"
            f" ({', '.join(negatives)})", f"renewal in {days_to_renewal}d + negative engagement")

    # Suppression: the W implied by a hard flag is kept as evidence only.
    hard = {s.code for s in sig if s.code.startswith("F")}
    marked = []
    for s in sig:
        by = next((f for f, w in SUBSUMES.items() if w == s.code and f in hard), None)
        marked.append(Signal(s.code, s.evidence, s.short, s.cite, by) if by else s)
    order = {code: i for i, code in enumerate(CITES)}
    marked.sort(key=lambda s: order[s.code])

    return SignalReport(
        signals=tuple(marked),
        not_evaluated=tuple(gaps),
        context=tuple(ctx),
        usage=drop,
        downtrend=trend,
        late_payment=late,
        days_to_renewal=days_to_renewal,
        poor_streak=streak,
        paid_products=paid,
        usage_stale=usage_stale,
    )


def _change(drop: Fraction | None) -> str:
    if drop is None:
        return "n/a"
    return f"−{pct(drop)}" if drop > 0 else f"+{pct(-drop)}"
