"""Block Kit for CreditBot alerts and payment escalations: pure functions, plain data in, a
`chat.postMessage` payload (text + blocks + metadata) out. Most important first, so a phone shows
who must act and by when before the figures. Layouts follow billing-alerts.md §5.1-5.3."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.handbook_links import linkify
from services import mrkdwn as md
from services.handbook import strip_citations
from services.mrkdwn import mentions

e = md.escape

HEADER_MAX = 150  # Slack header blocks are plain_text, at most 150 characters
SECTION_MAX = 3000
STRIPE_DASHBOARD = "https://dashboard.stripe.com"


# --- formatting ------------------------------------------------------------------------------


def money(amount: Decimal | int | str | None) -> str:
    """`$66,000.00`: always two decimals, thousands separators (spec §5)."""
    value = Decimal(str(amount or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def day(value: date | str | None) -> str:
    """`17 Sep 2026` (no leading zero)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value.strftime('%b %Y')}"


def _about_months(days: int) -> str:
    halves = Decimal(days * 2) / Decimal("30.4375")
    value = halves.quantize(Decimal("1"), rounding=ROUND_HALF_UP) / 2
    return f"≈{value.normalize():f} months" if value != 1 else "≈1 month"


def _header(text: str) -> dict[str, Any]:
    text = md.clip(text, HEADER_MAX)
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _section(text: str) -> dict[str, Any]:
    """mrkdwn whose values are escaped; handbook citations become one link per page, cut at a word."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": md.clip(linkify(text), SECTION_MAX)}}


def _fields(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": md.clip(f"*{k}*\n{v}", 2000)} for k, v in pairs[:10]]}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": md.clip(linkify(text), SECTION_MAX)}]}


def _fallback(text: str) -> str:
    """Notification text: no FILE:LINE citations (the blocks link the handbook), within Slack's 4,000."""
    return md.clip(strip_citations(text)[0], 4000)


def _button(action_id: str, text: str, value: str | None = None, url: str | None = None,
            style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}}
    if value is not None:
        button["value"] = value
    if url is not None:
        button["url"] = url
    if style is not None:
        button["style"] = style
    return button


def _metadata(dedupe_key: str, kind: str, **extra: str) -> dict[str, Any]:
    """Slack message metadata: lets crash recovery find a sent message by its dedupe key (spec §5.5)."""
    return {"event_type": "gtmbot_alert", "event_payload": {"dedupe_key": dedupe_key, "kind": kind, **extra}}


# --- CreditBot -------------------------------------------------------------------------------


def _band_guidance(f: Mapping[str, Any]) -> str:
    band = f["band"]
    lines: list[str] = []
    if band == "A_first_half":
        lines.append(
            f"*Runs out in the first half of the term.* Handbook: a new order form adding credit at the original "
            f"discount, expiring on {day(f['term_end'])} (002:4697); a higher volume tier applies if reached, "
            "no refund on the original (002:4711)."
        )
    elif band in ("B_2_to_6_months", "B_gap"):
        start = f" e.g. Contract Start Date *{day(f['new_order_form_start'])}*" if f.get("new_order_form_start") else ""
        lines.append(
            "*Runs out with 2–6 months to go.* Handbook: sign a new 12-month (or longer) order form lined up with "
            f"the monthly billing date,{start} (002:4703-4705)."
        )
        if band == "B_gap":
            lines.append(
                "_The handbook has no case for a run-out more than 6 months before the end but after the first "
                "half; treated as 2–6 months._"
            )
    else:
        lines.append(
            f"*Runs out with less than 2 months to go.* Handbook: if a renewal order form starting "
            f"{day(f['term_end'])} is signed *before {day(f['run_out'])}* and its amount ≥ the current contract, "
            "usage until renewal is covered free (002:4701)."
        )
    bullets: list[str] = []
    if f.get("expansion_window_open") and band != "A_first_half":
        bullets.append(
            f"Still in the first half: extra credit at the *original discount* until *{day(f['half_end'])}* "
            "(002:4568, 4697)."
        )
    if band == "A_first_half":
        bullets.append(f"Expansion at the original discount is available until *{day(f['half_end'])}* (002:4568).")
    if f.get("early_renewal_deadline"):
        bullets.append(
            "Early-renewal +5% needs signing 60+ days before expiry while still on credit: "
            f"by *{day(f['early_renewal_deadline'])}* (002:4442-4444)."
        )
    bullets.append("Use the discounting principles (002:4709); `/quote` can price the expansion or renewal.")
    return "\n".join(lines) + "\n" + "\n".join(f"• {b}" for b in bullets)


