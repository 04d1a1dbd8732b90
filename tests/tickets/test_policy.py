"""The :ticket: policy (incidents-and-tickets.md Part A) on the spec's worked examples (Part E)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.tickets.settings import DEFAULT_PRIORITY_MAP
from services.tickets.policy import (
    AccountFacts,
    Person,
    SlackFile,
    SlackMessage,
    TicketKey,
    ZendeskOrg,
    already_ticketed_text,
    bare_mention_text,
    build_ticket,
    build_transcript,
    channel_kind,
    choose_requester,
    classify_mention,
    coalesce,
    confirmation_text,
    decide_org,
    derive_tier_tags,
    email_in_text,
    intake_requester,
    internal_note,
    is_content,
    is_stale_claim,
    is_ticket_reaction,
    needs_followup,
    next_queue_attempt,
    next_sync_at,
    priority_for,
    readable_text,
    reply_comment,
    should_post_holding,
    should_sync_reply,
    thread_key_of,
    ticket_subject,
    unmapped_hint,
)

T0 = "T0"
ALICE = Person("U_ALICE", "Alice", T0, "alice@posthog.com")
BOB = Person("U_BOB", "Bob", T0, "bob@posthog.com")
EXT1 = Person("U_EXT1", "Dev", "T_ACME", "dev@acme.io")
EXT2 = Person("U_EXT2", "CTO", "T_ACME", "cto@acme.io")
EXT_HIDDEN = Person("U_EXT3", "Sam", "T_ACME", None)
PEOPLE = {p.user_id: p for p in (ALICE, BOB, EXT1, EXT2, EXT_HIDDEN)}
NAMES = {uid: p.name for uid, p in PEOPLE.items()}
ACME = AccountFacts(
    id="acme",
    name="Acme",
    posthog_org_id="0189-acme",
    arr=Decimal("120000"),
    owner_name="Alice",
    owner_role="TAM",
)
ACME_ORG = ZendeskOrg(901, ("priority_customer",))
ROOT = "1700000000.000100"


def transcript(messages, raised_ts, raised_by="Dev", max_chars=60_000, permalink=None):
    return build_transcript(
        messages,
        PEOPLE,
        raised_ts=raised_ts,
        raised_by=raised_by,
        our_team_id=T0,
        customer_company="Acme",
        max_chars=max_chars,
        thread_permalink=permalink,
    )


def draft(
    messages,
    raised_ts,
    *,
    requester,
    trigger="reaction",
    account=ACME,
    org=ACME_ORG,
    channel="posthog-acme",
    set_priority=True,
    field_id=360001,
    generation=1,
    followup_of=None,
):
    decision = decide_org(account, org, priority_map=DEFAULT_PRIORITY_MAP)
    return build_ticket(
        key=TicketKey(T0, "C_ACME", ROOT, generation),
        trigger=trigger,
        channel_name=channel,
        account=account,
        org=decision,
        requester=requester,
        transcript=transcript(messages, raised_ts),
        seed_text=messages[0].text,
        names=NAMES,
        set_priority=set_priority,
        org_id_field_id=field_id,
        followup_of=followup_of,
    )


def test_e1_customer_reaction_on_top_level_message():
    """E1: key, external_id, org 901, priority high, tags, requester, custom field, public body."""
    msg = SlackMessage(ROOT, "U_EXT1", "Our funnels stopped loading since 9am")
    requester = choose_requester([EXT1, None, EXT1], our_team_id=T0)
    d = draft([msg], ROOT, requester=requester)
    payload = d.payload()
    assert d.key.idempotency_key == "gtmbot-ticket-T0-C_ACME-1700000000.000100"
    assert payload["external_id"] == "slack:T0:C_ACME:1700000000.000100"
    assert payload["organization_id"] == 901 and payload["priority"] == "high"
    assert {"slack", "gtmbot", "via_reaction", "priority_customer"} <= set(payload["tags"])
    assert payload["requester"] == {"name": "Dev", "email": "dev@acme.io"}
    assert payload["custom_fields"] == [{"id": 360001, "value": "0189-acme"}]
    assert payload["comment"]["public"] is True
    assert "Our funnels stopped loading since 9am" in payload["comment"]["body"]
    assert payload["subject"] == "Slack: Acme · Our funnels stopped loading since 9am"


def test_e1_confirmation_carries_no_internal_data():
    text = confirmation_text(4821)
    assert "4821" in text
    for secret in ("priority", "high", "120", "Alice", "zendesk.com"):
        assert secret not in text


def test_e1_internal_note_names_the_owner():
    note = internal_note(
        account=ACME,
        org=decide_org(ACME, ACME_ORG, priority_map=DEFAULT_PRIORITY_MAP),
        raised_by="Dev",
        trigger="reaction",
        thread_permalink="https://slack/p1",
    )
    assert "owner: Alice (TAM)" in note and "https://slack/p1" in note and "priority_customer" in note


def test_e2_staff_reaction_on_reply_keys_on_root_and_marks_raised_message():
    root = SlackMessage(ROOT, "U_EXT1", "Funnels broken")
    r2 = SlackMessage("1700000000.000200", "U_ALICE", "Which project?", thread_ts=ROOT)
    r3 = SlackMessage("1700000000.000300", "U_EXT1", "Project 4412, since the deploy", thread_ts=ROOT)
    assert thread_key_of(r3) == ROOT
    requester = choose_requester([EXT1, EXT1, ALICE, ALICE], our_team_id=T0)
    assert requester.email == "dev@acme.io" and requester.tags == ()
    t = transcript([r3, root, r2], r3.ts, raised_by="Alice")
    body = t.body
    assert body.index("Funnels broken") < body.index("Which project?") < body.index("Project 4412")
    assert "raised here by Alice" in body.split("Which project?")[1]
    assert "**Dev (Acme)**" in body and "**Alice (PostHog)**" in body
    assert t.included_ts == (ROOT, r2.ts, r3.ts)


def test_transcript_shows_utc_time_and_resolves_mentions_and_files():
    msg = SlackMessage(
        ROOT,
        "U_EXT1",
        "ping <@U_ALICE> see <https://x.io/a|the doc>",
        files=(SlackFile("trace.log", "https://slack/f1"),),
    )
    body = transcript([msg], ROOT).body
    assert "2023-11-14 22:13 UTC" in body
    assert "ping @Alice see the doc (https://x.io/a)" in body
    assert "📎 trace.log: https://slack/f1" in body


def test_long_thread_is_capped_and_says_how_many_were_omitted():
    messages = [SlackMessage(f"17000000{i:02d}.000100", "U_EXT1", "x" * 500) for i in range(40)]
    t = transcript(messages, messages[-1].ts, max_chars=5000, permalink="https://slack/p")
    assert len(t.body) <= 5000
    assert t.body.startswith(f"… {t.omitted} earlier messages omitted; full thread: https://slack/p")
    assert t.omitted > 0 and t.included_ts[-1] == messages[-1].ts
    assert len(t.included_ts) + t.omitted == 40


@pytest.mark.parametrize(
    ("text", "ts", "thread_ts", "files", "expected"),
    [
        # E5(a): mention in a thread tickets the thread, seeded from the root
        ("<@UBOT> can someone look?", "1700000000.000500", ROOT, False, ("ticket", ROOT, ROOT)),
        # E5(b): a bare top-level mention creates nothing
        ("<@UBOT>", "1700000000.000600", None, False, ("refuse", "1700000000.000600", "1700000000.000600")),
        (
            "  <@UBOT|gtmbot>  ",
            "1700000000.000600",
            None,
            False,
            ("refuse", "1700000000.000600", "1700000000.000600"),
        ),
        # top-level mention with text or files tickets that message
        (
            "<@UBOT> login broken",
            "1700000000.000700",
            None,
            False,
            ("ticket", "1700000000.000700", "1700000000.000700"),
        ),
        ("<@UBOT>", "1700000000.000800", None, True, ("ticket", "1700000000.000800", "1700000000.000800")),
    ],
)
def test_e5_mentions(text, ts, thread_ts, files, expected):
    d = classify_mention(text, ts, thread_ts, bot_user_id="UBOT", has_files=files)
    assert (d.action, d.thread_ts, d.seed_ts) == expected


def test_e5_bare_mention_hint_names_both_ways():
    assert (
        bare_mention_text()
        == "Mention me *in the thread* you want ticketed, or react to a message with :ticket:."
    )


def test_e5a_mention_ticket_is_tagged_via_mention():
    root = SlackMessage(ROOT, "U_EXT1", "Funnels broken")
    mention = SlackMessage("1700000000.000500", "U_EXT2", "<@UBOT> can someone look?", thread_ts=ROOT)
    d = draft(
        [root, mention], ROOT, requester=choose_requester([EXT1, EXT2], our_team_id=T0), trigger="mention"
    )
    assert "via_mention" in d.tags and "@UBOT can someone look?" in d.description


def test_e6_reply_comment_lines():
    assert reply_comment("Dev (Acme)", "Still broken") == "**Dev (Acme) in Slack:** Still broken"
    assert (
        reply_comment("Alice (PostHog)", "Fix is deploying ")
        == "**Alice (PostHog) in Slack:** Fix is deploying"
    )
    both = coalesce([reply_comment("Dev (Acme)", "a"), reply_comment("Alice (PostHog)", "b")])
    assert both == "**Dev (Acme) in Slack:** a\n\n**Alice (PostHog) in Slack:** b"


@pytest.mark.parametrize(
    ("message", "synced", "expected"),
    [
        (SlackMessage("2.0", "U_EXT1", "Still broken", thread_ts="1.0"), (), True),
        (SlackMessage("2.0", "U_EXT1", "Still broken", thread_ts="1.0"), ("2.0",), False),  # once each
        (
            SlackMessage("2.0", "UBOT", ":ticket: Ticket #4821 is open.", thread_ts="1.0"),
            (),
            False,
        ),  # E6: own post
        (
            SlackMessage("2.0", None, "posted", thread_ts="1.0", bot_id="B_GTM", subtype="bot_message"),
            (),
            False,
        ),
        (
            SlackMessage("2.0", None, "form", thread_ts="1.0", bot_id="B_OTHER", subtype="bot_message"),
            (),
            True,
        ),
        (SlackMessage("2.0", "U_EXT1", "top level"), (), False),  # top-level messages are never auto-ticketed
        (SlackMessage("2.0", "U_EXT1", "joined", thread_ts="1.0", subtype="channel_join"), (), False),
        (SlackMessage("2.0", "U_EXT1", "edit", thread_ts="1.0", subtype="message_changed"), (), False),
        (SlackMessage("2.0", "U_EXT1", "   ", thread_ts="1.0"), (), False),
        (
            SlackMessage(
                "2.0",
                "U_EXT1",
                "",
                thread_ts="1.0",
                subtype="file_share",
                files=(SlackFile("a.png", "https://f"),),
            ),
            (),
            True,
        ),
    ],
)
def test_e6_which_replies_are_synced(message, synced, expected):
    assert should_sync_reply(message, bot_user_id="UBOT", bot_id="B_GTM", already_synced=synced) is expected


def test_e6_sync_pacing_one_update_per_interval():
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert next_sync_at(None, t0, 20) == t0
    assert next_sync_at(t0, t0 + timedelta(seconds=5), 20) == t0 + timedelta(seconds=20)
    assert next_sync_at(t0, t0 + timedelta(seconds=30), 20) == t0 + timedelta(seconds=30)


@pytest.mark.parametrize(
    ("channel", "name", "ext", "mapped", "expected"),
    [
        ("C_ACME", "posthog-acme", True, True, "customer"),
        ("C_UNMAPPED", "posthog-newco", True, False, "customer"),  # ext-shared without account
        ("C_PENDING", "posthog-pending", False, True, "customer"),  # mapped, sharing pending
        ("C_SALES", "sales", False, False, None),  # E7(a): internal chatter is ignored
        ("C_WCS", "website-contact-sales", False, False, "intake"),  # E7(b)
        ("C_OPT", "beta-support", False, False, "customer"),  # opted in by setting
    ],
)
def test_e7_where_reactions_count(channel, name, ext, mapped, expected):
    kind = channel_kind(
        channel,
        name,
        is_ext_shared=ext,
        mapped_to_account=mapped,
        intake_channels=["website-contact-sales"],
        opted_in_channels=["#beta-support"],
    )
    assert kind == expected


@pytest.mark.parametrize(
    ("reaction", "item_type", "reactor", "is_bot", "expected"),
    [
        ("ticket", "message", "U_EXT1", False, True),
        ("ticket::skin-tone-2", "message", "U_EXT1", False, True),
        ("tickets", "message", "U_EXT1", False, False),  # E7(c)
        ("admission_tickets", "message", "U_EXT1", False, False),  # E7(c)
        ("ticket", "file", "U_EXT1", False, False),  # E7(c): file items
        ("ticket", "message", "UBOT", False, False),  # our own reaction
        ("ticket", "message", "U_OTHERBOT", True, False),  # other bots
    ],
)
def test_e7c_which_reactions_count(reaction, item_type, reactor, is_bot, expected):
    got = is_ticket_reaction(
        reaction, item_type, reactor, emoji="ticket", bot_user_id="UBOT", reactor_is_bot=is_bot
    )
    assert got is expected


def test_emoji_is_a_setting():
    assert is_ticket_reaction("sos", "message", "U1", emoji="sos", bot_user_id="UBOT")
    assert not is_ticket_reaction("ticket", "message", "U1", emoji="sos", bot_user_id="UBOT")


def test_e7b_intake_channel_requester_from_the_form():
    msg = SlackMessage(
        ROOT,
        None,
        "New contact form: <mailto:jane@bigco.com|jane@bigco.com> — 'Refund for last invoice?'",
        bot_id="B_FORMS",
        subtype="bot_message",
    )
    requester = intake_requester(msg.text, ALICE)
    assert requester.email == "jane@bigco.com" and requester.tags == ()
    d = draft([msg], ROOT, requester=requester, account=None, org=None, channel="website-contact-sales")
    payload = d.payload()
    assert payload["requester"]["email"] == "jane@bigco.com"
    assert "organization_id" not in payload and "custom_fields" not in payload
    assert "slack_website-contact-sales" in payload["tags"]


def test_e7b_intake_form_without_email_falls_back_to_the_reactor():
    requester = intake_requester("New contact form: call me maybe", ALICE)
    assert requester.email == "alice@posthog.com" and requester.tags == ("requester_from_form_missing",)


@pytest.mark.parametrize(
    ("tags", "priority"),
    [
        (["churned", "priority_customer"], "high"),  # E8(a)
        (["non_paying"], "low"),  # E8(b)
        (["paying_customer"], "normal"),
        (["trial"], "normal"),
        (["startup_plan", "churned"], "normal"),
        ([], "normal"),
        (["vip", "org-checked"], "normal"),  # non-tier tags say nothing
    ],
)
def test_e8_priority_from_org_tags(tags, priority):
    assert priority_for(tags, DEFAULT_PRIORITY_MAP) == priority


def test_e8a_all_tier_tags_are_copied_to_the_ticket():
    d = draft(
        [SlackMessage(ROOT, "U_EXT1", "x")],
        ROOT,
        requester=choose_requester([EXT1], our_team_id=T0),
        org=ZendeskOrg(901, ("churned", "priority_customer", "org-checked")),
    )
    assert {"churned", "priority_customer"} <= set(d.tags) and "org-checked" not in d.tags
    assert d.priority == "high"


def test_e8c_unmapped_channel_ticket_without_org():
    d = draft(
        [SlackMessage(ROOT, "U_EXT1", "x")],
        ROOT,
        requester=choose_requester([EXT1], our_team_id=T0),
        account=None,
        org=None,
        channel="posthog-newco",
    )
    payload = d.payload()
    assert "organization_id" not in payload and payload["priority"] == "normal"
    assert "org_unmatched" in payload["tags"] and payload["subject"].startswith("Slack: #posthog-newco · ")
    assert "002_59a801b964a2a19e.txt:12629" in unmapped_hint("posthog-newco", "channel_not_mapped")


@pytest.mark.parametrize(
    ("account", "org", "reason"),
    [
        (None, None, "channel_not_mapped"),
        (AccountFacts(id="x", name="X"), None, "account_without_org_id"),
        (ACME, None, "no_zendesk_org"),
        (ACME, ACME_ORG, None),
    ],
)
def test_org_matching_chain(account, org, reason):
    assert decide_org(account, org, priority_map=DEFAULT_PRIORITY_MAP).unmatched == reason


def test_e8d_priority_setting_off_omits_the_key_but_keeps_tags():
    d = draft(
        [SlackMessage(ROOT, "U_EXT1", "x")],
        ROOT,
        requester=choose_requester([EXT1], our_team_id=T0),
        set_priority=False,
    )
    assert "priority" not in d.payload() and "priority_customer" in d.tags


def test_e8e_org_without_tier_tag_derives_it_from_account_data():
    d = draft(
        [SlackMessage(ROOT, "U_EXT1", "x")],
        ROOT,
        requester=choose_requester([EXT1], our_team_id=T0),
        org=ZendeskOrg(901, ()),
    )
    assert {"priority_customer", "tier_derived_by_gtmbot"} <= set(d.tags) and d.priority == "high"


@pytest.mark.parametrize(
    ("arr", "segments", "status", "expected"),
    [
        ("120000", (), "active", ("priority_customer",)),
        ("20000", (), "active", ("priority_customer",)),  # ">= $20K", 002:3205 (spec Part F #3)
        ("19999.99", (), "active", ("paying_customer",)),
        ("0", (), "active", ("non_paying",)),
        ("0", ("Active Trial",), "active", ("trial",)),
        ("50000", ("Startup Plan",), "active", ("startup_plan",)),
        ("0", (), "canceled", ("non_paying", "churned")),
        ("0", ("Active Trial",), "canceled", ("trial",)),
        (None, (), "active", ()),
    ],
)
def test_derived_tier_follows_the_playbook_criteria(arr, segments, status, expected):
    account = AccountFacts(
        id="a",
        name="A",
        arr=None if arr is None else Decimal(arr),
        segments=segments,
        subscription_status=status,
    )
    assert derive_tier_tags(account) == expected


def test_requester_hidden_email_uses_external_id_and_tag():
    requester = choose_requester([EXT_HIDDEN, ALICE], our_team_id=T0)
    assert requester.email is None and requester.external_id == "slack:T_ACME:U_EXT3"
    assert requester.tags == ("requester_email_unknown",)
    d = draft([SlackMessage(ROOT, "U_EXT3", "x")], ROOT, requester=requester)
    payload = d.payload(requester_id=70001)
    assert payload["requester_id"] == 70001 and "requester" not in payload
    assert "requester_email_unknown" in payload["tags"]


def test_internal_thread_requester_is_the_author_tagged_internal():
    requester = choose_requester([BOB, BOB, ALICE], our_team_id=T0)
    assert requester.email == "bob@posthog.com" and requester.tags == ("internal_request",)


def test_never_sets_escalated_or_sf_lead():
    d = draft(
        [SlackMessage(ROOT, "U_EXT1", "x")],
        ROOT,
        requester=choose_requester([EXT1], our_team_id=T0),
        channel="sf-lead",
        org=ZendeskOrg(901, ("priority_customer",)),
    )
    assert "escalated" not in d.tags and "sf-lead" not in d.tags


def test_e10_follow_up_of_a_closed_ticket():
    assert needs_followup("closed") and not needs_followup("solved") and not needs_followup("open")
    d = draft(
        [SlackMessage(ROOT, "U_EXT1", "x")],
        ROOT,
        requester=choose_requester([EXT1], our_team_id=T0),
        generation=2,
        followup_of=4821,
    )
    assert d.key.idempotency_key.endswith("-g2")
    assert d.payload()["via_followup_source_id"] == 4821
    assert d.key.external_id != TicketKey(T0, "C_ACME", ROOT).external_id
    assert d.key.confirm_dedupe_key != TicketKey(T0, "C_ACME", ROOT).confirm_dedupe_key


def test_already_ticketed_text():
    assert already_ticketed_text(4821) == "This thread is already ticket #4821."


def test_e4_stale_claims_are_reconciled_after_the_setting():
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert not is_stale_claim("creating", t0, t0 + timedelta(seconds=119), 120)
    assert is_stale_claim("creating", t0, t0 + timedelta(seconds=120), 120)
    assert not is_stale_claim("created", t0, t0 + timedelta(days=1), 120)


def test_e9b_holding_message_once_after_two_minutes_and_give_up_after_a_day():
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert not should_post_holding(t0, t0 + timedelta(seconds=20), 120, False)
    assert should_post_holding(t0, t0 + timedelta(seconds=121), 120, False)
    assert not should_post_holding(t0, t0 + timedelta(seconds=500), 120, True)
    assert next_queue_attempt(t0, t0 + timedelta(minutes=5), 60, 86400) == t0 + timedelta(minutes=6)
    assert next_queue_attempt(t0, t0 + timedelta(hours=24), 60, 86400) is None


def test_is_content_keeps_other_bots_and_drops_ours():
    assert is_content(
        SlackMessage("1", None, "form", bot_id="B_X", subtype="bot_message"),
        bot_user_id="UBOT",
        bot_id="B_ME",
    )
    assert not is_content(SlackMessage("1", "UBOT", "hi"), bot_user_id="UBOT", bot_id="B_ME")


def test_email_in_text_and_readable_text():
    assert email_in_text("from <mailto:Jane@BigCo.com|Jane@BigCo.com>") == "jane@bigco.com"
    assert email_in_text("no email") is None
    assert readable_text("a &lt;b&gt; &amp; <@U_X>", {}) == "a <b> & @U_X"


def test_subject_is_capped_at_80_chars_of_the_first_line():
    subject = ticket_subject("Acme", "\n" + "y" * 200 + "\nsecond", {})
    first = subject.split(" · ", 1)[1]
    assert len(first) == 80 and first.endswith("…")


def test_channel_naming_and_who_gets_the_join_checklist():
    from services.tickets.policy import follows_channel_naming, should_send_join_checklist

    assert follows_channel_naming("posthog-acme") and follows_channel_naming("#PostHog-Acme")
    assert not follows_channel_naming("posthog-") and not follows_channel_naming("acme-posthog")
    assert should_send_join_checklist("customer", "acme-support")
    assert should_send_join_checklist(None, "posthog-newco")
    assert not should_send_join_checklist(None, "sales")
    assert not should_send_join_checklist("intake", "website-contact-sales")


def test_training_text_uses_the_bots_name_and_emoji():
    from services.tickets.policy import training_text

    text = training_text("helpbot", "sos")
    assert "add the :sos: emoji to the thread" in text and "mention @helpbot in a thread" in text
    assert "SupportHog" not in text


def test_comment_author_only_for_one_matched_writer_and_end_users_only_in_public():
    from services.tickets.policy import ZendeskUser, comment_author

    dev, alice = ZendeskUser(7, "end-user"), ZendeskUser(8, "agent")
    assert comment_author([dev, dev], public=True) == 7
    assert comment_author([dev, alice], public=True) is None
    assert comment_author([dev, None], public=True) is None
    assert comment_author([], public=True) is None
    assert comment_author([dev], public=False) is None
    assert comment_author([alice], public=False) == 8


def test_only_a_customer_side_reply_on_a_solved_ticket_reopens_it():
    from services.tickets.policy import Person, is_customer_side, status_after_reply

    staff, guest = Person("U1", "Alice", "T0"), Person("U2", "Dev", "T_ACME")
    assert is_customer_side(guest, our_team_id="T0", is_requester=False)
    assert not is_customer_side(staff, our_team_id="T0", is_requester=False)
    assert is_customer_side(staff, our_team_id="T0", is_requester=True)  # an internal requester
    assert status_after_reply("solved", from_customer_side=True) == "open"
    assert status_after_reply("solved", from_customer_side=False) is None
    assert [status_after_reply(s, from_customer_side=True) for s in ("new", "open", "pending", "hold")] == [
        None
    ] * 4
