"""Zendesk rejects gtmbot's credentials (401/403) end to end: not an outage (incidents-and-tickets.md A.2.9).
The alert channel hears at once, the request is kept and opened once the credentials work, an internal
reactor is told privately, and the customer's channel hears nothing untrue."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import now as clock_now
from jobs import run_job
from tests.tickets.fixtures import ROOT

ALERTS = "C0SUPPORTCS"


def _thread_posts(world, channel="C_ACME"):
    return [p["text"] for p in world.posts(channel)]


def _rejected(world) -> int:
    return len([r for r in world.zendesk.requests() if r.status in (401, 403)])


def test_revoked_token_alerts_at_once_keeps_the_request_and_opens_it_after_the_fix(tickets):
    tickets.zendesk.api_token = "revoked-by-an-admin"
    tickets.message("C_ACME", "Our funnels stopped loading since 9am", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)

    # at once, not after the holding delay: the alert channel hears what is really wrong
    [alert] = tickets.wait(lambda: tickets.slack.posts(ALERTS))
    assert "Zendesk rejects gtmbot's credentials (401)" in alert["text"]
    assert "ZENDESK_API_TOKEN" in alert["text"] and "*Acme*" in alert["text"]
    assert "archives/C_ACME" in alert["text"]
    assert "not answering" not in alert["text"]
    assert [r.status for r in tickets.rows()] == ["blocked"]
    assert tickets.zendesk.tickets() == []

    # an internal reactor is told privately; the customer gets nothing
    tickets.react("U_ALICE", ROOT)
    [note] = tickets.wait(lambda: tickets.ephemerals("U_ALICE"))
    assert note["text"].startswith(":warning: No ticket is open yet: Zendesk rejected gtmbot's credentials")
    assert "#support-customer-success has been alerted" in note["text"]
    tickets.react("U_ALICE", ROOT)
    tickets.settle()
    assert len(tickets.ephemerals("U_ALICE")) == 1
    assert tickets.ephemerals("U_EXT1") == []

    # the sweep keeps retrying past the holding delay and past the 24 h give-up, saying nothing in the thread
    for later in (121, 181, 25 * 3600):
        run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=later))
    assert _thread_posts(tickets) == []
    assert [r.status for r in tickets.rows()] == ["blocked"]
    assert len(tickets.slack.posts(ALERTS)) == 1

    # the admin fixes the token: the next sweep opens the one ticket and the thread gets the confirmation
    tickets.zendesk.api_token = "zd-token"
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=25 * 3600 + 61))
    assert _thread_posts(tickets) == [
        ":ticket: Ticket #4821 is open. Our support team has this thread, and new replies here are added to it."
    ]
    [ticket] = tickets.zendesk.tickets()
    assert "Our funnels stopped loading" in ticket["description"]
    assert tickets.rows()[0].status == "created"
    restored = tickets.slack.posts(ALERTS)[-1]["text"]
    assert "accepts gtmbot's credentials again" in restored and "#4821" in restored


def test_forbidden_api_user_is_a_credentials_problem_and_one_probe_per_sweep(tickets):
    tickets.zendesk.set_outage(403)
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.message("C_GLOBEX", "Exports stuck", user="U_EXT2", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.react("U_EXT2", ROOT, channel="C_GLOBEX")
    alerts = tickets.wait(lambda: len(tickets.slack.posts(ALERTS)) == 2 and tickets.slack.posts(ALERTS))
    assert all("refuses gtmbot's API user (403)" in a["text"] for a in alerts)
    assert {r.status for r in tickets.rows()} == {"blocked"}

    before = _rejected(tickets)
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=61))
    assert _rejected(tickets) == before + 1  # one probe, not one request per waiting ticket
    assert tickets.posts() == [] and len(tickets.slack.posts(ALERTS)) == 2

    tickets.zendesk.set_outage(None)
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=122))
    assert {r.status for r in tickets.rows()} == {"created"}
    assert len(tickets.zendesk.tickets()) == 2
    assert len(tickets.posts("C_ACME")) == 1 and len(tickets.posts("C_GLOBEX")) == 1


def test_replies_while_credentials_are_rejected_alert_once_and_sync_after_the_fix(tickets):
    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 2)
    tickets.zendesk.api_token = "revoked-by-an-admin"
    tickets.say("C_ACME", "Still broken", user="U_EXT1", ts="1700000001.000100", thread_ts=ROOT)
    [alert] = tickets.wait(lambda: tickets.slack.posts(ALERTS))
    assert "Zendesk rejects gtmbot's credentials (401)" in alert["text"]
    assert "replies in the thread of ticket #4821 (*Acme*) are not reaching Zendesk" in alert["text"]
    tickets.say("C_ACME", "Hello?", user="U_EXT1", ts="1700000002.000100", thread_ts=ROOT)
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=61))
    assert len(tickets.slack.posts(ALERTS)) == 1
    assert len(tickets.posts()) == 1  # only the confirmation: nothing else said in the thread

    tickets.zendesk.api_token = "zd-token"
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=122))
    last = tickets.zendesk.comments(4821)[-1]["body"]
    assert last == "**Dev (Acme) in Slack:** Still broken\n\n**Dev (Acme) in Slack:** Hello?"
