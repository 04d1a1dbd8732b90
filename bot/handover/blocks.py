"""Block Kit for /handover-check: pure functions from the checker's report (or an error) to a message.

Phone first: verdict and transition on the first row, then what blocks the handover, then warnings,
then what a person must confirm (each with a Confirm button when it can be recorded), and all passes
collapsed into one line (handover-check.md §4.7).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from services.handover import policy as P
from services.handover.check import money
from services.handover.grammar import AccountRef, ErrorKind, HandoverError
from services.handover.model import CheckItem, HandoverReport, Status, Verdict

COMMAND = "/handover-check"
EXAMPLE = f"`{COMMAND} Acme Robotics to TAM`"
CONFIRM_ACTION_PREFIX = "handover_confirm"
SECTION_MAX_CHARS = 3000  # Slack's limit for a section's text
MAX_BLOCKS = 50
MAX_AMBIGUOUS_LISTED = 5  # keep the reply short on a phone

VERDICT_LABEL = {
    Verdict.READY: "✅ Ready to hand over",
    Verdict.READY_WITH_WARNINGS: "⚠️ Ready with warnings",
    Verdict.NOT_READY: "❌ Not ready",
    Verdict.NOT_ALLOWED: "🚫 Not allowed",
    Verdict.NOT_A_HANDOVER: "ℹ️ Not a handover",
}
TARGETS_HELP = "TAM, CSM (aka CSE / Technical CSM), US TAM, EU TAM, US CSM, EU CSM, or @mention a TAM/CSM"
USAGE = (
    f"Usage: `{COMMAND} <account> [to <TAM|CSM|US TAM|EU TAM|US CSM|EU CSM|@person>]` — e.g. {EXAMPLE}. "
    "Without `to`, I check the next step the policy gives for the current owner."
)


def _text(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _ephemeral(text: str, blocks: list[dict] | None = None) -> dict:
    return {"response_type": "ephemeral", "text": text, "blocks": blocks or [_text(text)]}


def _fit(title: str, lines: Sequence[str], sep: str = "\n") -> str:
    """A section text under Slack's 3000-char limit; what doesn't fit becomes '…and N more'."""
    head, body = f"*{title}*\n", ""
    for n, line in enumerate(lines):
        piece = (sep if body else "") + line
        if len(head) + len(body) + len(piece) > SECTION_MAX_CHARS - 40:
            if not body:  # one line longer than a section: show its start rather than nothing
                body = line[: SECTION_MAX_CHARS - 40 - len(head)] + "…"
                n += 1
            rest = len(lines) - n
            return head + body + (f"{sep}…and {rest} more" if rest else "")
        body += piece
    return head + body


def _who(item: CheckItem, report: HandoverReport) -> str:
    if item.fixer == "outgoing owner" and report.owner is not None:
        return f"<@{report.owner.slack_id}>"
    return item.fixer or ""


def _line(item: CheckItem, report: HandoverReport) -> str:
    who = _who(item, report)
    label = "confirm" if item.status is Status.CONFIRM else "fix"
    return f"• *{item.title}* — {item.reason}" + (f" _({label}: {who})_" if who else "")


def target_text(report: HandoverReport) -> str:
    """The target as command text ("" when it was the policy default), so a refresh checks the same one."""
    if report.default_target or report.target is None:
        return ""
    return report.target.label


def confirm_value(account_id: str, kind: str, target: str = "") -> str:
    return json.dumps({"account_id": account_id, "kind": kind, "target": target}, separators=(",", ":"))


def core_products_text(report: HandoverReport) -> str:
    marks = " · ".join(f"{P.CORE_PRODUCT_LABELS[p]} {'✓' if paid else '✗'}" for p, paid in report.core_products)
    return f"{marks} ({report.core_count}/{len(report.core_products)})"


def summary_text(report: HandoverReport) -> str:
    arrow = f" ({report.transition})" if report.transition else ""
    return f"Handover check: {report.account_name}{arrow} — {VERDICT_LABEL[report.verdict]}"


def report_message(report: HandoverReport) -> dict:
    """The ephemeral reply for one checked account (verdicts READY … NOT_A_HANDOVER)."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": f"Handover check: {report.account_name}"[:150]}}]
    if report.verdict in (Verdict.NOT_ALLOWED, Verdict.NOT_A_HANDOVER):
        blocks.append(_text(report.message or VERDICT_LABEL[report.verdict]))
        blocks.append(_context(report))
        return {"response_type": "ephemeral", "text": summary_text(report), "blocks": blocks}

    confirms = report.by_status(Status.CONFIRM)
    verdict = VERDICT_LABEL[report.verdict]
    if report.verdict is Verdict.READY and confirms:
        verdict += f" — confirm the {len(confirms)} item{'s' if len(confirms) != 1 else ''} below"
    elif report.verdict is Verdict.READY_WITH_WARNINGS:
        verdict += " — once the warnings are resolved or accepted (see Approver)"
    transition = (report.transition or "") + (" overlay" if report.overlay else "") + (" (default)" if report.default_target else "")
    target = report.target.label if report.target else "—"
    if report.suggested_new_owner and report.target and report.target.member is None:
        target += f" — suggested New Owner: {report.suggested_new_owner}"
    owner = f"<@{report.owner.slack_id}> ({report.owner.role})" if report.owner else "none"
    fields = [
        ("Verdict", verdict), ("Transition", transition), ("Current owner", owner), ("Target", target),
        ("ARR", money(report.effective_arr)), ("Core products", core_products_text(report)),
        ("Health", report.health_label or "unknown"), ("Approver", report.approver or "—"),
    ]
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]})
    if report.default_target:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"No target given — checked against the next step in policy: {report.transition}"}]})
    blocks.append({"type": "divider"})

    fails, warns = report.by_status(Status.FAIL), report.by_status(Status.WARN)
    if fails:
        blocks.append(_text(_fit(f"❌ Blocking ({len(fails)})", [_line(i, report) for i in fails])))
    if warns:
        blocks.append(_text(_fit(f"⚠️ Warnings ({len(warns)})", [_line(i, report) for i in warns])))
    if confirms:
        blocks.extend(_confirm_blocks(report, confirms))
    passes = report.by_status(Status.PASS)
    if passes:
        blocks.append(_text(_fit(f"✅ Passed ({len(passes)})", [i.reason for i in passes], sep=" · ")))
    # The suggested New Owner is already in the Target field; don't say it twice on a phone.
    infos = [i for i in report.by_status(Status.INFO) if not (report.suggested_new_owner and i.id == "C14")]
    if infos:
        blocks.append(_text(_fit("ℹ️ Good to know", [f"• {i.reason[:1].upper()}{i.reason[1:]}" for i in infos])))
    if report.next_steps:
        steps = [f"{n}. {s}" for n, s in enumerate(report.next_steps, 1)]
        blocks.append(_text(_fit("Next steps", steps)))
    blocks.append(_context(report))
    return {"response_type": "ephemeral", "text": summary_text(report), "blocks": blocks[:MAX_BLOCKS]}