def creditbot_alert(f: Mapping[str, Any]) -> dict[str, Any]:
    """The CreditBot message for a first alert, a re-alert (`kind=accel`) or a run-out (`kind=ran_out`).

    Keys: kind, dedupe_key, account_name, customer_id, mentions, today, credit_left, burn_per_day,
    burn_invoices, run_out, runway_days, days_before_end, term_start, term_end, term_months, band,
    half_end, expansion_window_open, early_renewal_deadline, new_order_form_start, last_billed_end,
    previous_run_out, ran_out_invoice {invoice_date, credit_used, amount_billed}."""
    raw_name, tags = f["account_name"], mentions(f["mentions"])
    name = e(raw_name)
    meta = _metadata(f["dedupe_key"], "creditbot", band=str(f.get("band") or f["kind"]))
    stripe_url = f"{STRIPE_DASHBOARD}/customers/{f['customer_id']}"
    actions = {
        "type": "actions",
        "block_id": "creditbot_actions",
        "elements": [
            _button("creditbot_open_stripe", "Open in Stripe", url=stripe_url),
            _button("creditbot_ack", "I'm on it", value=f["dedupe_key"]),
        ],
    }
    context = _context(
        f"Stripe {e(f['customer_id'])} · balance as of {day(f['today'])}"
        + (f" · last billed period ended {day(f['last_billed_end'])}" if f.get("last_billed_end") else "")
        + " · CreditBot (gtmbot)"
    )

    if f["kind"] == "ran_out":
        inv = f.get("ran_out_invoice")
        used = (
            f"The {day(inv['invoice_date'])} invoice used the last {money(inv['credit_used'])}; "
            f"{money(inv['amount_billed'])} was billed at standard rates. "
            if inv else "The credit balance is now used up. "
        )
        body = (
            f"{tags} *{name}* has run out of prepaid credit; its term ends {day(f['term_end'])}. {used}"
            "Usage is now billed monthly at standard rates until a new order form (compare 002:4720). "
            "The early-renewal +5% no longer applies (002:4444)."
        )
        text = f"CreditBot: {name} has run out of credit before its term ends ({day(f['term_end'])}). {tags}"
        blocks = [_header(f"CreditBot: {raw_name} has run out of credit (term ends {day(f['term_end'])})"),
                  _section(body), context, actions]
        return {"text": _fallback(text), "blocks": blocks, "metadata": meta}

    runway_days = f["runway_days"]
    when = (
        f"*{runway_days} days* from today" if runway_days > 0
        else "*already*, counting usage not yet billed"
    )
    months = f" ({_about_months(f['days_before_end'])})" if f["days_before_end"] >= 45 else ""
    before_end = f"*{f['days_before_end']} days{months} before the term ends*"
    if f["kind"] == "accel":
        header = f"CreditBot update: {raw_name} now runs out ~{f['days_sooner']} days sooner"
        lead = (
            f"{tags} burn has gone up: *{name}* now runs out of credit around *{day(f['run_out'])}* "
            f"(was {day(f['previous_run_out'])}): {when}, {before_end} on {day(f['term_end'])}."
        )
        text = (f"CreditBot update: {name} now runs out of credit around {day(f['run_out'])}, "
                f"{f['days_sooner']} days sooner than {day(f['previous_run_out'])}. {tags}")
    else:
        header = f"CreditBot: {raw_name} will run out of credit before its term ends"
        lead = (
            f"{tags} at the current burn *{name}* runs out of credit around *{day(f['run_out'])}*: "
            f"{when}, {before_end} on {day(f['term_end'])}."
        )
        text = (f"CreditBot: {name} will run out of credit around {day(f['run_out'])}, "
                f"{f['days_before_end']} days before its term ends ({day(f['term_end'])}). {tags}")
    burn = Decimal(str(f["burn_per_day"]))
    figures = _fields([
        ("Credit left", money(f["credit_left"])),
        (f"Burn (last {f['burn_invoices']} invoices)", f"{money(burn)}/day (≈ {money(burn * 365 / 12)}/month)"),
        ("Runway", f"{runway_days} days → {day(f['run_out'])}"),
        ("Term", f"{day(f['term_start'])} → {day(f['term_end'])} ({f['term_months']} months)"),
    ])
    blocks = [_header(header), _section(lead), figures, _section(_band_guidance(f)), context, actions]
    return {"text": _fallback(text), "blocks": blocks, "metadata": meta}


