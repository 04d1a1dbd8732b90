"""SEV 0 broadcasts end to end with the fake Slack's rate limits on: 500 channels with zero
duplicates (E15), resume after a crash with in-flight rows (E16), 429s (E17a), permanent errors
and Retry failed (E17b), threaded updates and resolution (E19), downgrade (E21), replies (E22)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select, update

from bot.db.session import session_scope
from bot.fakes.driver import wait_idle
from bot.incidents.blocks import ACTION_RETRY_FAILED
from bot.incidents.dispatch import resume_all
from bot.incidents.tables import Broadcast, Delivery, Incident
from tests.clock import freeze
from tests.incidents.fixtures import COORD, SCS, TEAM, declare_values, opened_view, submit, text_input

INITIAL = (
    "We're investigating a major incident affecting the PostHog app. The PostHog app is unreachable.\n\n"
    "Our engineering team is actively working on a fix. We'll post updates here every 15–30 minutes until this is resolved."
)
CONFIRM = {"confirm": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}}


def world(seed, fake, incident_env, n: int, owners: int = 40, rate: float = 50):
    """n ext-shared mapped channels with `owners` distinct owners, rate limits on in the fake."""
    incident_env(CMOC_EU="Simon,Dana", CMOC_US="Landon,Tyler", SLACK_POST_RATE_PER_SEC=rate, SLACK_POST_BURST=10)
    team = list(TEAM) + [{"slack_id": f"U_OWNER{i:02d}", "name": f"Owner {i:02d}", "role": "CSM", "region": "EU"} for i in range(owners)]
    accounts = [
        {"id": f"cust{i:03d}", "name": f"Customer {i:03d}", "arr": str(1000 + i), "owner_slack_id": f"U_OWNER{i % owners:02d}",
         "cloud": "EU" if i % 2 else "US", "products_used": ["product_analytics"], "slack_channel_ids": [f"C_CUST{i:03d}"]}
        for i in range(n)
    ]
    seed({"team": team, "accounts": accounts})
    fake.rate_limit("chat.postMessage", per_second=rate * 1.25, burst=20)  # workspace cap above our pace
    fake.rate_limit("chat.postMessage", per_second=1, burst=1, per_channel=True)  # Slack's 1/s per channel
    return [a["slack_channel_ids"][0] for a in accounts]


def declare_sev0(fake, bot) -> dict:
    bot.command("/incident", "declare sev0 PostHog app down", user="U_SIMON")
    draft = submit(bot, opened_view(fake, "incident_declare"), declare_values(0, "the PostHog app", "The PostHog app is unreachable."), "U_SIMON")["view"]
    return submit(bot, draft, {"f_feature": text_input("the PostHog app"), "f_symptom": text_input("The PostHog app is unreachable.")}, "U_SIMON")["view"]


def per_channel(fake, channels) -> Counter:
    return Counter({ch: len(fake.posts(ch)) for ch in channels})


def wait_broadcast_done(fake, rt, timeout: float = 90):
    def done():
        with session_scope(rt.session_factory) as s:
            return all(b.status in ("sent", "partially_failed", "failed") for b in s.scalars(select(Broadcast))) and s.scalar(select(Broadcast.id)) is not None

    fake.wait_for(done, timeout)


def test_e15_sev0_broadcast_to_500_channels(seed, fake_slack, incident_env, bot, rt):
    channels = world(seed, fake_slack, incident_env, 500)
    preview = declare_sev0(fake_slack, bot)
    assert preview["blocks"][0]["text"]["text"] == "*500 channels* will get this, posted as *PostHog*"
    assert preview["submit"]["text"] == "Send to 500 channels"
    assert submit(bot, preview, CONFIRM, "U_SIMON") == {"response_action": "clear"}
    wait_broadcast_done(fake_slack, rt)

    counts = per_channel(fake_slack, channels)
    assert set(counts.values()) == {1}, "every channel exactly once"
    posts = [fake_slack.posts(ch)[0] for ch in channels]
    assert all(p["username"] == "PostHog" for p in posts)
    assert all(p["metadata"]["event_type"] == "gtmbot_delivery" for p in posts)
    assert {p["text"] for p in posts} == {INITIAL}

    notice = next(m for m in fake_slack.posts(COORD) if "SEV 0 broadcast going out to your accounts now" in m["text"])
    assert all(f"<@U_OWNER{i:02d}>" in notice["text"] for i in range(40))
    tenth = sorted(float(p["ts"]) for p in posts)[9]
    assert float(notice["ts"]) < tenth
    fake_slack.wait_for(lambda: [m for m in fake_slack.posts(SCS) if "watch here for replies" in m["text"]])
    fake_slack.wait_for(lambda: [m for m in fake_slack.posts(COORD) if m["text"].startswith("<@U_SIMON> Sent to 500/500 channels in")])

    with session_scope(rt.session_factory) as s:
        inc = s.scalar(select(Incident))
        first = min(d.sent_at for d in s.scalars(select(Delivery)))
        assert (inc.next_update_due_at - first).total_seconds() == 15 * 60
        assert s.scalar(select(Broadcast)).status == "sent"


def test_e16_restart_with_in_flight_rows_posts_each_channel_once(seed, fake_slack, incident_env, bot, rt, monkeypatch):
    """The state a kill -9 leaves: 200 sent, 4 `sending` of which 2 reached Slack, 294 pending."""
    channels = world(seed, fake_slack, incident_env, 500)
    preview = declare_sev0(fake_slack, bot)
    # write the rows exactly as the confirm does, but do not let the sender start
    monkeypatch.setattr("bot.incidents.flow.start_broadcast", lambda *a, **k: None)
    submit(bot, preview, CONFIRM, "U_SIMON")
    from bot.incidents.dispatch import incident_settings, sender_config
    from bot.incidents.sender import DeliverySender

    with session_scope(rt.session_factory) as s:
        rows = list(s.scalars(select(Delivery).order_by(Delivery.position)))
        first200 = [r.id for r in rows[:200]]
        in_flight = rows[200:204]
    DeliverySender(rt, sender_config(incident_settings())).run(delivery_ids=first200)
    from bot.clock import now

    for i, row in enumerate(in_flight):
        with session_scope(rt.session_factory) as s:
            s.execute(update(Delivery).where(Delivery.id == row.id).values(status="sending", sending_started_at=now(), attempts=1))
        if i < 2:  # Slack accepted these two before the process died
            fake_slack.add_message(row.channel_id, row.text, user=fake_slack.bot_user_id, bot_id=fake_slack.bot_id,
                                   metadata={"event_type": "gtmbot_delivery", "event_payload": {"key": row.dedupe_key}})
    assert sum(per_channel(fake_slack, channels).values()) == 202

    resume_all(rt)  # what the incident_broadcasts job does after a restart

    counts = per_channel(fake_slack, channels)
    assert set(counts.values()) == {1} and len(counts) == 500
    history_checks = [c for c in fake_slack.calls if c.method == "conversations.history" and c.args.get("include_all_metadata") in (True, "true", "1")]
    assert {c.args["channel"] for c in history_checks} >= {r.channel_id for r in in_flight}
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(Broadcast)).status == "sent"
        assert {d.status for d in s.scalars(select(Delivery))} == {"sent"}


def test_e17a_429_is_waited_out_and_retried_without_failures(seed, fake_slack, incident_env, bot, rt):
    channels = world(seed, fake_slack, incident_env, 100)
    preview = declare_sev0(fake_slack, bot)
    submit(bot, preview, CONFIRM, "U_SIMON")
    # inject while customer posts are under way (the progress post waits ~1 s, so the next posts are customers')
    fake_slack.wait_for(lambda: any(fake_slack.posts(ch) for ch in channels))
    fake_slack.fail("chat.postMessage", status=429, error="ratelimited", retry_after=3)
    fake_slack.fail("chat.postMessage", status=429, error="ratelimited", retry_after=1)
    wait_broadcast_done(fake_slack, rt)
    assert set(per_channel(fake_slack, channels).values()) == {1}
    limited = [c for c in fake_slack.calls if c.method == "chat.postMessage" and c.status == 429 and c.args.get("channel") in channels]
    assert len(limited) == 2
    # the refused channels were retried after Retry-After and got their one message
    assert all(len(fake_slack.posts(c.args["channel"])) == 1 for c in limited)
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(Broadcast)).failed == 0


def test_429_storm_from_a_tight_workspace_cap(seed, fake_slack, incident_env, bot, rt):
    channels = world(seed, fake_slack, incident_env, 60, rate=40)
    fake_slack.rate_limit("chat.postMessage", per_second=15, burst=3)  # far below our pace: 429s all along
    preview = declare_sev0(fake_slack, bot)
    submit(bot, preview, CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt, timeout=120)
    assert set(per_channel(fake_slack, channels).values()) == {1}
    assert any(c.status == 429 for c in fake_slack.calls if c.method == "chat.postMessage")
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(Broadcast)).status == "sent"


def test_e17b_not_in_channel_and_channel_not_found_then_retry_failed(seed, fake_slack, incident_env, bot, rt):
    channels = world(seed, fake_slack, incident_env, 20)
    gone, outside = channels[3], channels[7]
    fake_slack.fail_channel(gone, error="channel_not_found")
    fake_slack.fail_channel(outside, error="not_in_channel")
    preview = declare_sev0(fake_slack, bot)
    submit(bot, preview, CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt)
    counts = per_channel(fake_slack, channels)
    assert counts[gone] == 0 and counts[outside] == 0 and sum(counts.values()) == 18
    summary = fake_slack.wait_for(lambda: [m for m in fake_slack.posts(COORD) if "Sent to 18/20 channels" in m["text"]])[0]
    # biggest accounts are sent first (spec D.3), so Customer 007 is listed before Customer 003
    assert f"2 failed: #ext-customer-{outside[-3:]} (not_in_channel), #ext-customer-{gone[-3:]} (channel_not_found)." in summary["text"]

    fake_slack.clear_channel_failures()
    retry = next(e for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ACTION_RETRY_FAILED)
    assert bot.click(retry, user="U_ALICE", channel=COORD).text().startswith("Only the CMOCs")
    assert bot.click(retry, user="U_SIMON", channel=COORD).text() == "Retrying 2 channels."
    fake_slack.wait_for(lambda: per_channel(fake_slack, channels)[gone] == 1 and per_channel(fake_slack, channels)[outside] == 1, 30)
    wait_broadcast_done(fake_slack, rt)
    assert set(per_channel(fake_slack, channels).values()) == {1}


def test_e19_updates_thread_under_each_initial_post_then_resolution(seed, fake_slack, incident_env, bot, rt, monkeypatch):
    channels = world(seed, fake_slack, incident_env, 12)
    freeze("2026-11-24T10:00:00Z")
    submit(bot, declare_sev0(fake_slack, bot), CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt)
    initial_ts = {ch: fake_slack.posts(ch)[0]["ts"] for ch in channels}

    bot.command("/incident", "update", user="U_SIMON")
    draft = opened_view(fake_slack, "incident_draft")
    preview = submit(bot, draft, {"f_feature": text_input("the PostHog app"), "f_status": text_input("Root cause identified. Fix is being deployed."), "next_minutes": text_input("15")}, "U_SIMON")["view"]
    submit(bot, preview, CONFIRM, "U_SIMON")
    fake_slack.wait_for(lambda: all(len(fake_slack.posts(ch)) == 2 for ch in channels), 30)
    for ch in channels:
        update_post = fake_slack.posts(ch)[1]
        assert update_post["thread_ts"] == initial_ts[ch]
        assert update_post["text"] == "Update on the PostHog app: Root cause identified. Fix is being deployed.\n\nNext update in ~15 minutes."
    reply_broadcast = [c.args.get("reply_broadcast") for c in fake_slack.calls_to("chat.postMessage") if c.args.get("thread_ts") in initial_ts.values()]
    assert reply_broadcast and all(v in (True, "true", "1") for v in reply_broadcast)

    freeze("2026-11-24T11:42:00Z")
    bot.command("/incident", "resolve", user="U_SIMON")
    draft = opened_view(fake_slack, "incident_draft", count=2)
    fields = {b["block_id"]: b["element"].get("initial_value", "") for b in draft["blocks"] if b.get("type") == "input" and b["block_id"].startswith("f_")}
    assert fields["f_resolved_time"] == "11:42 UTC" and fields["f_duration"] == "10:00–11:42 UTC"
    values = {k: text_input(v) for k, v in fields.items()} | {"f_root_cause": text_input("a bad deploy"), "f_impact": text_input("the app was unreachable")}
    submit(bot, submit(bot, draft, values, "U_SIMON")["view"], CONFIRM, "U_SIMON")
    fake_slack.wait_for(lambda: all(len(fake_slack.posts(ch)) == 3 for ch in channels), 30)
    text = fake_slack.posts(channels[0])[2]["text"]
    assert text.startswith("The PostHog app is back online as of 11:42 UTC.")
    assert "A full postmortem will follow within 24 hours." in text
    with session_scope(rt.session_factory) as s:
        inc = s.scalar(select(Incident))
        assert inc.status == "resolved" and inc.postmortem_due_at.isoformat() == "2026-11-25T11:42:00+00:00"
        assert inc.next_update_due_at is None


def test_e21_downgrade_ends_broadcast_ownership_but_offers_the_sev0_channels(seed, fake_slack, incident_env, bot, rt):
    channels = world(seed, fake_slack, incident_env, 10)
    submit(bot, declare_sev0(fake_slack, bot), CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt)
    assert "INC-1 is now SEV 2 – Major" in bot.command("/incident", "sev INC-1 sev2", user="U_SIMON").text()
    bot.command("/incident", "update INC-1", user="U_SIMON")
    draft = opened_view(fake_slack, "incident_draft")
    assert "Broadcast to the 10 channels that got the SEV 0 messages" in str(draft["blocks"])
    assert "Next update in (minutes, 60–120)" in str(draft["blocks"])
    answer = submit(bot, draft, {"f_feature": text_input("the PostHog app"), "f_status": text_input("Recovering."), "next_minutes": text_input("60"), "route": {"value": {"type": "radio_buttons", "selected_option": {"value": "owners"}}}}, "U_SIMON")
    assert answer == {"response_action": "clear"}
    assert all(len(fake_slack.posts(ch)) == 1 for ch in channels)  # owners act; no customer post


def test_e22_customer_reply_is_forwarded_once_with_owner(seed, fake_slack, incident_env, bot, rt):
    channels = world(seed, fake_slack, incident_env, 3, owners=3)
    submit(bot, declare_sev0(fake_slack, bot), CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt)
    ch = channels[0]
    root = fake_slack.posts(ch)[0]["ts"]
    fake_slack.add_user("U_EXT1", "dev", team_id="T_ACME")
    msg = fake_slack.add_message(ch, "We lost events from 10:05–10:40, will they be backfilled?", user="U_EXT1", thread_ts=root)
    event = {"type": "message", "channel": ch, "user": "U_EXT1", "text": msg["text"], "ts": msg["ts"], "thread_ts": root}
    assert bot.event(event, event_id="EvReply1").status_code == 200
    forwarded = fake_slack.wait_for(lambda: [m for m in fake_slack.posts(SCS) if "replied to the SEV 0 broadcast" in m["text"]])
    assert "Customer 000" in forwarded[0]["text"] and "will they be backfilled?" in forwarded[0]["text"]
    assert "<@U_OWNER00>" in forwarded[0]["text"] and "https://acme.slack.com/archives/" in forwarded[0]["text"]
    bot.event(event, event_id="EvReply2")  # the same reply delivered again under a new id
    wait_idle()  # its listener has finished
    assert len([m for m in fake_slack.posts(SCS) if "replied to the SEV 0 broadcast" in m["text"]]) == 1
