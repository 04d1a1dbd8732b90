"""The :ticket: flow end to end: signed Slack events into the real app, the bot's calls read back from the
fake Slack and the fake Zendesk (incidents-and-tickets.md Part A; worked examples E1-E10)."""

from __future__ import annotations

import threading
from datetime import timedelta

from bot.clock import now as clock_now
from jobs import run_job
from tests.tickets.fixtures import ROOT

TEAM = "T0INTERNAL"  # the fake workspace's id, the spec's T0
SECRETS = ("priority", "high", "120", "Alice", "zendesk", "127.0.0.1")


def _confirmations(world, channel="C_ACME"):
    return [
        p
        for p in world.posts(channel)
        if "is open. Our support team has this thread" in (p.get("text") or "")
    ]


def test_e1_customer_reaction_opens_one_ticket_with_org_priority_and_requester(tickets):
    tickets.message("C_ACME", "Our funnels stopped loading since 9am", user="U_EXT1", ts=ROOT)
    assert tickets.react("U_EXT1", ROOT) == 200
    tickets.wait(lambda: _confirmations(tickets))

    [post] = tickets.zendesk.ticket_creates()
    assert post.headers["idempotency-key"] == f"gtmbot-ticket-{TEAM}-C_ACME-{ROOT}"
    t = post.body["ticket"]
    assert t["external_id"] == f"slack:{TEAM}:C_ACME:{ROOT}"
    assert t["organization_id"] == 901 and t["priority"] == "high"
    assert {"slack", "gtmbot", "via_reaction", "priority_customer"} <= set(t["tags"])
    assert t["requester"]["email"] == "dev@acme.io"
    assert {"id": 360001, "value": "0189-acme"} in t["custom_fields"]
    assert t["comment"]["public"] is True and "Our funnels stopped loading since 9am" in t["comment"]["body"]

    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 2)
    note = tickets.zendesk.comments(4821)[1]
    assert note["public"] is False and "owner: Alice (TAM)" in note["body"]

    [confirm] = _confirmations(tickets)
    assert confirm["thread_ts"] == ROOT and "4821" in confirm["text"]
    assert not any(s in confirm["text"] for s in SECRETS)
    assert tickets.ephemerals("U_EXT1") == []  # customers get nothing internal
    [row] = tickets.rows()
    assert (row.status, row.zendesk_ticket_id) == ("created", 4821)


def test_e2_staff_reaction_on_a_reply_tickets_the_whole_thread(tickets):
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.message("C_ACME", "Which project?", user="U_ALICE", ts="1700000000.000200", thread_ts=ROOT)
    tickets.message(
        "C_ACME", "Project 4412, since the deploy", user="U_EXT1", ts="1700000000.000300", thread_ts=ROOT
    )
    tickets.react("U_ALICE", "1700000000.000300")
    tickets.wait(lambda: _confirmations(tickets))

    t = tickets.zendesk.ticket_creates()[0].body["ticket"]
    assert t["external_id"].endswith(f":{ROOT}")
    assert t["requester"]["email"] == "dev@acme.io"
    body = t["comment"]["body"]
    assert body.index("Funnels broken") < body.index("Which project?") < body.index("Project 4412")
    assert "raised here by Alice" in body.split("Which project?")[1]
    assert _confirmations(tickets)[0]["thread_ts"] == ROOT
    [eph] = tickets.wait(lambda: tickets.ephemerals("U_ALICE"))
    assert "/agent/tickets/4821" in eph["text"] and "*Priority high* (priority_customer)" in eph["text"]
    assert tickets.ephemerals("U_EXT1") == []


