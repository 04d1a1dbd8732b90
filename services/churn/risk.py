"""Level, score, escalations and the playbook's next steps (churn-risk.md §2, §4.5-4.7).

The level comes from the handbook's rules alone; the score only orders accounts
(§4.1). Owners stay owners during escalation (002_59a801b964a2a19e.txt:11551).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from services.churn.model import AccountSnapshot, Person
from services.churn.policy import (
    EARLY_RENEWAL_DAYS,
    FIRST_PAID_DAYS,
    LEADERSHIP_ESCALATION_ARR,
    NEW_OWNER_GRACE_DAYS,
    RECOVERY_CALL_HOURS,
    RENEWAL_FOCUS_FROM_MONTH,
    RENEWAL_WINDOW_DAYS,
    RETRO_DAYS,
    STALE_AT_RISK_DAYS,
    TEAM_LEAD_LEAN_IN_ARR,
    UNMANAGED_FAILED_PAYMENT_USD,
    ChurnPolicy,
)
from services.churn.retention import SHRINKING, lifecycle_stage
from services.churn.revenue_adjust import adjust_mrr, month_add, month_of
from services.churn.signals import ContextItem, SignalReport, evaluate_signals
from services.formatting import money

CHURNED, AT_RISK, WATCH, HEALTHY = "churned", "at_risk", "watch", "healthy"
#: The MRR stage of a month a one-time credit may explain while the next month is open (§4.3 step 5,
#: 002_59a801b964a2a19e.txt:2218-2228): never "churned" or "shrinking" until the rule can be applied.
PENDING_ADJUSTMENT = "pending adjustment"
LEVEL_RANK = {CHURNED: 0, AT_RISK: 1, WATCH: 2, HEALTHY: 3}  # not policy: sort order
IMPLEMENTATION_INDICATORS = (
    "group_analytics_not_implemented", "autocapture_noise", "replay_no_min_duration",
    "identify_overcalling", "reset_before_identify", "no_reverse_proxy", "no_flag_fallback",
)


@dataclass(frozen=True)
class ChurnPeople:
    """People the handbook names, resolved from settings (never hard-coded Slack ids)."""

    leadership: tuple[Person, ...] = (Person("Ben"), Person("Simon"))  # 002:11558
    no_owner: Person = Person("Simon")  # 002:3648, 2342
    unmanaged_large: tuple[Person, ...] = (Person("Simon"), Person("Dana"))  # 002:3654
    team_leads: tuple[Person, ...] = ()  # digest cc, 002:12723, 12742


@dataclass(frozen=True)
class Escalation:
    code: str  # LEADERSHIP STALE CALL_DUE CALL_OVERDUE PAYMENT_OWNER PAYMENT_ESC RETRO_DUE RETRO_OVERDUE
    label: str
    cite: str
    people: tuple[Person, ...] = ()


@dataclass(frozen=True)
class NextStep:
    text: str
    who: tuple[Person, ...]
    due: date | datetime | None
    cite: str
    kind: str = "action"  # segment call plan leadership stale payment renewal warning flag retro unflag
    short: str = ""  # a few words for the digest line; falls back to `text`

    @property
    def brief(self) -> str:
        return self.short or self.text


@dataclass(frozen=True)
class Assessment:
    account: AccountSnapshot
    level: str
    score: int
    report: SignalReport
    escalations: tuple[Escalation, ...]
    next_steps: tuple[NextStep, ...]
    dont: tuple[str, ...]  # reasons to pause cross-sell, each with its line
    context: tuple[ContextItem, ...]
    tagged: tuple[Person, ...]  # who a digest line tags
    suggest_flag: bool = False
    recovered: bool = False  # at risk at the last digest, not any more (never while in the segment)
    suggest_unflag: bool = False  # in the segment, its data-driven flags cleared, recovery call logged
    churned_at: date | None = None
    at_risk_since: datetime | None = None
    pending_adjustment: bool = False
    mrr_recent: tuple[tuple[date, Decimal, str], ...] = field(default=())  # (month, adjusted MRR, stage)

    @property
    def f_codes(self) -> frozenset[str]:
        return frozenset(s.code for s in self.report.hard)

    @property
    def w_codes(self) -> frozenset[str]:
        return frozenset(s.code for s in self.report.warnings)

    def has(self, code: str) -> bool:
        return any(e.code == code for e in self.escalations)

    @property
    def arr(self) -> Decimal:
        return self.account.arr or Decimal("0")


def _churn(account: AccountSnapshot, mrr: dict[date, Decimal], last: date, pending: bool) -> date | None:
    """churned_at per §4.6: Stripe cancellation, or adjusted MRR > 0 -> 0 in the last full month."""
    if account.subscription_status == "canceled":  # 002:3263
        return account.canceled_at.date() if account.canceled_at else last
    startup_on_credits = account.credit is not None and account.credit.startup_plan  # 002:72
    if pending or startup_on_credits:
        return None
    if mrr.get(month_add(last, -1), Decimal(0)) > 0 and mrr.get(last, Decimal(0)) == 0 and last in mrr:
        return last  # 002:1815, 1854
    return None


def _at_risk_since(account: AccountSnapshot, now: datetime, currently_at_risk: bool) -> datetime | None:
    if account.churn_risk_flagged_at is not None:
        return account.churn_risk_flagged_at
    if not currently_at_risk:
        return None
    since = None
    for ev in account.history:  # the start of the latest unbroken run of at_risk evaluations
        if ev.level == AT_RISK:
            since = since or ev.at
        else:
            since = None
    return since or now


def _improved(account: AccountSnapshot, since: datetime, f_codes: frozenset[str], score: int) -> bool:
    """[INF §4.5] an F active at `since` cleared, or the score fell since then."""
    ref = next((ev for ev in account.history if ev.at >= since - timedelta(days=1) and ev.level == AT_RISK), None)
    if ref is None:
        return False
    return bool(ref.f_codes - {"F0"} - f_codes) or score < ref.score


def _owner_people(account: AccountSnapshot, people: ChurnPeople) -> tuple[Person, ...]:
    return (account.owner,) if account.owner else (people.no_owner,)


def assess(
    account: AccountSnapshot,
    now: datetime,
    policy: ChurnPolicy | None = None,
    people: ChurnPeople | None = None,
) -> Assessment:
    """Evaluate one account: level, score, escalations, next steps, cross-sell pauses."""
    policy = policy or ChurnPolicy()
    people = people or ChurnPeople()
    today = now.date()
    report = evaluate_signals(account, now, policy)
    last_month = month_add(month_of(today), -1)
    adjusted = adjust_mrr(account.mrr_history, account.one_time_credits, last_month, account.trial_revenue)
    pending = last_month in adjusted.pending or month_add(last_month, -1) in adjusted.pending
    churned_at = _churn(account, adjusted.mrr, last_month, pending)

    hard = report.hard
    warnings = report.warnings
    f0 = report.holds("F0")
    if churned_at is not None:
        level = CHURNED
    elif hard or f0:
        level = AT_RISK
    elif warnings:
        level = WATCH
    else:
        level = HEALTHY
    score = policy.points_f * len(hard) + policy.points_w * len(warnings) + (policy.points_f if f0 and not hard else 0)
    suggest_flag = level == WATCH and len(warnings) >= policy.suggest_flag_min_warnings
    f_codes = frozenset(s.code for s in hard)
    owners = _owner_people(account, people)
    arr = account.arr or Decimal("0")

    esc: list[Escalation] = []
    since = _at_risk_since(account, now, level == AT_RISK)
    calls = [n for n in account.notes if n.kind == "recovery_call" and since is not None and n.at >= since]
    if level == AT_RISK:
        if arr > LEADERSHIP_ESCALATION_ARR:
            esc.append(Escalation("LEADERSHIP", "ESCALATE: ARR > $50k → involve Ben or Simon", "002:11558",
                                  people.leadership))
        assert since is not None
        age = now - since
        if age >= timedelta(days=STALE_AT_RISK_DAYS) and not _improved(account, since, f_codes, score):
            esc.append(Escalation("STALE", f"STALE {age.days // 7}w (no improvement)", "002:11547"))  # not policy: 7 days a week
        if not calls:
            if age < timedelta(hours=RECOVERY_CALL_HOURS):
                esc.append(Escalation("CALL_DUE", "RECOVERY CALL DUE", "002:11588"))
            else:
                esc.append(Escalation("CALL_OVERDUE", "RECOVERY CALL OVERDUE", "002:11588"))
    late = report.late_payment
    if level in (AT_RISK, WATCH) and late is not None and account.owner is None:
        esc.append(Escalation("PAYMENT_OWNER", "no owner: Simon handles the failed payment", "002:3648",
                              (people.no_owner,)))
        if late.amount >= UNMANAGED_FAILED_PAYMENT_USD:
            esc.append(Escalation("PAYMENT_ESC", f"unmanaged, failed payment ≥ {money(UNMANAGED_FAILED_PAYMENT_USD)}",
                                  "002:3654", people.unmanaged_large))
    if level == CHURNED:
        assert churned_at is not None
        retro_by = churned_at + timedelta(days=RETRO_DAYS)
        code = "RETRO_DUE" if today <= retro_by else "RETRO_OVERDUE"
        esc.append(Escalation(code, f"churn retro {'due' if code == 'RETRO_DUE' else 'overdue'} {retro_by}",
                              "002:11582, 11588"))

    previous = account.history[-1] if account.history else None
    signals_cleared = (
        previous is not None and previous.level == AT_RISK and level != CHURNED
        and not hard and not report.holds("W2")
        # a flag that can no longer be evaluated (missing data) has not cleared
        and not any(g.code in previous.f_codes for g in report.not_evaluated)
    )
    # Recovered [INF §4.5] means no longer at risk. In the Churn Risk segment (F0) an account is at risk
    # until a person removes it (002:11304, 11490; the bot never removes it, 002:11515, 11551), so it stays
    # at risk, counted and chased. Once the data-driven flags it had are gone and the recovery call is
    # logged, the owner is asked to consider removing the segment ("A save isn't done until the risk is
    # resolved and usage is stable", 002:11578).
    recovered = signals_cleared and level in (WATCH, HEALTHY)
    suggest_unflag = (signals_cleared and level == AT_RISK and previous is not None
                      and bool(previous.f_codes - {"F0"}) and bool(calls))

    tagged: tuple[Person, ...] = owners
    if any(e.code == "PAYMENT_ESC" for e in esc):
        tagged = people.unmanaged_large

    context = list(report.context) + _context(account, report, level, arr, today, adjusted.mrr, last_month, pending)
    dont = _dont(account, report, level, today, now)
    steps = _next_steps(account, report, level, esc, suggest_flag, suggest_unflag, since, bool(calls), churned_at,
                        owners, people, today, now)

    months = [month_add(last_month, -k) for k in range(3, -1, -1)]  # not policy: the reply shows 4 months
    mrr_recent = tuple((m, adjusted.mrr[m], PENDING_ADJUSTMENT if m in adjusted.pending
                        else lifecycle_stage(adjusted.mrr, m)) for m in months if m in adjusted.mrr)

    return Assessment(
        account=account, level=level, score=score, report=report, escalations=tuple(esc),
        next_steps=tuple(steps), dont=tuple(dont), context=tuple(context), tagged=tagged,
        suggest_flag=suggest_flag, recovered=recovered, suggest_unflag=suggest_unflag, churned_at=churned_at,
        at_risk_since=since if level == AT_RISK else None, pending_adjustment=pending, mrr_recent=mrr_recent,
    )


def _context(account: AccountSnapshot, report: SignalReport, level: str, arr: Decimal, today: date,
             mrr: dict[date, Decimal], last_month: date, pending: bool) -> list[ContextItem]:
    out: list[ContextItem] = []
    if level == AT_RISK and arr > TEAM_LEAD_LEAN_IN_ARR:
        out.append(ContextItem("LEAD", "ARR > $100k: the team lead should be ready to lean in directly", "002:12721"))
    if report.holds("F1"):
        out.append(ContextItem("SAVE", "A margin-negative save deal (rare) needs the manager's margin math,"
                               " then Ben (TAE/TAM) or Simon (CSM)", "002:4558-4564"))
    days = report.days_to_renewal
    if days is not None and days >= EARLY_RENEWAL_DAYS:
        left = days - EARLY_RENEWAL_DAYS
        when = "closes today" if left == 0 else f"open for {left} more days"
        out.append(ContextItem("RENEWAL", f"Early-renewal +5% window (60+ days before expiry) {when}", "002:4442"))
    credit = account.credit
    if credit and credit.term_start and credit.term_end and days is not None and days >= 0:
        months_in = (today.year - credit.term_start.year) * 12 + today.month - credit.term_start.month + 1  # not policy: a year
        term = (credit.term_end.year - credit.term_start.year) * 12 + credit.term_end.month - credit.term_start.month  # not policy: a year
        if term >= 12 and months_in >= term - (12 - RENEWAL_FOCUS_FROM_MONTH):  # not policy: a year's contract
            out.append(ContextItem("C19", f"Contract month {months_in} of {term}: focus on \"why stay with PostHog\","
                                   " not expansion", "002:295"))
    if account.first_paid_date and 0 <= (today - account.first_paid_date).days < FIRST_PAID_DAYS:
        out.append(ContextItem("FIRST30", f"First 30 days paid (since {account.first_paid_date}): no cross-sell unless"
                               " customer-initiated", "002:272"))
    if account.owner_since and 0 <= (today - account.owner_since).days < NEW_OWNER_GRACE_DAYS:
        out.append(ContextItem("GRACE", f"New owner since {account.owner_since}: 3-month grace period", "002:2380"))
    if last_month in mrr and lifecycle_stage(mrr, last_month) == SHRINKING and not pending:
        prev = mrr[month_add(last_month, -1)]
        out.append(ContextItem("C1", f"Shrinking: MRR {money(mrr[last_month])} in {last_month:%b} vs {money(prev)}",
                               "002:1786"))
    if pending:
        out.append(ContextItem("PENDING", "Revenue pending adjustment: a one-time credit explains the dip until"
                               " next month closes", "002:2218-2228"))
    findings = [i for i in account.risk_indicators if i in IMPLEMENTATION_INDICATORS]
    if findings:
        out.append(ContextItem("C7", "Implementation: " + ", ".join(f.replace("_", " ") for f in findings)
                               + "; help them fix it", "002:11435, 11472"))
    open_high = [t for t in account.tickets if t.status in ("new", "open", "pending", "hold")
                 and t.priority in ("high", "urgent")]
    if open_high:
        out.append(ContextItem("C8", f"{len(open_high)} open high-priority ticket{'s' if len(open_high) > 1 else ''}",
                               "002:268"))
    return out


def _dont(account: AccountSnapshot, report: SignalReport, level: str, today: date, now: datetime) -> list[str]:
    """Reasons to pause cross-sell (002:265-282, 989, 1041), each with its line."""
    out: list[str] = []
    if level == AT_RISK:
        out.append("active risk to the renewal · 002:989")
    open_high = any(t.status in ("new", "open", "pending", "hold") and t.priority in ("high", "urgent")
                    for t in account.tickets)
    if report.holds("W7") or open_high:
        out.append("active support issues · 002:268")
    if any(i in IMPLEMENTATION_INDICATORS for i in account.risk_indicators):
        out.append("implementation needs attention · 002:270")
    if account.first_paid_date and 0 <= (today - account.first_paid_date).days < FIRST_PAID_DAYS:
        out.append("first 30 days, unless customer-initiated · 002:272")
    kinds = {s.evidence.split(" noted")[0] for s in report.signals if s.code == "W13"}
    if "Budget cut" in kinds:
        out.append("budget constraints announced · 002:274")
    if "Price pressure" in kinds:
        out.append("complaining about price · 002:276")
    if report.holds("W2"):
        out.append("usage declining 4+ weeks · 002:278")
    if report.holds("F3") or any(s.code == "W6" and " left " in s.evidence for s in report.signals):
        out.append("key champion left · 002:280")
    if any(f.kind == "data_engineer_owner" and f.at <= now and f.cleared_at is None for f in account.flags):
        out.append("a Data Engineer took over PostHog · 002:282")
    return out


#: The churn scenarios checklist (002:11478) keyed by the signals that point to each (§1.4).
SCENARIOS = (
    ("champion leaves", ("F3", "W6")),
    ("champion isn't the decision maker", ("F7",)),
    ("building internally or switching to a competitor", ("F1", "W12")),
    ("poor customer experience", ("W7",)),
    ("can't extract value", ("W1", "W3", "F6", "W11")),
    ("PostHog not trusted as source of truth", ("F8", "W9")),
    ("privacy/compliance concerns", ("F5",)),
    ("usage decline", ("F2", "W2")),
)

#: The action for each early warning (§2.2), with its line.
W_ACTIONS = {
    "W1": ("Follow up on the open recommendation", "002:11406"),
    "W2": ("Check seasonality and the account plan's constraints, then reach out about the drop", "002:2678"),
    "W3": ("Multi-thread: ping each user individually, most active first", "002:7224"),
    "W4": ("Re-engage: optimize their bill, new products, Loom, LinkedIn, non-technical people", "002:7213-7241"),
    "W5": ("Reach out about cost: fix the implementation first, then an annual plan conversation", "002:10760, 7207"),
    "W6": ("Re-establish relationships: meet the new owner, build champions bottom-up", "002:2328, 11478"),
    "W7": ("Stay on top of open issues, circle back before they follow up; escalate to engineering if needed",
           "002:11478, 11554"),
    "W8": ("Drive multi-product adoption (harder to replace five products than one)", "002:11478"),
    "W9": ("Introduce behavioral products; if analysis happens in Looker or Mode, ask why", "002:11410-11431"),
    "W11": ("Diagnose low health: adoption, implementation, engagement", "002:2330-2336"),
    "W12": ("Treat as competitor risk: find out why data goes to a competitor", "002:10670"),
    "W13": ("Optimize usage first, then the discount levers within policy", "002:4373"),
}


def _next_steps(account: AccountSnapshot, report: SignalReport, level: str, esc: list[Escalation],
                suggest_flag: bool, suggest_unflag: bool, since: datetime | None, called: bool,
                churned_at: date | None, owners: tuple[Person, ...], people: ChurnPeople,
                today: date, now: datetime) -> list[NextStep]:
    steps: list[NextStep] = []
    codes = {e.code for e in esc}
    review = today + timedelta(days=7)  # not policy: 7 days a week; the next weekly at-risk review, 002:11534
    if level == CHURNED:
        assert churned_at is not None
        steps.append(NextStep("Write the churn retro and share it in #customer-churn", owners,
                              churned_at + timedelta(days=RETRO_DAYS), "002:11582", "retro",
                              "churn retro in #customer-churn"))
        return steps
    if level == AT_RISK:
        if suggest_unflag:
            steps.append(NextStep("Risk signals cleared: consider removing the Churn Risk segment once usage is"
                                  " stable (the bot never removes it)", owners, review, "002:11578, 11511", "unflag",
                                  "consider removing the Churn Risk segment"))
        if not account.in_churn_risk_segment:
            steps.append(NextStep(f"Add {account.name} to the Vitally \"Churn Risk\" segment + note (ARR, trigger,"
                                  " what you know, help needed, mitigation)", owners, today, "002:11515-11528", "segment",
                                  "add Churn Risk segment + note"))
        if not called and since is not None:
            scen = [name for name, sig in SCENARIOS if any(report.holds(c) for c in sig)]
            hint = f" (likely: {', '.join(scen[:3])})" if scen else ""  # not policy: a reply's length
            steps.append(NextStep("Recovery call (not email); diagnose price / product / relationship /"
                                  f" implementation / business change{hint}", owners,
                                  since + timedelta(hours=RECOVERY_CALL_HOURS), "002:11588, 11568", "call", "recovery call"))
        else:
            steps.append(NextStep("Share a recovery plan (actions, dates, owners) with the customer; check in"
                                  " weekly until usage is stable", owners, review, "002:11576-11578", "plan",
                                  "recovery plan + weekly check-in"))
        if "LEADERSHIP" in codes:
            steps.append(NextStep("Involve Ben or Simon (ARR > $50k)", owners + people.leadership, today,
                                  "002:11558", "leadership", "involve Ben or Simon"))
        if "STALE" in codes:
            steps.append(NextStep("At risk 4+ weeks with no improvement: escalate for more support, or accept the"
                                  " loss and document learnings", owners, review, "002:11547", "stale",
                                  "escalate or accept loss + document"))
    late = report.late_payment
    if late is not None and level in (AT_RISK, WATCH):
        who = people.unmanaged_large if "PAYMENT_ESC" in codes else owners
        plan = [(late.notice_on, "tell all users access is suspended tomorrow"),
                (late.suspend_on, "suspend access"), (late.cancel_on, "cancel the subscription")]
        upcoming = [(d, t) for d, t in plan if d >= today]
        if late.responsive:
            text = "Failed payment, customer responsive: use your discretion on suspension"
            cite = "002:3658"
        else:
            text = "Failed payment, no reply: reach out to known contacts and finance emails with the invoice"
            cite = "002:3652-3685"
        if upcoming:
            text += "; " + ", ".join(f"{t} {d}" for d, t in upcoming)
        prefix = "late payment (customer responsive, your discretion)" if late.responsive else "failed payment"
        short = f"{prefix}: {upcoming[0][1]}" if upcoming else f"{prefix}: past the cancellation date"
        steps.append(NextStep(text, who, upcoming[0][0] if upcoming else today, cite, "payment", short))
    if report.holds("F7") or (level == AT_RISK and report.days_to_renewal is not None
                              and 0 <= report.days_to_renewal < RENEWAL_WINDOW_DAYS):
        steps.append(NextStep("Renewal: focus on \"why stay with PostHog\"; a renewal needs no active risk",
                              owners, today + timedelta(days=7),  # not policy: due within the week
                              "002:295, 989", "renewal", "renewal: why stay with PostHog"))
    for signal in report.warnings:
        if signal.code in W_ACTIONS:
            text, cite = W_ACTIONS[signal.code]
            steps.append(NextStep(text, owners, review, cite, "warning"))
    if level == WATCH:
        if suggest_flag:
            steps.insert(0, NextStep(f"{len(report.warnings)} early warning signals: when in doubt, flag it", owners,
                                     today, "002:11511", "flag", "when in doubt, flag it"))
        steps.append(NextStep("Don't wait: reach out, dig in, address it before it compounds", owners, review,
                              "002:11406", "warning"))
    return steps