def creditbot_acknowledged(blocks: Sequence[Mapping[str, Any]], user_id: str) -> list[dict[str, Any]]:
    """After "I'm on it": the same message with the button replaced by who took it (spec §5.3)."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("block_id") == "creditbot_actions":
            kept = [e for e in block["elements"] if e.get("action_id") != "creditbot_ack"]
            out.append({**block, "elements": kept})
            out.append(_context(f"✓ {md.mention(user_id)} is on it"))
        else:
            out.append(dict(block))
    return out


# --- Payments: the root message --------------------------------------------------------------


def _retry_text(f: Mapping[str, Any]) -> str:
    if f.get("final_attempt"):
        return "Stripe will not retry again (002:3644)"
    if f.get("next_attempt_on"):
        return f"Stripe retries on {day(f['next_attempt_on'])}"
    return f"Stripe retries automatically, up to {f['max_attempts']} attempts (002:3644)"


def _mention_line(f: Mapping[str, Any], user_ids: Sequence[str]) -> str:
    tags = mentions(user_ids)
    if f.get("responsible_reason") == "unmanaged_large":
        what = "failed payment" if f.get("kind") == "payg" else "unpaid invoice"
        return f"{tags} unmanaged account, {what} ≥ $1,500 (002:3654)."
    if f.get("responsible_reason") == "no_owner":
        return f"{tags} no owner in Vitally, so this is yours (002:3648)."
    return tags


def payment_root(f: Mapping[str, Any], user_ids: Sequence[str], dedupe_key: str) -> dict[str, Any]:
    """Step 1, day 0 (002:3652-3658): who must reach out today, what to send, and the schedule."""
    raw_name, name, label, amount = f["account_name"], e(f["account_name"]), e(f["invoice_label"]), money(f["amount"])
    payg = f["kind"] == "payg"
    since = f" (late since {day(f['late_day'])})" if f.get("first_seen_late") else ""
    if payg:
        retry = _retry_text(f)
        what = (
            f"the card payment for invoice *{label}* failed on *{day(f['failed_on'])}* "
            f"(attempt {f['attempt']} of {f['max_attempts']}; {retry}){since}."
        )
        summary = f"card payment attempt {f['attempt']} of {f['max_attempts']} failed"
        billing = "Pay-as-you-go (card)"
        link = md.link(f["payment_link"], "payment link") if f.get("payment_link") else "payment link (Stripe invoice page)"
        first_bullet = (
            f"Include the {link}; for a new card send the payment update link (Stripe → subscription → Actions → "
            "Share payment update link)."
        )
    else:
        what = f"invoice *{label}* was due on *{day(f['due_date'])}* and is unpaid{since}."
        summary = f"bank-transfer invoice unpaid, late since {day(f['late_day'])} (due {day(f['due_date'])})"
        billing = f"Invoiced, bank transfer (due {day(f['due_date'])})"
        pdf = md.link(f["invoice_pdf"], "Invoice PDF") if f.get("invoice_pdf") else "Invoice PDF (Stripe invoice page)"
        first_bullet = (
            f"Attach the {pdf}. If they paid via Bill.com, check the default customer account in Stripe (002:3604)."
        )
    lead = f"{_mention_line(f, user_ids)} {what[0].upper()}{what[1:]} Please reach out today."
    bullets = [
        "Email all known contacts and the finance emails in Stripe, asking for payment now.",
        first_bullet,
        "Say that if payment isn't received within *7 calendar days* user access will be suspended.",
        "Genuine reason for more time? Use your discretion: *More time…* (002:3658)",
    ]
    extra: list[str] = []
    if f.get("withheld"):
        extra.append("The full invoice amount is due; tax withheld is treated as outstanding (002:3713).")
    if f.get("three_ds"):
        extra.append("Card needs 3DS: the customer must complete it; our billing system sends reminders (002:3696).")
    if f.get("advance_payment") is not None:
        extra.append(
            "*Third consecutive missed payment period:* before access is restored the customer must pay in advance "
            f"3 months of service based on typical usage (≈ {money(f['advance_payment'])}); if they refuse or don't "
            "pay, the account may be reverted to the Free Tier (002:3689)."
        )
    for other_label, other_amount in f.get("other_invoices") or []:
        extra.append(f"Also late: invoice {e(other_label)} ({money(other_amount)}).")
    todo = "*Today (002:3656-3658)*\n" + "\n".join(f"• {b}" for b in bullets)
    if extra:
        todo += "\n" + "\n".join(extra)
    contact = name + (f" · {e(f['billing_email'])}" if f.get("billing_email") else "")
    figures = _fields([
        ("Amount due", f"{amount} {f.get('currency', 'USD')}"),
        ("Suspend access", f"{day(f['suspend_on'])} if unpaid"),
        ("Cancel subscription", f"{day(f['cancel_on'])} if unpaid"),
        ("Late since", f"{day(f['late_day'])} (day 0)"),
        ("Customer", contact),
        ("Billing", billing),
    ])
    context_bits = ["Handbook: Billing › Failed/late payments", "Payment-portal uploads, vendor forms → finance team (002:5326)"]
    if f.get("owner_is_ae"):
        context_bits.append("Commission is paid only once the invoice is paid (002:3648)")
    if payg and f.get("decline"):
        context_bits.append(f"Decline: {e(f['decline'])}")
    case_key = dedupe_key.split(":")[1]
    actions = {
        "type": "actions",
        "block_id": "payment_actions",
        "elements": [
            _button("pay_open_invoice", "Open invoice", url=f"{STRIPE_DASHBOARD}/invoices/{f['invoice_id']}"),
            _button("pay_responded", "Customer responded", value=case_key),
            _button("pay_extend", "More time…", value=case_key),
            _button("pay_needs_changes", "Invoice needs changes", value=case_key),
        ],
    }
    text = f"Payment late: {name}, {amount} (invoice {label}), {summary}. {mentions(user_ids)}"
    blocks = [
        _header(f"Payment late: {raw_name} ({amount})"),
        _section(lead),
        figures,
        _section(todo),
        _context(" · ".join(context_bits)),
        actions,
    ]
    return {"text": _fallback(text), "blocks": blocks, "metadata": _metadata(dedupe_key, "payment", invoice=f["invoice_id"])}


# --- Payments: thread replies ----------------------------------------------------------------


def _cause(f: Mapping[str, Any]) -> str:
    """Why access goes: a card payment failed, or a bank-transfer invoice is unpaid (issue 16)."""
    if f.get("kind") != "invoiced":
        return "the failed payment"
    labels = f.get("invoice_labels") or []
    return f"the unpaid invoice {e(', '.join(labels))}" if labels else "the unpaid invoice"


def _step_text(f: Mapping[str, Any], tags: str) -> str:
    late = f" _(due {day(f['due_on'])}, posted late)_" if f.get("posted_late") else ""
    step = f["step"]
    if step == "step2":
        return (f"{tags} Access is suspended *tomorrow* ({day(f['suspend_on'])}) unless paid ({money(f['amount'])} "
                "outstanding). Today: tell all active users on the account that access will be suspended tomorrow "
                f"due to {_cause(f)} (002:3663).{late}")
    if step == "step3":
        return (f"{tags} Suspend access *today*: Django admin → organization → Active = No, reason \"Access revoked "
                "due to an unpaid balance.\" → Save. Then email/Slack all users: access is suspended, how to fix it, "
                f"and that unless resolved within 7 days ({day(f['cancel_on'])}) the account reverts to the Free tier "
                f"and its limits (002:3667-3669). Outstanding: {money(f['amount'])}.{late}")
    if step == "step4":
        return (f"{tags} The subscription is cancelled *tomorrow* ({day(f['cancel_on'])}). Today: tell all contacts "
                f"it will be terminated due to {_cause(f)}, that the free tier limits then apply and data above them "
                "won't be stored "
                f"(002:3676-3678). Outstanding: {money(f['amount'])}.{late}")
    return (f"{tags} Cancel the subscription *today* in Stripe: customer page → … next to the active subscription "
            f"→ Cancel. The billing service notifies the customer (002:3683-3685). Outstanding: "
            f"{money(f['amount'])}.{late}")


def _resolved_text(f: Mapping[str, Any], tags: str) -> str:
    resolution = f["resolution"]
    if resolution == "paid":
        text = f"Paid on {day(f['on'])} ({money(f['amount'])}). Escalation closed."
    elif resolution == "voided":
        text = f"Invoice voided on {day(f['on'])}: escalation closed. A replacement invoice starts its own clock."
    elif resolution == "written_off":
        text = f"Invoice marked uncollectible on {day(f['on'])}: escalation closed."
    else:
        text = f"Nothing left to pay since {day(f['on'])} (credit note or credit): escalation closed."
    if f.get("advance_payment") is not None and resolution == "paid":
        text += (f" {tags} Third consecutive missed period: don't restore access until the advance payment of "
                 f"≈ {money(f['advance_payment'])} (3 months of typical usage) is received (002:3689).")
    elif f.get("suspended"):
        text += f" {tags} Access was suspended on {day(f['suspended_on'])}: re-enable it in Django admin (002:3671)."
    return text


def payment_reply(kind: str, f: Mapping[str, Any], user_ids: Sequence[str], dedupe_key: str) -> dict[str, Any]:
    """A thread reply under the root (`reply_broadcast` is set by the poster): attempts, steps 2-5,
    a joined invoice, resolution, or more time. Steps 3 and 5 carry a button to record the manual act."""
    tags = mentions(user_ids)
    case_key = dedupe_key.split(":")[1]
    extra_blocks: list[dict[str, Any]] = []
    if kind == "attempts":
        first, last, most = f["first_attempt"], f["attempt"], f["max_attempts"]
        which = f"Attempt {last} of {most} failed" if first >= last else (
            f"Attempts {', '.join(str(n) for n in range(first, last))} and {last} of {most} failed")
        retry = _retry_text(f)
        decline = f" ({e(f['decline'])})" if f.get("decline") else ""
        text = f"{tags} {which} on {day(f['failed_on'])}{decline}. {retry}."
    elif kind == "step":
        text = _step_text(f, tags)
        if f["step"] == "step3":
            extra_blocks.append({"type": "actions", "block_id": "pay_task", "elements": [
                _button("pay_suspended_done", "Access suspended ✓", value=case_key, style="primary")]})
        elif f["step"] == "step5":
            extra_blocks.append({"type": "actions", "block_id": "pay_task", "elements": [
                _button("pay_cancelled_done", "Subscription cancelled ✓", value=case_key, style="primary")]})
    elif kind == "joined":
        text = (f"{tags} Another invoice is late: {e(f['invoice_label'])} {money(f['amount'])}; schedule unchanged. "
                "The escalation closes only when every invoice is paid.")
    elif kind == "resolved":
        text = _resolved_text(f, tags)
    elif kind == "extended":
        when = (f"Suspension now {day(f['suspend_on'])}, cancellation {day(f['cancel_on'])}."
                if f.get("suspension_pending") else f"Cancellation now {day(f['cancel_on'])}.")
        text = f"{md.mention(f['user_id'])} gave {f['days']} more days: {e(f['reason'])}. {when}"
    else:
        raise ValueError(f"unknown payment reply kind {kind!r}")
    blocks = [_section(text), *extra_blocks]
    return {"text": _fallback(text), "blocks": blocks, "metadata": _metadata(dedupe_key, "payment")}


def backlog_summary(f: Mapping[str, Any], dedupe_key: str) -> dict[str, Any]:
    """One message listing invoices already long overdue when first seen, by owner (spec §3.9)."""
    items = sorted(f["items"], key=lambda i: (i.get("owner") or "~", -i["days_late"]))
    lines = []
    for item in items:
        owner = md.mention(item["owner"]) if item.get("owner") else "no owner"
        lines.append(f"• {owner}: {md.bold(item['account_name'])} {money(item['amount'])}, "
                     f"late since {day(item['late_day'])} ({item['days_late']} days) · {e(', '.join(item['invoices']))}")
    intro = (f"{len(items)} invoice(s) were already more than two weeks overdue when gtmbot first saw them, so no "
             "escalation was started for them. Owners: please chase these directly (002:3648).")
    text = f"Overdue invoices backlog: {len(items)} account(s) already long overdue."
    total = money(sum(Decimal(str(i["amount"])) for i in items))
    oldest = max((i["days_late"] for i in items), default=0)
    intro = f"*{len(items)} overdue, {total}, oldest {oldest} days.* " + intro
    blocks = [_header("Overdue invoices backlog"), _section(intro),
              _section(md.fit_lines(lines, SECTION_MAX))]
    return {"text": text, "blocks": blocks, "metadata": _metadata(dedupe_key, "payment_backlog")}


# --- Payments: interactivity -----------------------------------------------------------------


def needs_changes_reply(user_id: str) -> dict[str, Any]:
    text = (f"{md.mention(user_id)} flagged that the invoice needs changes. Overdue invoices needing changes are fixed with "
            "credit notes via RevOps (002:11116); don't void or refund yourself (002:5033). The schedule continues "
            "unless someone gives more time.")
    return {"text": _fallback(text), "blocks": [_section(text)]}


def task_recorded(action: str, user_id: str, on: date) -> dict[str, Any]:
    """Audit reply when a person records a manual act the bot asked for (suspend, cancel, responded)."""
    what = {
        "pay_suspended_done": "recorded that access was suspended in Django admin",
        "pay_cancelled_done": "recorded that the subscription was cancelled in Stripe",
        "pay_responded": "recorded that the customer responded",
    }[action]
    text = f"{md.mention(user_id)} {what} on {day(on)}."
    return {"text": text, "blocks": [_context(text)]}


def extension_modal(case_key: str, account_name: str, error: str | None = None) -> dict[str, Any]:
    """The "More time…" modal: days (1-30) and a required reason (spec §3.6)."""
    blocks: list[dict[str, Any]] = [
        _section(f"Give {md.bold(account_name)} more time before suspension. Every step not yet posted moves later."),
        {"type": "input", "block_id": "days", "label": {"type": "plain_text", "text": "Days (1-30)"},
         "element": {"type": "plain_text_input", "action_id": "value", "placeholder":
                     {"type": "plain_text", "text": "7"}}},
        {"type": "input", "block_id": "reason", "label": {"type": "plain_text", "text": "Reason"},
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "placeholder":
                     {"type": "plain_text", "text": "Customer's AP run is on the 10th"}}},
    ]
    if error:
        blocks.insert(1, _context(f":warning: {e(error)}"))
    return {
        "type": "modal",
        "callback_id": "pay_extend_modal",
        "private_metadata": case_key,
        "title": {"type": "plain_text", "text": "More time"},
        "submit": {"type": "plain_text", "text": "Give more time"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