def test_e3_twenty_concurrent_reactions_and_retries_make_one_ticket(tickets, fake_slack):
    tickets.message("C_ACME", "Our funnels stopped loading since 9am", user="U_EXT1", ts=ROOT)
    reactors = ["U_EXT1", "U_EXT2", "U_ALICE", "U_BOB"]
    for i in range(16):
        uid = f"U_R{i:02d}"
        fake_slack.add_user(
            uid,
            f"r{i}",
            real_name=f"Reactor {i}",
            team_id="T_ACME" if i % 2 else None,
            email=f"r{i}@example.com",
        )
        reactors.append(uid)
    statuses: list[int] = []

    def react(i: int, uid: str) -> None:
        statuses.append(tickets.react(uid, ROOT, event_id=f"EvReact{i:03d}"))

    threads = [threading.Thread(target=react, args=(i, uid)) for i, uid in enumerate(reactors)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    statuses.append(tickets.react(reactors[3], ROOT, event_id="EvReact003", retry_num=1))
    statuses.append(tickets.react(reactors[5], ROOT, event_id="EvReact005", retry_num=2))
    tickets.wait(lambda: _confirmations(tickets))
    tickets.settle()

    assert statuses == [200] * 22
    assert len(tickets.zendesk.ticket_creates()) == 1
    assert len(_confirmations(tickets)) == 1
    assert len(tickets.rows()) == 1
    for uid in reactors:  # at most one "already" note each, and only for our own people
        notes = [e for e in tickets.ephemerals(uid) if "already ticket #4821" in e["text"]]
        assert len(notes) <= 1
        if fake_slack.users[uid]["team_id"] != TEAM:
            assert tickets.ephemerals(uid) == []


def test_second_reaction_later_creates_nothing_and_tells_staff_once(tickets):
    tickets.message("C_ACME", "Our funnels stopped loading", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: _confirmations(tickets))
    tickets.react("U_BOB", ROOT)
    tickets.react("U_BOB", ROOT)
    tickets.react("U_EXT2", ROOT)
    tickets.wait(lambda: tickets.ephemerals("U_BOB"))
    tickets.settle()
    assert len(tickets.zendesk.ticket_creates()) == 1 and len(_confirmations(tickets)) == 1
    [note] = tickets.ephemerals("U_BOB")
    assert note["text"].startswith("This thread is already ticket #4821.")
    assert tickets.ephemerals("U_EXT2") == []


def test_retried_delivery_of_the_same_event_is_ignored(tickets):
    tickets.message("C_ACME", "Our funnels stopped loading", user="U_EXT1", ts=ROOT)
    assert tickets.react("U_EXT1", ROOT, event_id="EvOnce") == 200
    assert tickets.react("U_EXT1", ROOT, event_id="EvOnce", retry_num=1) == 200
    assert tickets.react("U_EXT1", ROOT, event_id="EvOnce", retry_num=2) == 200
    tickets.wait(lambda: _confirmations(tickets))
    tickets.settle()
    assert len(tickets.zendesk.ticket_creates()) == 1 and len(_confirmations(tickets)) == 1


def test_e5a_mention_in_a_thread_tickets_the_thread_from_its_root(tickets):
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.say(
        "C_ACME",
        "<@U0GTMBOT> can someone look?",
        user="U_EXT2",
        ts="1700000000.000500",
        thread_ts=ROOT,
        mention=True,
    )
    tickets.wait(lambda: _confirmations(tickets))
    tickets.settle()
    [post] = tickets.zendesk.ticket_creates()
    t = post.body["ticket"]
    assert "via_mention" in t["tags"] and t["external_id"].endswith(f":{ROOT}")
    assert t["subject"] == "Slack: Acme · Funnels broken"
    assert "@gtmbot can someone look?" in t["comment"]["body"]
    # the message event for the same mention adds no comment: it is already in the transcript
    assert [c["public"] for c in tickets.zendesk.comments(4821)] == [True, False]


def test_e5b_bare_top_level_mention_creates_nothing_and_explains(tickets):
    tickets.say("C_ACME", "<@U0GTMBOT>", user="U_EXT2", ts="1700000000.000600", mention=True)
    [hint] = tickets.wait(lambda: tickets.ephemerals("U_EXT2"))
    assert (
        hint["text"] == "Mention me *in the thread* you want ticketed, or react to a message with :ticket:."
    )
    tickets.settle()
    assert tickets.zendesk.requests() == [] and tickets.posts() == []


def test_e5c_mention_with_text_in_a_ticketed_thread_adds_one_comment(tickets):
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 2)
    tickets.say(
        "C_ACME", "<@U0GTMBOT> any news?", user="U_EXT2", ts="1700000000.000700", thread_ts=ROOT, mention=True
    )
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 3)
    tickets.settle()
    assert len(tickets.zendesk.ticket_creates()) == 1
    comments = tickets.zendesk.comments(4821)
    assert len(comments) == 3 and comments[2]["body"] == "**CTO (Acme) in Slack:** @gtmbot any news?"


