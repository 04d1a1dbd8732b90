"""The weekly churn-risk digest (churn-risk.md §4.8), before the weekly at-risk review
(002_59a801b964a2a19e.txt:11534), in the churn channel (002:11532, 11963).

A summary message (totals, and what needs leadership now), one thread reply per owner with that
owner's accounts, and, when those messages cannot carry every account, the full list as a CSV file
in the thread: a handful of messages at any number of accounts (issue 17). Each goes through the
outbox under its own key, all queued in one transaction: a second run, a second replica or a
restart sends nothing new, and a crash mid-send is resumed (a file whose upload may have reached
Slack is looked for before it is uploaded again).
"""

from __future__ import annotations

from sqlalchemy import select

from bot.channels import channel_id
from bot.churn.blocks import digest_messages
from bot.churn.flow import weekly_digest
from bot.churn.settings import ChurnSettings
from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.outbox import FILE_UPLOAD
from jobs import JobContext, job
from services.churn.digest import dedupe_key, iso_week

_S = ChurnSettings()


@job("churn_digest", "Weekly churn-risk digest to the churn channel", trigger="cron",
     day_of_week=_S.digest_day_of_week, hour=_S.digest_hour, minute=_S.digest_minute)
def churn_digest(ctx: JobContext) -> str:
    channel = channel_id(ctx.rt, ctx.settings.churn_channel)
    week = iso_week(ctx.now.date())
    key = dedupe_key(week, channel)
    settings = ChurnSettings()
    with session_scope(ctx.rt.session_factory) as s:
        if not ctx.dry_run and s.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            # Already queued this week: nothing to decide; run_job's delivery resumes any unsent part.
            return f"digest {week} already queued; nothing new"
        # Accounts are streamed in batches; each batch's levels are recorded for the week as it
        # goes (a short transaction each), so memory holds the digest's lines, not every account.
        digest = weekly_digest(s, ctx.now, record=not ctx.dry_run)
        out = digest_messages(digest, list_limit=settings.digest_list_limit, owner_limit=settings.digest_owner_limit)
        ctx.post(key=key, channel=channel, text=out.text, blocks=out.blocks, session=s)
        for reply in out.replies:
            ctx.post(key=f"{key}:{reply.key}", channel=channel, text=reply.text, blocks=reply.blocks,
                     thread_key=key, session=s)
        if out.file:
            ctx.post(key=f"{key}:csv", channel=channel, text=out.file.comment, thread_key=key, method=FILE_UPLOAD,
                     filename=out.file.filename, title=out.file.title, content=out.file.content, session=s)
    return (f"digest {digest.week}: {digest.at_risk_count} at risk, {digest.watch_count} watch,"
            f" {len(digest.churned)} churned; {out.message_count} message(s)"
            + (f" and 1 file ({out.file.filename})" if out.file else ""))
