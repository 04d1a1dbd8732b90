"""The /handover-check policy: is this account ready to move to its new owner?

`check()` is a pure function of an account snapshot, an optional target, the team directory,
recorded confirmations and today's date. It decides nothing for people: it reports readiness item
by item (spec handover-check.md §4.4-§4.6) and names who should fix each gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from services.handover import policy as P
from services.handover.model import (
    AccountSnapshot,
    CheckItem,
    Confirmation,
    HandoverReport,
    Options,
    Status,
    Target,
    TeamMember,
    Verdict,
)
from services.handover.months import add_months

H = "002_59a801b964a2a19e.txt"
OUTGOING = "outgoing owner"

# Which checks read which data source: when a source is unavailable they WARN, never pass (§4.5).
SOURCE_OF_CHECK: dict[str, str] = {
    "C03": "Vitally", "C04": "Vitally", "C06": "Vitally", "C07": "Vitally", "C09": "Vitally",
    "C05": "Stripe", "C08b": "Stripe",
}
# The check reads stored data, never a live API, so a source "unavailable" to it means its data was
# never loaded for the account: say so, and how to load it (issue 16), not "try again in a few minutes".
LOAD_COMMAND: dict[str, str] = {"Stripe": "gtmbot sync stripe", "Vitally": "gtmbot sync vitally"}


def missing_data_fix(source: str) -> str:
    """What to do when a source has no data for the account."""
    command = LOAD_COMMAND.get(source)
    return f"load it with `{command}`" if command else f"load the {source} data"


def cite(*lines: str) -> tuple[str, ...]:
    return tuple(f"{H}:{line}" for line in lines)


# --- derived values (§4.4) ------------------------------------------------------------------

def core_count(account: AccountSnapshot) -> int:
    return sum(1 for p in P.CORE_PRODUCTS if p in account.paying_for)


def effective_arr(account: AccountSnapshot) -> Decimal | None:
    """Startup/YC accounts bill 0 MRR while on credits, so use forecasted MRR x 12 (spec A18)."""
    startup = account.yc_plan or account.startup_plan or P.STARTUP_PLAN_SEGMENT in account.segments
    if startup and account.forecasted_mrr is not None:
        return account.forecasted_mrr * P.MONTHS_PER_YEAR
    return account.arr


def discount_active(account: AccountSnapshot, today: date) -> bool:
    """A discounted prepaid-credit contract in its term (spec A11; IMPORT.md §8)."""
    return (
        account.discount_pct is not None
        and account.discount_pct > 0
        and account.term_start is not None
        and account.term_end is not None
        and account.term_start <= today <= account.term_end
    )


def growth_evidence(account: AccountSnapshot) -> bool:
    return bool(account.segments & set(P.GROWTH_SEGMENTS)) or account.growth_note_updated_at is not None


def account_region(account: AccountSnapshot) -> str | None:
    """US or EU when it holds a strict majority of the account's users; else a judgement call (spec A17)."""
    counts = account.user_region_counts or {}
    total = sum(counts.values())
    for region in ("US", "EU"):
        if total and counts.get(region, 0) * 2 > total:  # not policy: a strict majority is more than half
            return region
    return None


def is_top40(account: AccountSnapshot) -> bool:
    if account.top40 is not None:
        return account.top40
    return account.arr_rank is not None and account.arr_rank <= P.TOP_N_ACCOUNTS


def full_months_between(start: date, end: date) -> int:
    months = 0
    while add_months(start, months + 1) <= end:
        months += 1
    return months


