"""The weekly churn-risk digest (churn-risk.md §4.8), before the weekly at-risk review
(002_59a801b964a2a19e.txt:11534), in the churn channel (002:11532, 11963).

One message per ISO week per channel through the outbox: a second run, a second replica or a
restart sends nothing new, and a crash mid-send is resumed by the outbox. The week's levels are
recorded in the same transaction, so "new" and "recovered" next week compare with this one.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.channels import channel_id
from bot.churn.blocks import digest_blocks, digest_text
from bot.churn.flow import weekly_digest
from bot.churn.settings import ChurnSettings
from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from jobs import JobContext, job
from services.churn.digest import dedupe_key, iso_week

_S = ChurnSettings()


@job("churn_digest", "Weekly churn-risk digest to the churn channel", trigger="cron",
     day_of_week=_S.digest_day_of_week, hour=_S.digest_hour, minute=_S.digest_minute)
def churn_digest(ctx: JobContext) -> str:
    channel = channel_id(ctx.rt, ctx.settings.churn_channel)
    week = iso_week(ctx.now.date())
    key = dedupe_key(week, channel)
    with session_scope(ctx.rt.session_factory) as s:
        if not ctx.dry_run and s.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            # Already queued this week: nothing to decide; run_job's delivery resumes any unsent part.
            return f"digest {week} already queued; nothing new"
        # Accounts are streamed in batches; each batch's levels are recorded for the week as it
        # goes (a short transaction each), so memory holds the digest's lines, not every account.
        digest = weekly_digest(s, ctx.now, record=not ctx.dry_run)
        main, thread = digest_blocks(digest)
        ctx.post(key=key, channel=channel, text=digest_text(digest), blocks=main, session=s)
        for i, blocks in enumerate(thread, 1):
            ctx.post(key=f"{key}:thread:{i}", channel=channel, text=f"{digest_text(digest)} (continued)",
                     blocks=blocks, thread_key=key, session=s)
    return (f"digest {digest.week}: {digest.at_risk_count} at risk, {digest.watch_count} watch,"
            f" {len(digest.churned)} churned; {1 + len(thread)} message(s)")
