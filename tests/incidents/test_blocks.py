"""Block Kit builders for /incident (spec C.3-C.7; E15, E17, E20, E22, E23, E26)."""

from __future__ import annotations

import json

from bot.incidents import blocks as b
from services.incidents.policy import SEVERITIES


def all_text(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def preview(**over):
    p = {
        "incident_id": 7,
        "comm_id": 3,
        "public_id": "INC-7",
        "text": "We're investigating a major incident affecting the PostHog app.",
        "username": "PostHog",
        "channel_names": [f"posthog-c{i:03d}" for i in range(500)],
        "excluded": {},
        "tone_hints": [],
        "sla_accounts": [],
        "earlier_failures": [],
    }
    p.update(over)
    return b.preview_view(p)


def test_e15_preview_states_500_channels_and_posts_as_posthog():
    view = preview()
    first = view["blocks"][0]["text"]["text"]
    assert first == "*500 channels* will get this, posted as *PostHog*"
    assert view["submit"]["text"] == "Send to 500 channels"
    audience = next(bl for bl in view["blocks"] if bl.get("text", {}).get("text", "").startswith("*Audience:*"))
    assert "#posthog-c014" in audience["text"]["text"] and "#posthog-c015" not in audience["text"]["text"]
    assert audience["text"]["text"].endswith("…and 485 more")


def test_preview_shows_the_customer_message_verbatim():
    view = preview(text="Line one\n\nLine two")
    assert {"type": "section", "text": {"type": "mrkdwn", "text": "Line one\n\nLine two"}} in view["blocks"]


def test_preview_requires_an_explicit_confirm_tick():
    view = preview(channel_names=["posthog-acme"])
    confirm = view["blocks"][-1]
    assert confirm["block_id"] == "confirm" and not confirm.get("optional")
    assert confirm["element"]["options"][0]["text"]["text"] == "Post this as PostHog in 1 customer channels now. It can't be undone."
    assert json.loads(view["private_metadata"]) == {"incident_id": 7, "comm_id": 3}


def test_e23_preview_lists_exclusions_with_reasons():
    view = preview(excluded={"handled 1:1 by Alice": ["Acme", "Globex"]}, channel_names=["x"] * 498)
    assert "Excluded, handled 1:1 by Alice: Acme, Globex" in all_text(view)
    assert view["submit"]["text"] == "Send to 498 channels"


def test_e20_tone_warning_shows_but_send_stays():
    view = preview(tone_hints=["Empathetic: avoid “We apologize for the inconvenience” (002_59a801b964a2a19e.txt:4202)"])
    assert "avoid “We apologize for the inconvenience”" in all_text(view)
    assert "communications-templates-incidents#" in all_text(view)  # the citation is a handbook link
    assert view["submit"]["text"].startswith("Send to")


def test_sla_accounts_warning_cites_the_sla_rule():
    assert "|Contract rules>" in all_text(preview(sla_accounts=["Acme"]))  # the uptime SLA rule, as a link


def test_declare_modal_options_carry_handbook_descriptions_within_slack_limits():
    sev = [(s.level, s.label, s.description, s.examples) for s in SEVERITIES.values()]
    view = b.declare_modal({"severities": sev, "severity": 1, "rota_hint": "Simon or Dana (EU working hours)", "cmoc": "U_SIMON"})
    select = view["blocks"][0]["element"]
    assert select["initial_option"]["value"] == "1"
    assert [o["text"]["text"] for o in select["options"]][0] == "SEV 0 – Emergency"
    for o in select["options"]:
        assert len(o["text"]["text"]) <= 75 and len(o["description"]["text"]) <= 75
    assert len(view["title"]["text"]) <= 24
    assert "Rota now: Simon or Dana (EU working hours)" in all_text(view)
    assert not any(bl["block_id"] == "window_start" for bl in view["blocks"])


def test_maintenance_modal_asks_for_the_window():
    sev = [(s.level, s.label, s.description, s.examples) for s in SEVERITIES.values()]
    view = b.declare_modal({"severities": sev, "severity": 4, "maintenance": True})
    ids = [bl["block_id"] for bl in view["blocks"]]
    assert "window_start" in ids and "window_end" in ids


def test_draft_modal_marks_non_handbook_templates_and_band():
    view = b.draft_modal(
        {
            "incident_id": 7,
            "public_id": "INC-7",
            "kind": "update",
            "template_label": "Update (SEV 1/2)",
            "template_source": "not a handbook template; shape of 002_59a801b964a2a19e.txt:4148-4150",
            "handbook": False,
            "fields": [("feature", "feature flags"), ("status", "")],
            "band": (30, 60),
            "next_minutes": 30,
            "routes": [("owners", False, "owners"), ("broadcast", True, "why")],
            "route": "owners",
        }
    )
    text = all_text(view)
    assert "*Not a handbook template*" in text
    assert "Next update in (minutes, 30–60)" in text
    ids = [bl.get("block_id") for bl in view["blocks"]]
    assert {"f_feature", "f_status", "next_minutes", "route", "reason"} <= set(ids)


def test_e21_rebroadcast_option_after_downgrade():
    view = b.draft_modal({"incident_id": 7, "public_id": "INC-7", "kind": "update", "template_label": "x", "template_source": "y", "fields": [], "routes": [("owners", False, "o")], "extra_broadcast_option": "Broadcast to the 500 channels that got the SEV 0 messages"})
    assert "Broadcast to the 500 channels that got the SEV 0 messages" in all_text(view)


def test_owner_draft_tags_owners_and_has_owner_and_cmoc_buttons():
    blocks = b.owner_draft_blocks(
        {"comm_id": 3, "seq": 1, "kind": "initial", "severity_label": "SEV 1 – Critical", "feature": "feature flags", "cmoc": "U_SIMON", "sample_text": "Hey Acme team,\n\nWe’re investigating", "senders": [("U_ALICE", ["Acme"], ""), ("U_BOB", ["Initech"], "")]}
    )
    text = all_text(blocks)
    assert "<@U_ALICE> (1: Acme)" in text and "<@U_BOB> (1: Initech)" in text
    assert "> Hey Acme team," in text
    action_ids = [e["action_id"] for bl in blocks if bl["type"] == "actions" for e in bl["elements"]]
    assert action_ids == [b.ACTION_SEND_MINE, b.ACTION_SENT_MYSELF, b.ACTION_HANDLING_1TO1, b.ACTION_ASSIGN_BACKUPS, b.ACTION_BROADCAST_REST]
    send = blocks[1]["elements"][0]
    assert send["confirm"]["confirm"]["text"] == "Send now"


def test_e17b_summary_lists_failures_and_offers_retry():
    s = {"incident_id": 7, "broadcast_id": 2, "sent": 498, "total": 500, "elapsed_s": 125.4, "failed": [("posthog-foo", "not_in_channel"), ("posthog-bar", "channel_not_found")], "pending": 0}
    assert b.broadcast_summary_text(s) == "Sent to 498/500 channels in 2m5s. 2 failed: #posthog-foo (not_in_channel), #posthog-bar (channel_not_found)."
    blocks = b.broadcast_summary_blocks(s)
    assert blocks[1]["elements"][0]["action_id"] == b.ACTION_RETRY_FAILED
    assert blocks[1]["elements"][0]["confirm"]["text"]["text"] == "Send to 2 customer channels again?"


def test_summary_without_failures_has_no_retry():
    blocks = b.broadcast_summary_blocks({"incident_id": 7, "broadcast_id": 2, "sent": 500, "total": 500, "elapsed_s": 30, "failed": [], "pending": 0})
    assert [e["action_id"] for e in blocks[1]["elements"]] == [b.ACTION_SHOW_LOG]
    assert blocks[0]["text"]["text"] == "Sent to 500/500 channels in 30s."


def test_e15_owner_notice_tags_every_owner_and_cites_the_override():
    text = b.sev0_owner_notice(["U_A", "U_B"], "We're investigating")
    assert text.startswith("<@U_A> <@U_B>\nSEV 0 broadcast going out to your accounts now.")
    assert "4228" in text


def test_e22_forwarded_reply_names_account_text_link_and_owner():
    text = b.engagement_forward_text("Acme", "C_ACME", "SEV 0", "We lost events from 10:05–10:40, will they be backfilled?", "https://x.slack.com/p1", "U_ALICE")
    assert text == "Acme replied to the SEV 0 broadcast: “We lost events from 10:05–10:40, will they be backfilled?” https://x.slack.com/p1 · owner <@U_ALICE>"


def test_e26_close_summary_lists_not_notified_and_sla():
    blocks = b.close_summary_blocks({"public_id": "INC-7", "not_notified": [("Initech", "U_BOB")], "failed": [], "sla_accounts": ["Acme"], "timeline": ["10:00 declared SEV 1"]})
    text = all_text(blocks)
    assert "Not notified: Initech (owner <@U_BOB>)" in text
    assert "Uptime SLA accounts affected: Acme" in text


def test_card_and_status_put_the_headline_first():
    card = b.incident_card_blocks({"public_id": "INC-7", "severity_label": "SEV 1 – Critical", "title": "Feature flags failing", "status": "open", "cloud": "EU", "cmoc": "U_SIMON", "accounts": 2, "owners": 2, "channels": 2, "sla_accounts": 1, "next_update_due": "10:30 UTC"})
    assert card[0]["text"]["text"] == "*INC-7 · SEV 1 – Critical · Open*\nFeature flags failing"
    closed = b.incident_card_blocks({"public_id": "INC-7", "severity_label": "SEV 1 – Critical", "title": "t", "status": "closed", "cloud": "EU", "cmoc": None, "accounts": 0, "owners": 0, "channels": 0})
    assert "Closed" in closed[0]["text"]["text"]
    status = b.status_blocks({"public_id": "INC-7", "severity_label": "SEV 1 – Critical", "status": "Open", "title": "t", "next_update_due": "10:30 UTC", "notified": 1, "affected": 2, "failed": 0, "cmoc": "U_SIMON"})
    assert status[1]["text"]["text"].startswith("Next update due: *10:30 UTC*\nNotified: *1/2* accounts")


def test_usage_error_block_shows_the_example():
    blocks = b.usage_error_blocks({"message": "Unknown severity `sev5`.", "example": "/incident declare sev1 Flag evaluation failing in EU"})
    assert blocks[0]["text"]["text"] == "Unknown severity `sev5`.\nTry: `/incident declare sev1 Flag evaluation failing in EU`"


def test_long_text_is_cut_to_the_section_limit():
    assert len(b.customer_message_blocks("x" * 5000)[0]["text"]["text"]) == 3000


def test_long_log_and_timeline_say_how_much_was_left_out():
    """Issue 17: a list is summarised before it is cut; nothing disappears silently."""
    log = b.log_blocks("INC-7", [(f"Update {n}", [f"<#C{n:04d}> notified"]) for n in range(45)])
    assert "…and 5 earlier messages" in all_text(log)
    closed = b.close_summary_blocks({"public_id": "INC-7", "not_notified": [], "timeline": [f"event {n}" for n in range(33)]})
    assert "…and 3 more events" in all_text(closed)