def quarter_end(today: date) -> date:
    last_month = ((today.month - 1) // 3 + 1) * 3  # not policy: 3 months a quarter
    return add_months(date(today.year, last_month, 1), 1) - timedelta(days=1)


INVOICES_LISTED = 3  # not policy: a reply's length; names the oldest few; the rest are counted and summed


def money(value: Decimal | None) -> str:
    if value is None:
        return "unknown"
    return f"${value:,.0f}" if value == value.to_integral_value() else f"${value:,.2f}"


def pct(value: Decimal) -> str:
    """25.00 -> "25%", 37.50 -> "37.5%"."""
    return f"{value.normalize():f}%"


def product_label(product: str) -> str:
    return product.replace("_", " ").capitalize()


def default_target_role(owner_role: str, account: AccountSnapshot) -> str | None:
    """The next step the policy gives for the current owner (§4.4)."""
    if owner_role == "TAE":
        high = account.high_potential or (
            account.initial_deal_arr is not None and account.initial_deal_arr >= P.HIGH_POTENTIAL_LANDING_ARR
        )
        if high:
            return "TAM"  # 002_59a801b964a2a19e.txt:2717-2721
        return "CSM" if core_count(account) == len(P.CORE_PRODUCTS) else "TAM"  # :2406, :2285
    if owner_role == "TAM":
        return "CSM"  # 002_59a801b964a2a19e.txt:2406 row 3
    if owner_role == "CSM":
        return "TAM"  # 002_59a801b964a2a19e.txt:2406 row 4
    return None


# --- the checker ----------------------------------------------------------------------------

def check(
    account: AccountSnapshot,
    target: Target | None,
    team: Mapping[str, TeamMember],
    today: date,
    options: Options,
    confirmations: Iterable[Confirmation] = (),
) -> HandoverReport:
    """Check one account's readiness for a handover to `target` (or the policy's next step)."""
    owner = team.get(account.owner_slack_id) if account.owner_slack_id else None
    if account.owner_slack_id and owner is None:  # an owner missing from the directory: role unknown
        owner = TeamMember(account.owner_slack_id, account.owner_slack_id, "OTHER")
    eff = effective_arr(account)
    core = tuple((p, p in account.paying_for) for p in P.CORE_PRODUCTS)
    health = account.health_label
    base = dict(
        account_id=account.id, account_name=account.name, owner=owner, effective_arr=eff,
        core_products=core, health_label=health, today=today,
        unavailable_sources=account.unavailable_sources,
    )

    if owner is None:
        return HandoverReport(
            verdict=Verdict.NOT_A_HANDOVER, target=target, from_role=None,
            to_role=target.role if target else None, default_target=target is None,
            message=_allocation_message(account, eff, options), **base,
        )

    default = target is None
    to_role = target.role if target else default_target_role(owner.role, account)
    if target is None and to_role is not None:
        target = Target(role=to_role)
    if to_role is None or (owner.role, to_role) not in P.ALLOWED_TRANSITIONS:
        return HandoverReport(
            verdict=Verdict.NOT_ALLOWED, target=target, from_role=owner.role, to_role=to_role,
            default_target=default, message=_not_allowed_message(owner, to_role), **base,
        )
    assert target is not None

    ctx = _Context(account, owner, target, today, options, eff)
    items = [i for i in ctx.run() if i is not None]
    items = _apply_confirmations(items, confirmations, account.owner_since, account.owner_slack_id)

    statuses = {i.status for i in items}
    if Status.FAIL in statuses:
        verdict = Verdict.NOT_READY
    elif Status.WARN in statuses:
        verdict = Verdict.READY_WITH_WARNINGS
    else:
        verdict = Verdict.READY
    approver = _approver(owner.role, to_role, is_top40(account), options)
    return HandoverReport(
        verdict=verdict, target=target, from_role=owner.role, to_role=to_role, default_target=default,
        items=tuple(items), approver=approver,
        next_steps=_next_steps(owner.role, to_role, verdict, account, today, options),
        overlay=(owner.role, to_role) == ("CSM", "TAM"),
        suggested_new_owner=_suggested_new_owner(account, target), **base,
    )


def _suggested_new_owner(account: AccountSnapshot, target: Target) -> str | None:
    """The New Owner value for a role target (002_59a801b964a2a19e.txt:2345-2351), region by users."""
    if target.member is not None:
        return None
    region = target.region or account_region(account)
    return f"{region} {target.role}" if region in ("US", "EU") else None


def confirmation_stands(c: Confirmation, owner_since: date | None, owner_slack_id: str | None) -> bool:
    """A confirmation is void once the owner changed after it (IMPORT.md §7). `owner_since` is only a
    date, so on the day of the change the instants cannot be compared: then the change counts as later
    than every confirmation except the new owner's own (only the owner of the moment can confirm), so
    the previous owner's confirmation of that morning does not answer for the new owner (issue 16)."""
    if owner_since is None:
        return True
    day = c.at.date()
    if day != owner_since:
        return day > owner_since
    return owner_slack_id is not None and c.author == owner_slack_id


def _apply_confirmations(
    items: list[CheckItem], confirmations: Iterable[Confirmation], owner_since: date | None,
    owner_slack_id: str | None = None,
) -> list[CheckItem]:
    """A recorded confirmation answers its CONFIRM item, unless it predates the current owner."""
    latest: dict[str, Confirmation] = {}
    for c in confirmations:
        if not confirmation_stands(c, owner_since, owner_slack_id):
            continue
        if c.kind not in latest or c.at > latest[c.kind].at:
            latest[c.kind] = c
    out = []
    for item in items:
        rec = latest.get(item.confirm_kind) if item.status is Status.CONFIRM and item.confirm_kind else None
        if rec is None:
            out.append(item)
            continue
        who = f"<@{rec.author}>" if rec.author and rec.author[:1] in "UW" else (rec.author or "someone")
        out.append(
            CheckItem(
                id=item.id, title=item.title, status=Status.PASS,
                reason=f"{item.title} confirmed by {who} on {rec.at.date().isoformat()}", cites=item.cites,
                confirm_kind=item.confirm_kind, confirmed_by=rec.author, confirmed_at=rec.at,
            )
        )
    return out


class _Context:
    """The checks of §4.5, in table order. Each returns a CheckItem or None (N/A)."""

    def __init__(
        self, account: AccountSnapshot, owner: TeamMember, target: Target, today: date,
        options: Options, eff: Decimal | None,
    ) -> None:
        self.a = account
        self.owner = owner
        self.target = target
        self.today = today
        self.o = options
        self.eff = eff
        self.from_role = owner.role
        self.to_role = target.role
        self.core = core_count(account)
        self.yc_route = False  # set by C02: the YC rule replaces X03-X05 (spec A19)
        self.plan_ok = False

    def run(self) -> list[CheckItem | None]:
        checks = [self.c01, self.c02, self.c03, self.c04, self.c05, self.c06, self.c07, self.c08, self.c08b,
                  self.c09, self.c10, self.c11, self.c12, self.c13, self.c14, self.c15, self.c16, self.c17,
                  self.x01, self.x01b, self.x02, self.x02b, self.x03, self.x04, self.x05, self.x05b, self.x06,
                  self.x07, self.x08, self.x09, self.x10]
        out: list[CheckItem | None] = []
        for fn in checks:
            item = fn()
            if item is not None and item.id in SOURCE_OF_CHECK and SOURCE_OF_CHECK[item.id] in self.a.unavailable_sources:
                source = SOURCE_OF_CHECK[item.id]
                item = CheckItem(item.id, item.title, Status.WARN,
                                 f"could not verify: no {source} data for this account",
                                 item.cites, missing_data_fix(source))
            out.append(item)
        return out

    @property
    def tae(self) -> bool:
        return self.from_role == "TAE"

    @property
    def high_potential(self) -> bool:
        a = self.a
        return a.high_potential or (a.initial_deal_arr is not None and a.initial_deal_arr >= P.HIGH_POTENTIAL_LANDING_ARR)

    # common checks -----------------------------------------------------------------------
    def c01(self) -> CheckItem:
        c = cite("2263", "2267", "2311", "2965")
        if self.eff is None:
            return CheckItem("C01", "ARR", Status.WARN, "ARR unknown: record ARR (Vitally) so the $20k threshold can be checked", c, OUTGOING)
        if self.eff >= P.MANAGED_ARR_MIN:
            return CheckItem("C01", "ARR", Status.PASS, f"ARR {money(self.eff)} ≥ $20k", c)
        if self.a.plan_above_20k:
            return CheckItem("C01", "ARR", Status.WARN, f"ARR {money(self.eff)} < $20k, but a documented plan gets it above $20k this quarter", c, OUTGOING)
        return CheckItem("C01", "ARR", Status.FAIL, f"ARR {money(self.eff)} < $20k: TAMs and CSMs own $20k+ accounts; below that it is self-serve unless there is a documented plan to get above $20k this quarter", c, OUTGOING)

    def c02(self) -> CheckItem | None:
        if not self.a.yc_plan or self.eff is None or self.eff < P.MANAGED_ARR_MIN:
            return None
        c = cite("2313")
        if self.eff <= P.YC_CS_ROLE_ARR_MAX:
            if self.to_role == "CSM":
                self.yc_route = True
                return CheckItem("C02", "YC plan", Status.PASS, "YC plan $20k–$50k: assign to the YC role on the CS team", c)
            return CheckItem("C02", "YC plan", Status.FAIL, "YC plan accounts at $20k–$50k go to the YC role on the CS team, not a TAM", c, OUTGOING)
        note = "YC plan above $50k: candidate for TAM referral if there is growth opportunity" if self.to_role == "TAM" else "YC plan above $50k"
        return CheckItem("C02", "YC plan", Status.PASS, note, c)

    def c03(self) -> CheckItem:
        c = cite("2411", "2421")
        if self.a.account_plan_updated_at is None:
            return CheckItem("C03", "Account plan", Status.FAIL, "no Account Plan note in Vitally: save one before handing over", c, OUTGOING)
        return CheckItem("C03", "Account plan", Status.PASS, "Account plan present", c)

    def c04(self) -> CheckItem | None:
        if self.a.account_plan_updated_at is None:
            return None  # skipped when C03 failed
        c = cite("2421", "2694", "11316")
        age = (self.today - self.a.account_plan_updated_at).days
        if age <= self.o.account_plan_max_age_days:
            self.plan_ok = True
            return CheckItem("C04", "Account plan current", Status.PASS, f"Account plan updated {age} days ago", c)
        return CheckItem("C04", "Account plan current", Status.FAIL, f"Account plan last updated {age} days ago ({self.a.account_plan_updated_at.isoformat()}); it must be up to date (within {self.o.account_plan_max_age_days} days)", c, OUTGOING)

    def c05(self) -> CheckItem:
        c = cite("2413", "2661", "3642")
        unpaid = [i for i in self.a.invoices if i.status == "open"]
        late = [i for i in unpaid if i.payment_failed or (i.due_date is not None and i.due_date < self.today)]
        if late:
            # Oldest first, so the few shown are the ones to chase first; the summary says the rest.
            late.sort(key=lambda i: (i.due_date is None, i.due_date or self.today))
            parts = []
            for i in late[:INVOICES_LISTED]:
                bits = [i.id, money(i.amount_due)]
                if i.due_date is not None and i.due_date < self.today:
                    bits.append(f"{(self.today - i.due_date).days} days overdue")
                if i.payment_failed:
                    bits.append("payment failed")
                parts.append(", ".join(bits))
            listed = "; ".join(parts)
            if len(late) > INVOICES_LISTED:
                total = money(sum((i.amount_due or Decimal(0) for i in late), Decimal(0)))
                oldest = max(((self.today - i.due_date).days for i in late if i.due_date is not None), default=None)
                summary = f"{len(late)} unpaid invoices, {total}" + (f", oldest {oldest} days overdue" if oldest else "")
                listed = f"{summary}: {listed}; …and {len(late) - INVOICES_LISTED} more"
            else:
                listed = f"unpaid: {listed}"
            return CheckItem("C05", "Open invoices", Status.FAIL, listed + ". Chase with the existing relationship before handing over", c, OUTGOING)
        if unpaid:
            unpaid.sort(key=lambda i: (i.due_date is None, i.due_date or self.today))
            parts = "; ".join(f"{i.id}, {money(i.amount_due)}" + (f", due {i.due_date.isoformat()}" if i.due_date else "") for i in unpaid[:INVOICES_LISTED])
            if len(unpaid) > INVOICES_LISTED:
                total = money(sum((i.amount_due or Decimal(0) for i in unpaid), Decimal(0)))
                parts = f"{len(unpaid)} invoices, {total}: {parts}; …and {len(unpaid) - INVOICES_LISTED} more"
            status = Status.FAIL if self.o.open_invoice_not_due_blocks else Status.WARN
            return CheckItem("C05", "Open invoices", status, f"open, not yet due: {parts}. Get it paid before handing over", c, OUTGOING)
        return CheckItem("C05", "Open invoices", Status.PASS, "No open invoices", c)

    def c06(self) -> CheckItem:
        c = cite("2378", "2336", "2330", "11490-11503")
        reasons = []
        if P.CHURN_RISK_SEGMENT in self.a.segments:
            reasons.append("in the Churn Risk segment")
        if self.a.health_label == P.POOR_HEALTH_LABEL:
            reasons.append("health is Poor")
        if self.a.usage_change_pct is not None and self.a.usage_change_pct <= -P.CHURN_USAGE_DROP_PCT:
            reasons.append(f"usage down {abs(self.a.usage_change_pct):g}%")
        if reasons:
            return CheckItem("C06", "Customer health", Status.FAIL, ", ".join(reasons) + ": the outgoing owner gets them healthy first. Low engagement or poor health is not a reason to hand off", c, OUTGOING)
        if self.a.health_label is None:
            return CheckItem("C06", "Customer health", Status.WARN, "no health score recorded: check usage and engagement before handing over", c, OUTGOING)
        return CheckItem("C06", "Customer health", Status.PASS, "Healthy, not in Churn Risk", c)

    def early_warnings(self) -> list[str]:
        a = self.a
        signals = []
        if a.active_users_30d is not None and a.active_users_30d < P.MIN_ACTIVE_USERS:
            signals.append(f"only {a.active_users_30d} active users in 30 days")
        if a.days_since_customer_slack is not None and a.days_since_customer_slack >= P.SLACK_SILENCE_DAYS:
            signals.append(f"no customer Slack activity for {a.days_since_customer_slack} days")
        if "down_trending_volume" in a.risk_indicators:
            signals.append("down-trending event volume")
        if "champion_left" in a.risk_indicators:
            signals.append("champion left")
        return signals

    def c07(self) -> CheckItem:
        c = cite("2687", "11404")
        signals = self.early_warnings()
        if signals:
            return CheckItem("C07", "Early warnings", Status.WARN, "; ".join(signals), c, OUTGOING)
        return CheckItem("C07", "Early warnings", Status.PASS, "No early-warning signals", c)

    def c08(self) -> CheckItem:
        c = cite("2411", "2425", "2427")
        paid = sorted(self.a.paying_for)
        checklist = self.a.onboarding_checklist
        if checklist is None:
            detail = "; ".join(
                f"{product_label(p)} ({P.ONBOARDING_ESSENTIALS[p]})" if p in P.ONBOARDING_ESSENTIALS else product_label(p)
                for p in paid
            ) or "no paid products recorded"
            return CheckItem("C08", "Onboarding", Status.CONFIRM, f"customer is properly onboarded to: {detail}", c + cite("2430-2496"),
                             OUTGOING, confirm_kind=P.CONFIRMATION_KINDS["C08"])
        missing = []
        for p in paid:
            items = checklist.get(p)
            if not items:
                missing.append(f"{product_label(p)}: no checklist")
                continue
            missing += [f"{product_label(p)}: {k.replace('_', ' ')}" for k, done in items.items() if not done]
        if missing:
            return CheckItem("C08", "Onboarding", Status.FAIL, "onboarding checklist incomplete: " + "; ".join(missing), c, OUTGOING)
        return CheckItem("C08", "Onboarding", Status.PASS, "Onboarding checklist complete", c)

    def c08b(self) -> CheckItem:
        c = cite("2437")
        if self.a.billing_email:
            return CheckItem("C08b", "Finance contact", Status.PASS, "Finance contact in Stripe", c)
        return CheckItem("C08b", "Finance contact", Status.WARN, "no finance contact (billing email) in Stripe", c, OUTGOING)

    def c09(self) -> CheckItem:
        c = cite("2425", "2676", "11439-11455")
        found = [label for key, label in P.BILLING_WASTE_INDICATORS.items() if key in self.a.risk_indicators]
        if found:
            return CheckItem("C09", "Paying only for what they need", Status.WARN, "; ".join(found) + ": make sure they only pay for what they need", c, OUTGOING)
        return CheckItem("C09", "Paying only for what they need", Status.PASS, "No billing-waste indicators", c)

    def c10(self) -> CheckItem:
        return CheckItem("C10", "Customer told", Status.CONFIRM, "customer knows about the handover and a warm intro is agreed (ideally the outgoing owner introduces)",
                         cite("2573", "2404", "2629"), OUTGOING, confirm_kind=P.CONFIRMATION_KINDS["C10"])

    def c11(self) -> CheckItem:
        lo, hi = P.HANDOVER_CALL_MINUTES
        return CheckItem("C11", "Handover call", Status.CONFIRM, f"{lo}–{hi} min call with the incoming {self.to_role} booked to walk through the account plan",
                         cite("2421", "2504"), OUTGOING, confirm_kind=P.CONFIRMATION_KINDS["C11"])

    def c12(self) -> CheckItem | None:
        if not is_top40(self.a):
            return None
        c = cite("2387-2398")
        if {self.from_role, self.to_role} == {"TAM", "CSM"}:
            return CheckItem("C12", "Top 40", Status.WARN, f"Top 40 account: TAM↔CSM changes are decided directly by {self.o.top40_deciders}; minimise ownership changes", c, self.o.top40_deciders)
        return CheckItem("C12", "Top 40", Status.INFO, "Top 40 account: higher bar for an ownership change", c)

    def c13(self) -> CheckItem:
        c = cite("2416", "2342-2355", "2372", "12731")
        trait = self.a.new_owner
        trait_role = trait.split()[-1] if trait in P.NEW_OWNER_VALUES else None
        if trait_role is not None and trait_role != self.to_role:
            return CheckItem("C13", "New Owner trait", Status.WARN, f"New Owner is {trait} but the target is {self.to_role}: fix the mismatch", c, self.o.allocator)
        if self.tae:
            if trait == P.NEW_OWNER_READY or trait_role == self.to_role:
                return CheckItem("C13", "New Owner trait", Status.PASS, f"New Owner = {trait}", c)
            return CheckItem("C13", "New Owner trait", Status.WARN, f"set New Owner = {P.NEW_OWNER_READY} in Vitally and flag {self.o.allocator}", c, OUTGOING)
        if trait_role == self.to_role:
            return CheckItem("C13", "New Owner trait", Status.PASS, f"New Owner = {trait}", c)
        return CheckItem("C13", "New Owner trait", Status.INFO, f"{self.o.allocator} or the team lead sets New Owner", c)

    def c14(self) -> CheckItem:
        c = cite("2342", "12740")
        region = account_region(self.a)
        if region is None:
            return CheckItem("C14", "Region", Status.CONFIRM, f"no clear majority of users in US or EU: region is a judgement call for {self.o.allocator}", c, self.o.allocator)
        member = self.target.member
        if member is not None:
            if member.region != region:
                return CheckItem("C14", "Region", Status.WARN, f"{member.name} is {member.region or 'in no recorded region'}, the account's users are mostly {region}", c, "team lead")
            return CheckItem("C14", "Region", Status.PASS, f"Region {region} matches", c)
        if self.target.region is not None and self.target.region != region:
            return CheckItem("C14", "Region", Status.WARN, f"target is {self.target.region} {self.to_role}, the account's users are mostly {region}", c, self.o.allocator)
        return CheckItem("C14", "Region", Status.INFO, f"Suggested New Owner: {region} {self.to_role}", c)

    def c15(self) -> CheckItem | None:
        m = self.target.member
        if m is None:
            return None
        if m.role == "TAM":
            c = cite("8120", "2304", "10623")
            with_leads = m.managed_count + m.leads_count + 1
            if with_leads > P.TAM_HARD_CAP_WITH_LEADS:
                return CheckItem("C15", "Capacity", Status.FAIL, f"{m.name} would have {m.managed_count}+{m.leads_count}+1 = {with_leads} accounts with leads, above the hard cap of {P.TAM_HARD_CAP_WITH_LEADS}", c, "team lead")
            if m.managed_count + 1 > P.TAM_BOOK_MAX:
                return CheckItem("C15", "Capacity", Status.WARN, f"{m.name} would manage {m.managed_count + 1} accounts, above the maximum book of {P.TAM_BOOK_MAX}", c, "team lead")
            return CheckItem("C15", "Capacity", Status.PASS, f"{m.name} has room ({m.managed_count + 1} ≤ {P.TAM_BOOK_MAX}; {with_leads} ≤ {P.TAM_HARD_CAP_WITH_LEADS} with leads)", c)
        c = cite("12737")
        if m.managed_count + 1 > P.CSM_BOOK_TARGET:
            return CheckItem("C15", "Capacity", Status.WARN, f"{m.name} would have {m.managed_count + 1} accounts, above the CSM book of about {P.CSM_BOOK_TARGET}", c, "team lead")
        return CheckItem("C15", "Capacity", Status.PASS, f"{m.name} has room ({m.managed_count + 1} ≤ {P.CSM_BOOK_TARGET})", c)

    def c16(self) -> CheckItem:
        if self.from_role == "TAM":
            return CheckItem("C16", "Effective date", Status.INFO, f"removal from the TAM book is effective at quarter end {quarter_end(self.today).isoformat()}; it stays in AM Managed for quota until then", cite("2376", "8292", "8296"))
        if self.tae:
            return CheckItem("C16", "Effective date", Status.INFO, "no need to wait for quarter end", cite("2416"))
        return CheckItem("C16", "Effective date", Status.INFO, "accounts can be added to a TAM book at any time", cite("2376"))

    def c17(self) -> CheckItem | None:
        if self.to_role != "CSM":
            return None
        c = cite("2656", "2711")
        a = self.a
        flags = []
        if "down_trending_volume" in a.risk_indicators:
            flags.append("declining usage")
        if a.days_since_customer_slack is not None and a.days_since_customer_slack >= P.SLACK_SILENCE_DAYS:
            flags.append("no engagement")
        if a.active_users_30d is not None and a.active_users_30d < P.MIN_ACTIVE_USERS:
            flags.append("concentrated users")
        if not self.plan_ok:
            flags.append("missing or stale account plan")
        if len(flags) > P.STEADY_STATE_MAX_FLAGS:
            return CheckItem("C17", "Steady state", Status.FAIL, f"not in steady state ({', '.join(flags)}): the receiving CSM should push back; talk to {self.o.cs_lead}", c, OUTGOING)
        return CheckItem("C17", "Steady state", Status.PASS, "In steady state" + (f" (1 flag: {flags[0]})" if flags else ""), c)

    # transition-specific checks ----------------------------------------------------------
    def x01(self) -> CheckItem | None:
        if not self.tae:
            return None
        c = cite("2406", "8544", "2717-2723")
        anchor = self.a.first_purchase_date or self.a.closed_won_date
        if anchor is None:
            return CheckItem("X01", "Timing", Status.WARN, "no credit purchase or closed-won date recorded: cannot tell how long the TAE has had it", c, OUTGOING)
        fallback = "" if self.a.first_purchase_date else " (no prepaid credit purchase recorded; measured from closed-won)"
        if self.to_role == "TAM" and self.high_potential:
            return CheckItem("X01", "Timing", Status.PASS, "high potential: the TAM takes over once the initial deal closes" + fallback, c)
        months = P.TAE_RETAINED_HANDOVER_MONTHS if self.a.retained_by_tae else P.TAE_HANDOVER_MONTHS
        full = full_months_between(anchor, self.today)
        what = "initial credit purchase" if self.a.first_purchase_date else "closed-won"
        if add_months(anchor, months) <= self.today:
            return CheckItem("X01", "Timing", Status.PASS, f"{full} full months since the {what}{fallback}", c)
        track = " (retained by the TAE)" if self.a.retained_by_tae else ""
        unit = "month" if full == 1 else "months"
        return CheckItem("X01", "Timing", Status.WARN, f"{full} full {unit} since the {what} ({anchor.isoformat()}){fallback}. {self.from_role} → {self.to_role} is typically {months} months after it{track}, once the customer is onboarded", c, OUTGOING)

    def x01b(self) -> CheckItem | None:
        if not (self.tae and self.to_role == "TAM" and self.high_potential):
            return None
        return CheckItem("X01b", "TAM introduced early", Status.CONFIRM, "TAM was introduced at the technical win, and TAE and TAM work on a documented onboarding plan",
                         cite("2717-2723"), OUTGOING, confirm_kind=P.CONFIRMATION_KINDS["X01b"])

    def x02(self) -> CheckItem | None:
        if not self.tae:
            return None
        c = cite("2406", "2283-2289", "2674", "2394")
        n, total = self.core, len(P.CORE_PRODUCTS)
        if self.to_role == "TAM":
            if 1 <= n < total:
                return CheckItem("X02", "Role fit", Status.PASS, f"Core products {n}/{total} fits TAM", c)
            if n == 0:
                return CheckItem("X02", "Role fit", Status.WARN, "no core product paid (policy row says 1–2 for TAE → TAM); TAM fits 'room to grow'", c, self.o.allocator)
            status = Status.WARN if (is_top40(self.a) or self.high_potential) else Status.FAIL
            return CheckItem("X02", "Role fit", status, f"{n}/{total} core products: the policy path is TAE → CSM", c, OUTGOING)
        if n == total:
            return CheckItem("X02", "Role fit", Status.PASS, f"Core products {n}/{total} fits CSM", c)
        if n == 0:
            return CheckItem("X02", "Role fit", Status.FAIL, "no core product paid: there is room to grow, so TAE → TAM", c, OUTGOING)
        return CheckItem("X02", "Role fit", Status.WARN, f"{n}/{total} core products to a CSM is the CSM-capacity exception", c, self.o.allocator)

    def x02b(self) -> CheckItem | None:
        if not (self.tae and self.to_role == "CSM" and 1 <= self.core < len(P.CORE_PRODUCTS)):
            return None
        return CheckItem("X02b", "No path to expand", Status.CONFIRM, "the outgoing owner has determined there is no realistic path to expand",
                         cite("2674"), OUTGOING, confirm_kind=P.CONFIRMATION_KINDS["X02b"])

    @property
    def tam_to_csm(self) -> bool:
        return (self.from_role, self.to_role) == ("TAM", "CSM") and not self.yc_route

    def x03(self) -> CheckItem | None:
        if not self.tam_to_csm:
            return None
        c = cite("2315", "2406", "2317", "2674")
        n, total = self.core, len(P.CORE_PRODUCTS)
        if n == total:
            return CheckItem("X03", "Core adoption", Status.PASS, f"All {total} core products adopted", c)
        if self.a.expansion_levers_updated_at is not None:
            return CheckItem("X03", "Core adoption", Status.WARN, f"{n}/{total} core products; expansion levers documented, so this is the CSM-capacity route ({self.o.allocator} signs off)", c, self.o.allocator)
        return CheckItem("X03", "Core adoption", Status.FAIL, f"{n}/{total} core products and nothing documented: TAM → CSM needs all 3 core products adopted", c, OUTGOING)

    def x04(self) -> CheckItem | None:
        if not self.tam_to_csm:
            return None
        c = cite("2315", "2406", "4350", "4421", "6820")
        a = self.a
        if discount_active(a, self.today):
            return CheckItem("X04", "Discount agreement", Status.PASS, f"Discount agreement in place ({pct(a.discount_pct)})", c)
        if a.discount_pct and a.term_end is not None and a.term_end < self.today:
            since = f"{a.term_start.isoformat()} → " if a.term_start else ""
            return CheckItem("X04", "Discount agreement", Status.FAIL, f"the {pct(a.discount_pct)} discounted prepaid-credit agreement ({since}{a.term_end.isoformat()}) ended on {a.term_end.isoformat()}: no agreement is in place now (renewing it is a remaining lever)", c, OUTGOING)
        if a.discount_pct and a.term_start is not None and a.term_start > self.today:
            return CheckItem("X04", "Discount agreement", Status.FAIL, f"the {pct(a.discount_pct)} discounted prepaid-credit agreement starts only on {a.term_start.isoformat()}: none is in place today", c, OUTGOING)
        return CheckItem("X04", "Discount agreement", Status.FAIL, "no discounted prepaid-credit agreement in place (committing them is a remaining lever)", c, OUTGOING)

    def x05(self) -> CheckItem | None:
        if not self.tam_to_csm:
            return None
        c = cite("2317", "2406", "8146-8184", "1144-1159")
        if self.a.open_cross_sell_opps > 0:
            return CheckItem("X05", "Expansion levers", Status.FAIL, f"{self.a.open_cross_sell_opps} open cross-sell opportunities: an expansion motion is in flight", c, OUTGOING)
        if self.a.expansion_levers_updated_at is None:
            return CheckItem("X05", "Expansion levers", Status.FAIL, "document what you've tried (an expansion-levers note) so we know all avenues for growth are exhausted", c, OUTGOING)
        return CheckItem("X05", "Expansion levers", Status.PASS, "Expansion levers documented", c)

    def x05b(self) -> CheckItem | None:
        if not self.tam_to_csm or self.a.open_cross_sell_opps > 0 or self.a.expansion_levers_updated_at is None:
            return None
        return CheckItem("X05b", "Expansion exhausted", Status.CONFIRM,
                         "tried all active users; they use all PostHog products; Teams/Enterprise considered; no cross-sell to another team",
                         cite("8149-8180"), OUTGOING, confirm_kind=P.CONFIRMATION_KINDS["X05b"])

    def x06(self) -> CheckItem | None:
        if (self.from_role, self.to_role) != ("TAM", "CSM"):
            return None
        return CheckItem("X06", "Sign-off", Status.INFO, f"TAM proposes, {self.o.allocator} signs off; the team lead reviews with {self.o.allocator} before quarter end", cite("2960", "12729"))

    @property
    def csm_to_tam(self) -> bool:
        return (self.from_role, self.to_role) == ("CSM", "TAM")

    def x07(self) -> CheckItem | None:
        if not self.csm_to_tam:
            return None
        c = cite("2406", "2294", "6822", "2588")
        full = self.core == len(P.CORE_PRODUCTS) and discount_active(self.a, self.today)
        if not full:
            return CheckItem("X07", "Not fully expanded", Status.PASS, "Not fully expanded", c)
        if growth_evidence(self.a):
            return CheckItem("X07", "Not fully expanded", Status.WARN, "core products adopted and committed: a TAM overlay must rest on growth beyond the core (new teams, brands or products)", c, OUTGOING)
        return CheckItem("X07", "Not fully expanded", Status.FAIL, "fully expanded and committed, with no growth evidence: stays CSM-only", c, OUTGOING)

    def x08(self) -> CheckItem | None:
        if not self.csm_to_tam:
            return None
        c = cite("2406", "2294", "8481")
        if growth_evidence(self.a):
            return CheckItem("X08", "Growth potential", Status.PASS, "Growth potential recorded", c)
        return CheckItem("X08", "Growth potential", Status.WARN, "record the growth potential (AM referral segment or a growth-potential note)", c, OUTGOING)

    def x09(self) -> CheckItem | None:
        if not self.csm_to_tam:
            return None
        return CheckItem("X09", "Overlay", Status.INFO, "the CSM stays the default point of contact; the TAM is added as an overlay; the CSM does not unassign", cite("2294", "5706-5710"))

    def x10(self) -> CheckItem | None:
        if self.from_role != self.to_role:
            return None
        c = cite("2321-2336", "2366", "12717", "12740", "2315")
        if self.from_role == "TAM" and self.core == len(P.CORE_PRODUCTS) and discount_active(self.a, self.today):
            return CheckItem("X10", "Rebalance", Status.WARN, "fully expanded and committed: consider a CSM instead of another TAM", c, OUTGOING)
        return CheckItem("X10", "Rebalance reason", Status.CONFIRM, "the reason is capacity or balance, not low engagement or a difficult customer", c, OUTGOING,
                         confirm_kind=P.CONFIRMATION_KINDS["X10"])


# --- approver, next steps, non-handover messages --------------------------------------------

def _approver(from_role: str, to_role: str, top40: bool, o: Options) -> str:
    if top40 and {from_role, to_role} == {"TAM", "CSM"}:
        return o.top40_deciders  # 002_59a801b964a2a19e.txt:2398
    if from_role == "TAE":
        return f"Flag to {o.allocator}"  # :2416
    if (from_role, to_role) == ("TAM", "CSM"):
        return f"TAM proposes → {o.allocator} signs off"  # :2960
    if (from_role, to_role) == ("CSM", "TAM"):
        return f"{o.allocator} with team leads"  # :2368-2372
    return "Team lead"  # :12717, :12740


def _next_steps(from_role: str, to_role: str, verdict: Verdict, account: AccountSnapshot, today: date, o: Options) -> tuple[str, ...]:
    steps: list[str] = []
    if verdict is Verdict.NOT_READY:
        steps.append(f"Outgoing owner fixes the ❌ items first; if stuck: team lead → {o.allocator}.")
    if from_role == "TAE":
        if account.new_owner == P.NEW_OWNER_READY:
            steps.append(f"New Owner is already *{P.NEW_OWNER_READY}*: flag this to {o.allocator} (no need to wait for quarter end).")
        else:
            steps.append(f"Set New Owner = *{P.NEW_OWNER_READY}* in Vitally and flag {o.allocator} (no need to wait for quarter end).")
    lo, hi = P.HANDOVER_CALL_MINUTES
    steps.append(f"Book the {lo}–{hi} min handover call.")
    after = "New Owner set, account plan updated with handover context, intro to customer, open items followed up"
    if (from_role, to_role) != ("CSM", "TAM"):
        after += "; outgoing owner unassigns in Vitally"
    steps.append(f"Within 1 week of the call: {after}.")
    if from_role == "TAM":
        steps.append(f"Effective at quarter end {quarter_end(today).isoformat()}.")
    return tuple(steps)


def suggested_allocation(account: AccountSnapshot) -> str | None:
    """New Owner for an unowned account: region by users, TAM unless all 3 core are paid (:2283-2285)."""
    role = "CSM" if core_count(account) == len(P.CORE_PRODUCTS) else "TAM"
    region = account_region(account)
    return f"{region} {role}" if region else None


def _allocation_message(account: AccountSnapshot, eff: Decimal | None, o: Options) -> str:
    lead = (
        f"ℹ️ {account.name} has no current owner, so there's nothing to hand over — this is an allocation. "
        f"{o.allocator} reviews $20K accounts without an owner each quarter, sets New Owner (US/EU TAM/CSM), "
        "and team leads pick the person."
    )
    if eff is not None and eff < P.MANAGED_ARR_MIN:
        return lead + f" At {money(eff)} ARR it is below $20k → self-serve / Onboarding."
    n, total = core_count(account), len(P.CORE_PRODUCTS)
    role = "CSM" if n == total else "TAM"
    why = "all core products → retention" if n == total else f"{n}/{total} core products → room to grow"
    region = account_region(account)
    where = f"*{region} {role}*" if region else f"*{role}* (region is a judgement call: no clear US or EU majority)"
    return lead + f" Based on policy this looks like {where} ({why}). New owners get a {P.NO_PREVIOUS_OWNER_GRACE_MONTHS}-month grace period."


def _not_allowed_message(owner: TeamMember, to_role: str | None) -> str:
    paths = (
        "Handovers go TAE → TAM, TAE → CSM, TAM → CSM, CSM → TAM (account-allocation, 002:2406), "
        "or TAM → TAM / CSM → CSM to rebalance books."
    )
    referral = "Onboarding → sales is a lead referral (AE/AM referral segment), not a handover."
    if owner.role in ("ONBOARDING", "BDR"):
        return f"🚫 <@{owner.slack_id}> is {owner.role.title() if owner.role == 'ONBOARDING' else owner.role}: {referral} {paths}"
    if owner.role not in ("TAE", "TAM", "CSM"):
        return (
            f"🚫 The owner <@{owner.slack_id}> has role {owner.role}, which holds no book to hand over. "
            f"Fix their role in the team directory (team.csv), then try again. {paths}"
        )
    return f"🚫 {owner.role} → {to_role} isn't a handover path in the policy. {paths} {referral}"


def team_directory(members: Sequence[TeamMember]) -> dict[str, TeamMember]:
    return {m.slack_id: m for m in members}
