"""CreditBot policy: who is in scope (CB-ELIG), when credit runs out (CB-RUNWAY), which handbook
case that is (bands A/B/C), and when an alert is due (CB-FIRE).

Pure functions over plain data; money is `Decimal` USD with credit left positive (IMPORT.md
`credit.balance`), dates are `date`. Spec: billing-alerts.md §2. The rule being served:
"We have CreditBot alerts set up in #sales-alerts when a customer is going to run out of credit
before their contract term ends, with the estimated runway remaining." 002_59a801b964a2a19e.txt:4694
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from services.billing import policy as P

MONTHS_A_YEAR = 12  # not policy: a unit (calendar arithmetic; a yearly allocation is one such year)


class Status(StrEnum):
    ALERT = "alert"
    OK = "ok"  # runs out on or after the term end
    NO_CREDIT = "no_credit"  # CB-ELIG 1: balance is not a credit
    NO_TERM = "no_term"  # CB-ELIG 2: no credit_expires_at (pay-as-you-go with a one-time credit)
    EXPIRED = "expired"  # CB-ELIG 2: credits are removed on the expiry date, 002_59a801b964a2a19e.txt:4720
    STARTUP = "startup"  # CB-ELIG 3: startup credits are a program, not a contract (spec §2.2)
    SELF_SERVE = "self_serve"  # monthly tranches run out by design (002_59a801b964a2a19e.txt:4483-4485)
    DATA_GAP = "data_gap"
    INSUFFICIENT_DATA = "insufficient_data"
    NO_BURN = "no_burn"


class Band(StrEnum):
    A_FIRST_HALF = "A_first_half"  # 002_59a801b964a2a19e.txt:4697
    B_2_TO_6_MONTHS = "B_2_to_6_months"  # 002_59a801b964a2a19e.txt:4703
    B_GAP = "B_gap"  # multi-year gap: no handbook case, treated as B (spec §2.4, Q5)
    C_LAST_2_MONTHS = "C_last_2_months"  # 002_59a801b964a2a19e.txt:4701


class DataGap(StrEnum):
    CREDIT_EXPIRES_AT = "credit_expires_at"
    AMORTIZED_SCHEDULE = "amortized_schedule"
    YEARLY_ALLOCATION = "yearly_allocation"


@dataclass(frozen=True)
class UsageInvoice:
    """A finalized usage invoice: what one billing period cost before credit (`total`)."""

    invoice_id: str
    period_start: date
    period_end: date
    total: Decimal


@dataclass(frozen=True)
class CreditCustomer:
    """One Stripe customer's credit state, in the IMPORT.md account model's terms."""

    customer_id: str
    name: str
    credit_left: Decimal | None  # credit.balance: USD, positive = credit left
    expires_on: date | None  # credit.expires_on (Stripe metadata credit_expires_at)
    expires_invalid: bool = False  # credit_expires_at present but unparseable
    startup_plan: bool = False
    billing_config: str = "upfront"  # upfront | yearly | amortized | self_serve
    scheduled_remaining: Decimal | None = None  # amortized credit still to be granted
    term_start: date | None = None
    term_months: int | None = None


@dataclass(frozen=True)
class RunwayParams:
    max_invoices: int = P.BURN_MAX_INVOICES
    lookback_days: int = P.BURN_LOOKBACK_DAYS
    min_days: int = P.BURN_MIN_DAYS
    early_renewal_days: int = P.EARLY_RENEWAL_DAYS
    default_term_months: int = P.DEFAULT_TERM_MONTHS
    include_startup: bool = False


@dataclass(frozen=True)
class Runway:
    """What CB-RUNWAY concluded for one customer on day `today`, with the figures behind it."""

    status: Status
    today: date
    customer_id: str
    data_gap: DataGap | None = None
    band: Band | None = None
    credit_left: Decimal | None = None
    term_start: date | None = None
    term_end: date | None = None
    term_months: int | None = None
    burn_total: Decimal | None = None
    burn_days: int | None = None
    burn_invoices: int | None = None
    last_billed_end: date | None = None
    run_out: date | None = None
    runway_days: int | None = None
    days_before_end: int | None = None
    half_end: date | None = None
    expansion_window_open: bool = False
    early_renewal_deadline: date | None = None
    new_order_form_start: date | None = None

    @property
    def burn_per_day(self) -> Decimal:
        assert self.burn_total is not None and self.burn_days
        return self.burn_total / self.burn_days


def add_months(day: date, months: int) -> date:
    """Calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * MONTHS_A_YEAR + (day.month - 1) + months
    year, month = divmod(index, MONTHS_A_YEAR)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end (used to derive a term length)."""
    months = (end.year - start.year) * MONTHS_A_YEAR + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    return months


_DIGITS = re.compile(r"^\d{9,11}$")


def parse_credit_expires_at(value: str | None) -> date | None:
    """Stripe metadata `credit_expires_at`: ISO date, ISO datetime or unix seconds (spec §2.2).

    Returns None for a missing value; raises ValueError for one that does not parse."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _DIGITS.match(text):
        return datetime.fromtimestamp(int(text), UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed.astimezone(UTC).date() if parsed.tzinfo else parsed.date()


def is_truthy_metadata(value: str | None) -> bool:
    """Stripe metadata is strings: only true/1/yes count as true (CB-ELIG 3)."""
    return value is not None and value.strip().lower() in P.TRUTHY_METADATA


def half_term_end(term_start: date, term_months: int) -> date:
    """End of the first half: "1 year = 6 months, 2 years = 12 months, 3 years = 18 months"
    002_59a801b964a2a19e.txt:4697; an odd term adds half a month [INF]."""
    end = add_months(term_start, term_months // P.BAND_A_TERM_DIVISOR)
    if term_months % P.BAND_A_TERM_DIVISOR:
        end += timedelta(days=P.ODD_TERM_HALF_EXTRA_DAYS)
    return end


def band_for(run_out: date, term_end: date, half_end: date) -> Band:
    """The handbook's case, chosen by when the credit runs out (002_59a801b964a2a19e.txt:4697-4705).

    Exactly 2 months left is B, not "<2"; exactly at half_end or 6 months before the end is B_gap."""
    if run_out < half_end:
        return Band.A_FIRST_HALF
    if run_out > add_months(term_end, -P.BAND_C_MONTHS_BEFORE_END):
        return Band.C_LAST_2_MONTHS
    if run_out > add_months(term_end, -P.BAND_B_MONTHS_BEFORE_END):
        return Band.B_2_TO_6_MONTHS
    return Band.B_GAP


def billing_date_on_or_before(day: date, anchor: date) -> date:
    """The monthly billing date (anchor's day of month) on or before `day` (002_59a801b964a2a19e.txt:4705)."""
    for back in (0, 1):
        first = add_months(date(day.year, day.month, 1), -back)
        candidate = first.replace(day=min(anchor.day, calendar.monthrange(first.year, first.month)[1]))
        if candidate <= day:
            return candidate
    raise AssertionError("unreachable: last month's billing date is always before day")


def _term(customer: CreditCustomer, today: date, params: RunwayParams) -> tuple[date, date, int] | DataGap:
    """(term_start, term_end, months) to judge against; multi-year yearly allocation uses the contract year."""
    assert customer.expires_on is not None
    end = customer.expires_on
    months = customer.term_months or (
        months_between(customer.term_start, end) if customer.term_start else params.default_term_months
    )
    start = customer.term_start or add_months(end, -months)
    if customer.billing_config == "yearly" and months > MONTHS_A_YEAR:
        # Credit "for that year" is allocated each year, 002_59a801b964a2a19e.txt:4594-4600.
        if customer.term_start is None:
            return DataGap.YEARLY_ALLOCATION
        year = 0
        while add_months(customer.term_start, MONTHS_A_YEAR * (year + 1)) <= today:
            year += 1
        start = add_months(customer.term_start, MONTHS_A_YEAR * year)
        end = min(add_months(start, MONTHS_A_YEAR), end)
        months = MONTHS_A_YEAR
    return start, end, months


def compute_runway(
    customer: CreditCustomer, usage: Sequence[UsageInvoice], today: date, params: RunwayParams
) -> Runway:
    """CB-ELIG then CB-RUNWAY (spec §2.2, §2.4) for one customer on day `today`."""
    base = Runway(status=Status.OK, today=today, customer_id=customer.customer_id)
    if customer.credit_left is None or customer.credit_left <= 0:
        return replace(base, status=Status.NO_CREDIT)
    if customer.expires_invalid:
        return replace(base, status=Status.DATA_GAP, data_gap=DataGap.CREDIT_EXPIRES_AT)
    if customer.expires_on is None:
        return replace(base, status=Status.NO_TERM)
    if customer.expires_on <= today:
        return replace(base, status=Status.EXPIRED)
    if customer.startup_plan and not params.include_startup:
        return replace(base, status=Status.STARTUP)
    if customer.billing_config == "self_serve":
        return replace(base, status=Status.SELF_SERVE)
    credit = customer.credit_left
    if customer.billing_config == "amortized":
        if customer.scheduled_remaining is None:
            return replace(base, status=Status.DATA_GAP, data_gap=DataGap.AMORTIZED_SCHEDULE)
        credit += customer.scheduled_remaining
    term = _term(customer, today, params)
    if isinstance(term, DataGap):
        return replace(base, status=Status.DATA_GAP, data_gap=term)
    term_start, term_end, term_months = term
    base = replace(
        base, credit_left=credit, term_start=term_start, term_end=term_end, term_months=term_months
    )

    window_start = today - timedelta(days=params.lookback_days)
    in_window = [u for u in usage if window_start <= u.period_end <= today]
    recent = sorted(in_window, key=lambda u: u.period_end)[-params.max_invoices :]
    days = sum(max(1, (u.period_end - u.period_start).days) for u in recent)
    if not recent or days < params.min_days:
        return replace(base, status=Status.INSUFFICIENT_DATA, burn_days=days)
    total = sum((u.total for u in recent), Decimal(0))
    if total <= 0:
        return replace(base, status=Status.NO_BURN, burn_total=total, burn_days=days)
    last_billed_end = max(u.period_end for u in recent)
    # floor(C / r) with r = total / days, done exactly: the last fully covered day.
    covered_days = int((credit * days) // total)
    run_out = last_billed_end + timedelta(days=covered_days)
    half_end = half_term_end(term_start, term_months)
    deadline = min(run_out, term_end - timedelta(days=params.early_renewal_days))
    result = replace(
        base,
        burn_total=total,
        burn_days=days,
        burn_invoices=len(recent),
        last_billed_end=last_billed_end,
        run_out=run_out,
        runway_days=(run_out - today).days,
        days_before_end=(term_end - run_out).days,
        half_end=half_end,
        expansion_window_open=today < half_end,
        early_renewal_deadline=deadline if deadline >= today else None,
    )
    if run_out >= term_end:
        return result
    band = band_for(run_out, term_end, half_end)
    new_start = (
        billing_date_on_or_before(run_out, last_billed_end)
        if band in (Band.B_2_TO_6_MONTHS, Band.B_GAP)
        else None
    )
    return replace(result, status=Status.ALERT, band=band, new_order_form_start=new_start)


# --- CB-FIRE: when an alert goes out ---------------------------------------------------------


class AlertKind(StrEnum):
    FIRST = "first"
    ACCEL = "accel"
    RAN_OUT = "ran_out"


class CloseReason(StrEnum):
    CREDIT_ADDED = "credit_added"
    TERM_CHANGED = "term_changed"
    TERM_ENDED = "term_ended"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class Episode:
    """One customer and one term end, from the first alert until credit is added or the term changes."""

    customer_id: str
    term_end: date
    episode_no: int
    opened_on: date
    last_alert_run_out: date | None = None
    last_alert_band: Band | None = None
    last_alert_on: date | None = None
    ran_out_alerted: bool = False
    ok_days: int = 0
    closed_on: date | None = None
    close_reason: CloseReason | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


@dataclass(frozen=True)
class CreditSnapshot:
    """Yesterday's (or the last scan's) view of the customer, to see top-ups and run-outs."""

    credit_left: Decimal
    expires_on: date | None
    taken_on: date


@dataclass(frozen=True)
class RanOutInvoice:
    """The invoice that used the last of the credit (spec §2.7)."""

    invoice_date: date
    credit_used: Decimal  # ending_balance - starting_balance, in USD
    amount_billed: Decimal  # amount_due


@dataclass(frozen=True)
class CreditAlert:
    kind: AlertKind
    dedupe_key: str
    runway: Runway
    episode_no: int
    term_end: date
    previous_run_out: date | None = None
    ran_out_invoice: RanOutInvoice | None = None

    @property
    def days_sooner(self) -> int | None:
        if self.previous_run_out is None or self.runway.run_out is None:
            return None
        return (self.previous_run_out - self.runway.run_out).days


@dataclass(frozen=True)
class FireDecision:
    """What to persist and post: the episode closed today (if any), the current episode, the alert."""

    closed: Episode | None
    episode: Episode | None
    alert: CreditAlert | None


@dataclass(frozen=True)
class FireParams:
    realert_earlier_days: int = P.REALERT_EARLIER_DAYS
    episode_reset_ok_days: int = P.EPISODE_RESET_OK_DAYS


def dedupe_key(customer_id: str, term_end: date, episode_no: int, suffix: str) -> str:
    """`creditbot:{cus}:{T_end}:{episode_no}:first|accel:{R}|ran_out` (spec §2.6)."""
    return f"creditbot:{customer_id}:{term_end.isoformat()}:{episode_no}:{suffix}"


def credit_added(
    snapshot: CreditSnapshot | None, credit_today: Decimal, used_since: Decimal | None
) -> bool:
    """Usage only lowers credit; any rise beyond what invoices used is a grant (spec §2.6 (a))."""
    if snapshot is None:
        return False
    expected = snapshot.credit_left - (used_since or Decimal(0))
    return credit_today > expected


def _close_reason(
    episode: Episode, runway: Runway, expires_today: date | None, added: bool, params: FireParams
) -> CloseReason | None:
    if added:
        return CloseReason.CREDIT_ADDED
    if expires_today != episode.term_end:
        return CloseReason.TERM_CHANGED
    if episode.term_end <= runway.today:
        return CloseReason.TERM_ENDED
    if episode.ok_days >= params.episode_reset_ok_days:
        return CloseReason.RECOVERED
    return None


def decide_alert(
    runway: Runway,
    credit_today: Decimal,
    expires_today: date | None,
    snapshot: CreditSnapshot | None,
    latest_episode: Episode | None,
    params: FireParams,
    used_since: Decimal | None = None,
    ran_out_invoice: RanOutInvoice | None = None,
) -> FireDecision:
    """CB-FIRE (spec §2.6-2.7) as a pure function of the previous episode and snapshot.

    At most: one first alert per episode, a re-alert each time the run-out moves
    `realert_earlier_days` earlier, and one ran-out alert."""
    today = runway.today
    customer = runway.customer_id
    closed: Episode | None = None
    episode = latest_episode if latest_episode and latest_episode.is_open else None
    next_no = (latest_episode.episode_no + 1) if latest_episode else 1
    added = credit_added(snapshot, credit_today, used_since)

    if episode is not None:
        reason = _close_reason(episode, runway, expires_today, added, params)
        if reason is not None:
            closed = replace(episode, closed_on=today, close_reason=reason)
            episode = None

    # Ran out (spec §2.7): credit earlier with this term end, none today, term still running.
    ran_out = (
        snapshot is not None
        and snapshot.credit_left > 0
        and snapshot.expires_on == expires_today
        and credit_today <= 0
        and expires_today is not None
        and expires_today > today
    )
    if ran_out:
        assert expires_today is not None
        if episode is None:
            episode = Episode(customer, expires_today, next_no, opened_on=today)
        if episode.ran_out_alerted:
            return FireDecision(closed, episode, None)
        episode = replace(episode, ran_out_alerted=True, last_alert_on=today)
        key = dedupe_key(customer, expires_today, episode.episode_no, "ran_out")
        alert = CreditAlert(
            AlertKind.RAN_OUT, key, runway, episode.episode_no, expires_today,
            previous_run_out=episode.last_alert_run_out, ran_out_invoice=ran_out_invoice,
        )
        return FireDecision(closed, episode, alert)

    if runway.status is Status.ALERT:
        assert runway.run_out is not None and runway.term_end is not None and runway.band is not None
        if episode is None:
            episode = Episode(
                customer, runway.term_end, next_no, opened_on=today,
                last_alert_run_out=runway.run_out, last_alert_band=runway.band, last_alert_on=today,
            )
            key = dedupe_key(customer, runway.term_end, next_no, AlertKind.FIRST)
            return FireDecision(closed, episode, CreditAlert(AlertKind.FIRST, key, runway, next_no, runway.term_end))
        episode = replace(episode, ok_days=0)
        previous = episode.last_alert_run_out
        if (
            not episode.ran_out_alerted
            and previous is not None
            and (previous - runway.run_out).days >= params.realert_earlier_days
        ):
            episode = replace(
                episode, last_alert_run_out=runway.run_out, last_alert_band=runway.band, last_alert_on=today
            )
            key = dedupe_key(customer, episode.term_end, episode.episode_no, f"accel:{runway.run_out.isoformat()}")
            alert = CreditAlert(
                AlertKind.ACCEL, key, runway, episode.episode_no, episode.term_end, previous_run_out=previous
            )
            return FireDecision(closed, episode, alert)
        return FireDecision(closed, episode, None)

    if episode is not None and runway.status is Status.OK:
        episode = replace(episode, ok_days=episode.ok_days + 1)
    return FireDecision(closed, episode, None)


def creditbot_mentions(owner_slack_id: str | None, fallback_ids: Sequence[str]) -> tuple[str, ...]:
    """The Vitally owner (002_59a801b964a2a19e.txt:4694); with none, the fallback (Simon) [INF, spec §2.9]."""
    return (owner_slack_id,) if owner_slack_id else tuple(fallback_ids)


def alert_facts(alert: CreditAlert, account_name: str, mentions: Sequence[str]) -> dict[str, object]:
    """Plain data for the Block Kit builder (`bot.billing.blocks.creditbot_alert`)."""
    r = alert.runway
    facts: dict[str, object] = {
        "kind": alert.kind.value,
        "dedupe_key": alert.dedupe_key,
        "account_name": account_name,
        "customer_id": r.customer_id,
        "mentions": tuple(mentions),
        "today": r.today,
        "term_end": alert.term_end,
        "term_start": r.term_start,
        "term_months": r.term_months,
        "band": r.band.value if r.band else None,
        "previous_run_out": alert.previous_run_out,
        "days_sooner": alert.days_sooner,
        "last_billed_end": r.last_billed_end,
    }
    if r.burn_total is not None and r.burn_days and r.run_out is not None:
        facts.update(
            credit_left=r.credit_left,
            burn_per_day=r.burn_per_day,
            burn_invoices=r.burn_invoices,
            run_out=r.run_out,
            runway_days=r.runway_days,
            days_before_end=r.days_before_end,
            half_end=r.half_end,
            expansion_window_open=r.expansion_window_open,
            early_renewal_deadline=r.early_renewal_deadline,
            new_order_form_start=r.new_order_form_start,
        )
    if alert.ran_out_invoice is not None:
        inv = alert.ran_out_invoice
        facts["ran_out_invoice"] = {
            "invoice_date": inv.invoice_date,
            "credit_used": inv.credit_used,
            "amount_billed": inv.amount_billed,
        }
    return facts
