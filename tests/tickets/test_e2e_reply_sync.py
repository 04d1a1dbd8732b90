"""Replies synced from Slack to Zendesk end to end (incidents-and-tickets.md A.2.6, A.2.7): a writer whose
email matches a Zendesk user is the comment's author; a customer's reply on a solved ticket sets it back
to open in the same update (the fake, like an instance without a reopen trigger, does not reopen it by
itself); a closed ticket refuses updates and a new :ticket: opens a follow-up carrying the replies."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import now as clock_now
from jobs import run_job
from tests.tickets.fixtures import ROOT

TICKET = 4821


def _open_ticket(world) -> None:
    world.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    world.react("U_EXT1", ROOT)
    world.wait(lambda: len(world.zendesk.comments(TICKET)) == 2)  # description + internal note


def _zendesk_id(world, email: str) -> int:
    return next(u["id"] for u in world.zendesk.state.users.values() if u.get("email") == email)


def _reply(world, text: str, *, user: str, ts: str) -> dict:
    before = len(world.zendesk.comments(TICKET))
    world.say("C_ACME", text, user=user, ts=ts, thread_ts=ROOT)
    world.wait(lambda: len(world.zendesk.comments(TICKET)) > before)
    return world.zendesk.comments(TICKET)[-1]


def _status(world) -> str:
    return world.zendesk.tickets()[0]["status"]


def test_replies_are_authored_by_the_matching_zendesk_user_else_the_api_user(tickets):
    alice = tickets.zendesk.add_user("alice@posthog.example", "Alice", role="agent")
    _open_ticket(tickets)
    dev = _zendesk_id(tickets, "dev@acme.io")  # the requester Zendesk created with the ticket

    c = _reply(tickets, "Still broken", user="U_EXT1", ts="1700000001.000100")
    assert (c["author_id"], c["body"]) == (dev, "**Dev (Acme) in Slack:** Still broken")
    c = _reply(tickets, "Fix is deploying", user="U_ALICE", ts="1700000002.000100")
    assert (c["author_id"], c["body"]) == (alice["id"], "**Alice (PostHog) in Slack:** Fix is deploying")
    c = _reply(tickets, "Bob here, watching", user="U_BOB", ts="1700000003.000100")  # no Zendesk user
    assert (c["author_id"], c["body"]) == (None, "**Bob (PostHog) in Slack:** Bob here, watching")
    c = _reply(tickets, "Me too", user="U_EXT3", ts="1700000004.000100")  # Slack hides Sam's email
    assert (c["author_id"], c["body"]) == (None, "**Sam (Acme) in Slack:** Me too")
    # one lookup per person, not per reply
    assert len(tickets.zendesk.requests("GET", "/api/v2/users/search.json")) == 3


def test_coalesced_replies_by_two_people_go_as_the_api_user_with_each_name(tickets):
    tickets.zendesk.add_user("alice@posthog.example", "Alice", role="agent")
    tickets.settings(ticket_sync_min_interval_s=20)
    _open_ticket(tickets)
    _reply(tickets, "first", user="U_EXT1", ts="1700000001.000100")  # sent at once
    tickets.say("C_ACME", "second", user="U_EXT1", ts="1700000002.000100", thread_ts=ROOT)
    tickets.say("C_ACME", "on it", user="U_ALICE", ts="1700000003.000100", thread_ts=ROOT)
    tickets.settle()
    assert len(tickets.zendesk.comments(TICKET)) == 3  # paced: the other two wait
    run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=21))
    last = tickets.zendesk.comments(TICKET)[-1]
    assert last["author_id"] is None
    assert last["body"] == "**Dev (Acme) in Slack:** second\n\n**Alice (PostHog) in Slack:** on it"


def test_private_sync_keeps_end_users_out_of_internal_notes(tickets):
    alice = tickets.zendesk.add_user("alice@posthog.example", "Alice", role="agent")
    tickets.settings(ticket_comments_public=False)
    _open_ticket(tickets)
    c = _reply(tickets, "Still broken", user="U_EXT1", ts="1700000001.000100")
    assert (c["public"], c["author_id"]) == (False, None)  # an end user cannot write an internal note
    c = _reply(tickets, "Fix is deploying", user="U_ALICE", ts="1700000002.000100")
    assert (c["public"], c["author_id"]) == (False, alice["id"])


def test_customer_reply_reopens_a_solved_ticket_staff_reply_does_not(tickets):
    _open_ticket(tickets)
    tickets.zendesk.set_ticket_status(TICKET, "solved")

    _reply(tickets, "Thanks! Let me check", user="U_ALICE", ts="1700000001.000100")
    assert _status(tickets) == "solved"  # our own staff replying leaves it solved
    assert "status" not in tickets.zendesk.requests("PUT")[-1].body["ticket"]

    _reply(tickets, "Still broken for me", user="U_EXT2", ts="1700000002.000100")  # a customer, not the requester
    assert _status(tickets) == "open"
    assert tickets.zendesk.requests("PUT")[-1].body["ticket"]["status"] == "open"

    tickets.zendesk.set_ticket_status(TICKET, "hold")
    _reply(tickets, "any news?", user="U_EXT1", ts="1700000003.000100")
    assert _status(tickets) == "hold"  # only solved is reopened


def test_replies_on_a_closed_ticket_stop_and_a_new_reaction_opens_a_follow_up_with_them(tickets):
    _open_ticket(tickets)
    tickets.zendesk.set_ticket_status(TICKET, "closed")
    puts_before = len(tickets.zendesk.requests("PUT"))
    tickets.say("C_ACME", "It broke again", user="U_EXT1", ts="1700000001.000100", thread_ts=ROOT)
    tickets.say("C_ACME", "Looking", user="U_ALICE", ts="1700000002.000100", thread_ts=ROOT)
    tickets.settle()
    for later in (61, 122):
        run_job(tickets.rt, "tickets_sync", now=clock_now() + timedelta(seconds=later))
    assert len(tickets.zendesk.comments(TICKET)) == 2  # closed is final in Zendesk
    assert len(tickets.zendesk.requests("PUT")) <= puts_before + 1  # at most the one refused staff update

    tickets.rt.cache.pop(f"zendesk-ticket:{TICKET}", None)
    tickets.react("U_EXT1", "1700000001.000100")
    follow_up = tickets.wait(lambda: len(tickets.zendesk.tickets()) == 2 and tickets.zendesk.tickets()[1])
    assert follow_up["via_followup_source_id"] == TICKET
    assert "It broke again" in follow_up["description"] and "Looking" in follow_up["description"]
