"""The weekly handbook check (issue 19): every policy rule against the handbook copy at HANDBOOK_PATH
(a git checkout the operator keeps current), the drift posted to SALES_OPS_CHANNEL with the areas'
policy owners (HANDBOOK_OWNERS) tagged.

One message per distinct drift: its outbox key is a hash of the findings (rule, status, where found,
the handbook's numbers), so the same drift next week posts nothing and a new one posts again. Nothing
is posted when every rule matches; nothing runs without HANDBOOK_PATH."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.channels import channel_id
from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.handbook_check.blocks import drift_message
from bot.handbook_check.load import load_handbook
from bot.handbook_check.owners import parse_owners
from jobs import JobContext, job
from services.rules.check import check
from services.rules.registry import all_rules


@job("handbook_check", "Weekly: every policy rule against the handbook copy (HANDBOOK_PATH); drift to sales ops",
     trigger="cron", day_of_week="mon", hour=7, minute=0)
def handbook_check(ctx: JobContext) -> str:
    if not ctx.settings.handbook_path:
        return "HANDBOOK_PATH is not set; nothing checked"
    report = check(all_rules(), load_handbook(Path(ctx.settings.handbook_path)))
    if not report.drift:
        return f"all {len(report.results)} rules match the handbook"
    key = f"handbook-drift:{report.drift_key()}"
    summary = f"{len(report.drift)} of {len(report.results)} rules drift ({key})"
    with session_scope(ctx.rt.session_factory) as s:
        if not ctx.dry_run and s.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            return f"{summary}; already reported"
    text, blocks = drift_message(report, parse_owners(ctx.settings.handbook_owners))
    ctx.post(key=key, channel=channel_id(ctx.rt, ctx.settings.sales_ops_channel), text=text, blocks=blocks)
    return summary