def _confirm_blocks(report: HandoverReport, confirms: Sequence[CheckItem]) -> list[dict]:
    """One section per item; recordable ones carry a Confirm button for the outgoing owner."""
    blocks = [_text(f"*☐ Confirm before handing over ({len(confirms)})*")]
    for item in confirms:
        block = _text(_line(item, report)[:SECTION_MAX_CHARS])
        if item.confirm_kind:
            block["block_id"] = f"handover_confirm:{item.id}"
            block["accessory"] = {
                "type": "button",
                "text": {"type": "plain_text", "text": "Confirm"},
                "action_id": f"{CONFIRM_ACTION_PREFIX}:{item.confirm_kind}",
                "value": confirm_value(report.account_id, item.confirm_kind, target_text(report)),
            }
        blocks.append(block)
    return blocks


def _context(report: HandoverReport) -> dict:
    parts = [f"Policy: <{P.POLICY_URL}|Account allocation & handover>"]
    if report.today is not None:
        parts.append(f"checked {report.today.isoformat()}")
    if report.unavailable_sources:
        names = ", ".join(sorted(report.unavailable_sources))
        parts.append(f"{names} data unavailable — run `gtmbot sync {names.split(',')[0].lower()}` or try again in a few minutes")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(parts)}]}


# --- bad input ------------------------------------------------------------------------------

def _acct(a: AccountRef) -> str:
    return f"*{a.name}*" + (f" ({a.domain})" if a.domain else "")


def error_message(error: HandoverError) -> dict:
    """A clear ephemeral reply saying what was wrong, with a command that works."""
    kind = error.kind
    if kind is ErrorKind.USAGE:
        text = (f"I couldn't read that: {error.detail}. " if error.detail else "") + USAGE
    elif kind is ErrorKind.ACCOUNT_NOT_FOUND:
        text = f"I couldn't find an account matching “{error.query}”."
        if error.suggestions:
            text += f" Did you mean: {', '.join(_acct(a) for a in error.suggestions)}? Try `{COMMAND} {error.suggestions[0].name}`."
        else:
            text += f" Use the account name, domain or PostHog org id, e.g. {EXAMPLE}."
    elif kind is ErrorKind.ACCOUNT_AMBIGUOUS:
        shown = error.matches[:MAX_AMBIGUOUS_LISTED]
        listed = ", ".join(
            f"{a.name} ({', '.join(x for x in (a.domain, f'owner <@{a.owner_slack_id}>' if a.owner_slack_id else 'no owner') if x)})"
            for a in shown
        )
        if len(error.matches) > len(shown):
            listed += f" …and {len(error.matches) - len(shown)} more"
        pick = error.matches[0]
        how_many = f"{len(error.matches)} accounts" if error.matches_complete else "several accounts, including"
        text = (
            f"“{error.query}” matches {how_many}: {listed}. Re-run with the domain or full name, "
            f"e.g. `{COMMAND} {pick.domain or pick.name}`."
        )
    elif kind is ErrorKind.UNKNOWN_TARGET:
        name = error.account.name if error.account else "Acme Robotics"
        text = f"“{error.query}” isn't a role or teammate I know. Targets: {TARGETS_HELP}. e.g. `{COMMAND} {name} to TAM`."
    else:  # SAME_OWNER
        name = error.account.name if error.account else "the account"
        text = f"<@{error.owner_slack_id}> already owns {name} — pick a different target, e.g. `{COMMAND} {name} to TAM`."
    return _ephemeral(text)


def no_data_message() -> dict:
    """The account model is empty: say where data comes from instead of failing every lookup."""
    return _ephemeral(
        "I have no account data yet, so I can't check a handover. Import accounts with "
        "`gtmbot accounts import FILE` or sync them with `gtmbot sync vitally` (and `gtmbot sync stripe` for invoices), "
        f"then try again, e.g. {EXAMPLE}."
    )


def confirmed_message(item_title: str, account_name: str, user_id: str, when: str) -> dict:
    return _ephemeral(f"☑️ Recorded: *{item_title}* for {account_name}, confirmed by <@{user_id}> at {when}. Run `{COMMAND} {account_name}` again to see it counted.")


def refusal_message(text: str) -> dict:
    return _ephemeral(text)