def test_e6_replies_synced_once_in_order_bot_posts_never(tickets):
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    [confirm] = tickets.wait(lambda: _confirmations(tickets))
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 2)
    tickets.say("C_ACME", "Still broken", user="U_EXT1", ts="1700000001.000100", thread_ts=ROOT)
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 3)
    # the bot's own confirmation comes back as a message event: never echoed into Zendesk
    tickets.bot.event(
        {
            "type": "message",
            "channel": "C_ACME",
            "user": "U0GTMBOT",
            "bot_id": "B0GTMBOT",
            "text": confirm["text"],
            "ts": confirm["ts"],
            "thread_ts": ROOT,
        }
    )
    tickets.say("C_ACME", "Fix is deploying", user="U_ALICE", ts="1700000002.000100", thread_ts=ROOT)
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 4)
    # Slack redelivers a reply under a new event id: still once
    tickets.bot.event(
        {
            "type": "message",
            "channel": "C_ACME",
            "user": "U_ALICE",
            "text": "Fix is deploying",
            "ts": "1700000002.000100",
            "thread_ts": ROOT,
        }
    )
    tickets.settle()
    bodies = [c["body"] for c in tickets.zendesk.comments(4821)[2:]]
    assert bodies == [
        "**Dev (Acme) in Slack:** Still broken",
        "**Alice (PostHog) in Slack:** Fix is deploying",
    ]
    assert len(tickets.zendesk.requests("PUT")) == 3  # the note + two replies


def test_e6_chatty_thread_is_coalesced_and_every_reply_lands_once(tickets):
    tickets.settings(ticket_sync_min_interval_s=20)
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 2)
    texts = [f"reply {i:02d}" for i in range(45)]
    for i, text in enumerate(texts):
        tickets.say(
            "C_ACME", text, user="U_EXT1" if i % 2 else "U_ALICE", ts=f"1700000010.{i:06d}", thread_ts=ROOT
        )
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) >= 3)  # the first reply(ies), at once
    tickets.settle()
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=21))  # the next paced update
    bodies = "\n".join(c["body"] for c in tickets.zendesk.comments(4821)[2:])
    assert [t for t in texts if bodies.count(f"in Slack:** {t}") != 1] == []
    last = tickets.zendesk.comments(4821)[-1]["body"]  # the coalesced update keeps Slack's order
    assert last.index("reply 17") < last.index("reply 30") < last.index("reply 44")
    assert len(tickets.zendesk.requests("PUT")) <= 3  # note + first reply + one coalesced update


def test_e7a_reaction_in_an_internal_channel_is_ignored_quietly(tickets):
    tickets.message("C_SALES", "we need a ticket for this", user="U_ALICE", ts=ROOT)
    assert tickets.react("U_ALICE", ROOT, channel="C_SALES") == 200
    tickets.settle()
    assert tickets.zendesk.requests() == [] and tickets.slack.posts() == [] and tickets.slack.ephemerals == []


def test_a_channel_shared_with_a_customer_later_takes_tickets_at_once(tickets):
    """#newco-trial was internal when the bot last looked (a :ticket: there is ignored). Shared with
    the customer since, with the channel_shared event gone to another process: the next :ticket:
    asks Slack afresh instead of trusting the cached "internal", and opens a ticket."""
    tickets.slack.add_channel("C_TRIAL", "newco-trial")
    tickets.message("C_TRIAL", "internal chatter", user="U_ALICE", ts=ROOT)
    assert tickets.react("U_ALICE", ROOT, channel="C_TRIAL") == 200
    tickets.settle()
    assert tickets.zendesk.requests() == []
    tickets.slack.channels["C_TRIAL"].update(is_ext_shared=True, is_shared=True)
    tickets.message("C_TRIAL", "Our exports are failing", user="U_EXT1", ts="1700000000.000200")
    assert tickets.react("U_EXT1", "1700000000.000200", channel="C_TRIAL") == 200
    tickets.wait(lambda: tickets.rows())
    assert [r.channel_id for r in tickets.rows()] == ["C_TRIAL"]


def test_a_channel_no_longer_shared_stops_taking_tickets_once_slack_says_so(tickets):
    """#posthog-newco (shared, mapped to no account) takes tickets; the Slack Connect link is cut
    (channel_unshared): the bot forgets the channel's cached facts, and a :ticket: there no longer
    opens a ticket."""
    tickets.message("C_UNMAPPED", "Exports fail", user="U_EXT1", ts=ROOT)
    assert tickets.react("U_EXT1", ROOT, channel="C_UNMAPPED") == 200
    tickets.wait(lambda: tickets.rows())
    tickets.settle()
    tickets.slack.channels["C_UNMAPPED"].update(is_ext_shared=False, is_shared=False)
    assert tickets.bot.event({"type": "channel_unshared", "previously_connected_team_id": "T_ACME",
                              "channel": "C_UNMAPPED", "is_ext_shared": False,
                              "event_ts": "1700000000.000150"}).status_code == 200
    tickets.message("C_UNMAPPED", "another question", user="U_ALICE", ts="1700000000.000300")
    assert tickets.react("U_ALICE", "1700000000.000300", channel="C_UNMAPPED") == 200
    tickets.settle()
    assert len(tickets.rows()) == 1


def test_e7b_contact_form_in_the_intake_channel_uses_the_form_email(tickets):
    tickets.slack.add_message(
        "C_WCS",
        "New contact form: <mailto:jane@bigco.com|jane@bigco.com> — 'Refund for last invoice?'",
        user=None,
        ts=ROOT,
        bot_id="B_FORMS",
        subtype="bot_message",
    )
    tickets.react("U_ALICE", ROOT, channel="C_WCS")
    tickets.wait(lambda: _confirmations(tickets, "C_WCS"))
    t = tickets.zendesk.ticket_creates()[0].body["ticket"]
    assert t["requester"]["email"] == "jane@bigco.com"
    assert "organization_id" not in t and "slack_website-contact-sales" in t["tags"]


def test_e7c_other_emoji_and_file_items_are_ignored(tickets):
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT, reaction="tickets")
    tickets.react("U_EXT1", ROOT, reaction="admission_tickets")
    tickets.react("U_EXT1", ROOT, item_type="file")
    tickets.settle()
    assert tickets.zendesk.requests() == [] and tickets.posts() == []


def test_e8c_unmapped_channel_ticket_without_org_and_a_private_hint_for_staff(tickets):
    tickets.message("C_UNMAPPED", "Can't log in", user="U_EXT1", ts=ROOT)
    tickets.react("U_ALICE", ROOT, channel="C_UNMAPPED")
    tickets.wait(lambda: _confirmations(tickets, "C_UNMAPPED"))
    t = tickets.zendesk.ticket_creates()[0].body["ticket"]
    assert "organization_id" not in t and t["priority"] == "normal" and "org_unmatched" in t["tags"]
    [eph] = tickets.wait(lambda: tickets.ephemerals("U_ALICE"))
    assert "#posthog-newco is not mapped to an account" in eph["text"] and "12629" not in eph["text"]
    assert "growth/sales/slack-channels#" in eph["text"]  # the handbook page a rep can open, not FILE:LINE
    assert not any(s in _confirmations(tickets, "C_UNMAPPED")[0]["text"] for s in ("mapped", "account"))


def test_e8c_customer_reactor_gets_no_hint(tickets):
    tickets.message("C_UNMAPPED", "Can't log in", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT, channel="C_UNMAPPED")
    tickets.wait(lambda: _confirmations(tickets, "C_UNMAPPED"))
    tickets.settle()
    assert tickets.ephemerals("U_EXT1") == []


def test_e8d_priority_setting_off(tickets):
    tickets.settings(zendesk_set_priority=False)
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: _confirmations(tickets))
    t = tickets.zendesk.ticket_creates()[0].body["ticket"]
    assert "priority" not in t and "priority_customer" in t["tags"]


def test_hidden_email_requester_is_found_by_external_id(tickets):
    tickets.message("C_ACME", "Export is stuck", user="U_EXT3", ts=ROOT)
    tickets.react("U_EXT3", ROOT)
    tickets.wait(lambda: _confirmations(tickets))
    [user_call] = tickets.zendesk.requests("POST", "/api/v2/users/create_or_update.json")
    assert user_call.body["user"] == {"name": "Sam", "external_id": "slack:T_ACME:U_EXT3"}
    t = tickets.zendesk.ticket_creates()[0].body["ticket"]
    assert "requester_id" in t and "requester" not in t and "requester_email_unknown" in t["tags"]


def test_deleted_message_gets_a_hint_and_no_ticket(tickets):
    tickets.message("C_ACME", "older message", user="U_EXT1", ts="1699999999.000100")
    tickets.react("U_ALICE", ROOT)  # ROOT was never posted (deleted)
    [hint] = tickets.wait(lambda: tickets.ephemerals("U_ALICE"))
    assert hint["text"].startswith("That message is gone")
    assert tickets.zendesk.requests() == []


def test_e9a_two_503s_then_success_one_ticket_no_holding_message(tickets):
    tickets.zendesk.fail_next(2, 503, path_prefix="/api/v2/tickets.json", method="POST")
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: _confirmations(tickets))
    posts = tickets.zendesk.ticket_creates()
    assert [p.status for p in posts] == [503, 503, 201]
    assert len({p.headers["idempotency-key"] for p in posts}) == 1
    assert len(tickets.posts()) == 1


def test_e9b_outage_queues_tells_the_thread_once_then_delivers(tickets):
    tickets.zendesk.set_outage(503)
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: tickets.rows() and tickets.rows()[0].status == "queued")
    assert tickets.posts() == []  # not yet: the holding message waits TICKET_HOLDING_AFTER_S
    later = clock_now() + timedelta(seconds=121)
    run_job(tickets.rt, "tickets_sync", now=later)
    run_job(tickets.rt, "tickets_sync", now=later + timedelta(seconds=61))
    holding = [p for p in tickets.posts() if p["text"].startswith("I couldn't open the ticket yet")]
    assert len(holding) == 1 and holding[0]["thread_ts"] == ROOT
    alerts = tickets.slack.posts("C0SUPPORTCS")
    assert len(alerts) == 1 and "Acme" in alerts[0]["text"] and "archives/C_ACME" in alerts[0]["text"]

    tickets.zendesk.set_outage(None)
    run_job(tickets.rt, "tickets_sync", now=later + timedelta(seconds=122))
    run_job(tickets.rt, "tickets_sync", now=later + timedelta(seconds=183))
    assert len(_confirmations(tickets)) == 1
    assert len([p for p in tickets.posts() if p["text"].startswith("I couldn't")]) == 1
    assert len(tickets.slack.posts("C0SUPPORTCS")) == 1
    assert len(tickets.zendesk.tickets()) == 1
    assert {p.headers["idempotency-key"] for p in tickets.zendesk.ticket_creates()} == {
        f"gtmbot-ticket-{TEAM}-C_ACME-{ROOT}"
    }


def test_e4_row_left_creating_is_adopted_by_external_id_not_duplicated(tickets):
    """The process died after Zendesk created the ticket but before our commit: the sweep adopts it."""
    tickets.zendesk.stall_creates(3.0)
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: tickets.zendesk.tickets())
    assert tickets.rows()[0].status == "creating"
    # Another replica's sweep runs after TICKET_RECONCILE_AFTER_S while the first is still stuck
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=121))
    assert len(_confirmations(tickets)) == 1
    tickets.wait(lambda: len(tickets.zendesk.ticket_creates()) == 1 and tickets.rows()[0].status == "created")
    tickets.settle()  # the stalled request has returned; nothing more happened
    assert len(tickets.zendesk.ticket_creates()) == 1 and len(tickets.zendesk.tickets()) == 1
    assert len(_confirmations(tickets)) == 1
    assert len(tickets.zendesk.requests("GET", "/api/v2/tickets.json")) == 1


def test_e10_closed_ticket_gets_a_follow_up(tickets):
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: _confirmations(tickets))
    tickets.zendesk.set_ticket_status(4821, "closed")
    tickets.rt.cache.pop("zendesk-ticket:4821", None)
    tickets.react("U_EXT2", ROOT)
    tickets.wait(lambda: len(_confirmations(tickets)) == 2)
    second = tickets.zendesk.ticket_creates()[1]
    assert second.headers["idempotency-key"].endswith("-g2")
    assert second.body["ticket"]["via_followup_source_id"] == 4821
    assert "4822" in _confirmations(tickets)[1]["text"]
    assert [r.generation for r in tickets.rows()] == [1, 2]


def test_top_level_mention_subject_has_no_bot_mention(tickets):
    tickets.say(
        "C_ACME", "<@U0GTMBOT>  login is broken since 9am", user="U_EXT1", ts=ROOT, mention=True
    )
    tickets.wait(lambda: _confirmations(tickets))
    t = tickets.zendesk.ticket_creates()[0].body["ticket"]
    assert t["subject"] == "Slack: Acme · login is broken since 9am"


def test_outage_alert_states_the_configured_retry_interval(tickets):
    tickets.settings(ticket_queue_retry_every_s=300)
    tickets.zendesk.set_outage(503)
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: tickets.rows() and tickets.rows()[0].status == "queued")
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=121))
    [alert] = tickets.wait(lambda: tickets.slack.posts("C0SUPPORTCS"))
    assert "gtmbot keeps retrying every 5 minutes" in alert["text"]
    assert "every minute" not in alert["text"]
