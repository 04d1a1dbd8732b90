"""Forged and stale requests: every Slack entry point (each slash command, a :ticket: reaction event,
a button click) and the Stripe webhook, attacked with a wrong secret, a tampered body, a stale
timestamp and missing headers. Slack requests get 401, Stripe ones 400, and nothing happens: no
message, ephemeral or response_url post in Slack, no row in any table, no call to Zendesk.

Each attack ends with its genuine twin (same body, properly signed), which does act, so "nothing happened"
is never true merely because the request could not have done anything."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import httpx
import pytest

from bot.fakes.driver import sign
from bot.fakes.stripe import sign_webhook
from tests.billing.fixtures import stripe_event
from tests.conftest import SIGNING_SECRET
from tests.reliability.conftest import (
    COMMANDS,
    INTERNAL_USER,
    settle,
    slack_effects,
    table_counts,
    ticket_event,
    wait,
)

FORM = "application/x-www-form-urlencoded"
STALE = 6 * 60  # Slack's window is 5 minutes


def quote_button_payload(world) -> dict:
    """A genuine "Post to channel" click on a /quote reply (its value comes from the real reply)."""
    reply = world.bot.command("/quote", "120k 2y net30", user=INTERNAL_USER)
    button = next(el for b in reply.first()["blocks"] if b["type"] == "actions" for el in b["elements"])
    world.slack.responses.clear()
    return {
        "type": "block_actions", "team": {"id": world.slack.team_id, "domain": "acme"},
        "user": {"id": INTERNAL_USER, "username": "alex", "team_id": world.slack.team_id},
        "api_app_id": "A0GTMBOT", "token": "legacy-verification-token",
        "container": {"type": "message", "channel_id": "C0GENERAL", "is_ephemeral": True},
        "trigger_id": "1.forged", "channel": {"id": "C0GENERAL", "name": "general"},
        "response_url": world.slack.response_url("C0GENERAL", "forgedclick"),
        "actions": [{"action_id": button["action_id"], "block_id": "b0", "value": button["value"],
                     "type": "button", "action_ts": f"{time.time():.6f}"}],
    }


def request_body(world, kind: str) -> tuple[bytes, str]:
    """The raw body Slack would send for one entry point, and its content type."""
    if kind.startswith("/"):
        text = dict(COMMANDS)[kind]
        body, _, _ = world.bot.command_body(kind, text, user=INTERNAL_USER)
        return body, FORM
    if kind == "event:reaction_added":
        envelope = {
            "token": "legacy-verification-token", "team_id": world.slack.team_id, "api_app_id": "A0GTMBOT",
            "event": ticket_event(), "type": "event_callback", "event_id": f"EvForge{time.time_ns()}",
            "event_time": int(time.time()), "is_ext_shared_channel": True,
            "authorizations": [{"team_id": world.slack.team_id, "user_id": world.slack.bot_user_id,
                                "is_bot": True, "is_enterprise_install": False}],
        }
        return json.dumps(envelope).encode(), "application/json"
    assert kind == "interactivity:post_quote"
    return urlencode({"payload": json.dumps(quote_button_payload(world))}).encode(), FORM


def attack(world, kind: str, how: str) -> httpx.Response:
    body, ctype = request_body(world, kind)
    now = int(time.time())
    ts = str(now)
    headers = {"Content-Type": ctype, "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(SIGNING_SECRET, ts, body)}
    if how == "wrong_secret":
        headers["X-Slack-Signature"] = sign("not-the-signing-secret", ts, body)
    elif how == "tampered_body":
        body = body.replace(b"U0TAE01", b"U0TAM01") if b"U0TAE01" in body else body + b" "
    elif how == "stale_timestamp":  # correctly signed, but 6 minutes old: a replay
        ts = str(now - STALE)
        headers.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(SIGNING_SECRET, ts, body)})
    elif how == "future_timestamp":
        ts = str(now + STALE)
        headers.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(SIGNING_SECRET, ts, body)})
    elif how == "timestamp_swapped":  # signature of one moment, header of another
        headers["X-Slack-Request-Timestamp"] = str(now - 1)
    elif how == "no_signature":
        del headers["X-Slack-Signature"]
    elif how == "no_timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif how == "no_headers":
        del headers["X-Slack-Signature"], headers["X-Slack-Request-Timestamp"]
    elif how == "bad_scheme":
        headers["X-Slack-Signature"] = headers["X-Slack-Signature"].replace("v0=", "v1=")
    else:
        assert how == "genuine"
    return world.bot.http.post(world.bot.url, content=body, headers=headers)


ATTACKS = ["wrong_secret", "tampered_body", "stale_timestamp", "future_timestamp", "timestamp_swapped",
           "no_signature", "no_timestamp", "no_headers", "bad_scheme"]


GROUPS = {"slash commands": [c for c, _ in COMMANDS], "event": ["event:reaction_added"],
          "interactivity": ["interactivity:post_quote"]}


@pytest.mark.parametrize("group", list(GROUPS))
def test_forged_slack_request_gets_401_and_nothing_happens(world, group):
    """Every attack in ATTACKS against every entry point of the group, then each genuine twin."""
    for kind in GROUPS[group]:
        request_body(world, kind)  # warm caches (auth.test, users.info) outside the measurement
        before_db, before_slack = table_counts(world.rt), slack_effects(world.slack)
        statuses = {how: attack(world, kind, how).status_code for how in ATTACKS}
        assert statuses == dict.fromkeys(ATTACKS, 401), kind
        settle()  # every listener the requests started (none, we expect) has finished
        assert slack_effects(world.slack) == before_slack, kind
        assert table_counts(world.rt) == before_db, kind
        assert world.zendesk.requests() == [], kind
        genuine_twin_acts(world, kind)


def genuine_twin_acts(world, kind: str) -> None:
    """The control: the same request properly signed does have a visible effect."""
    before = slack_effects(world.slack)
    resp = attack(world, kind, "genuine")
    assert resp.status_code == 200
    if kind == "event:reaction_added":
        wait(lambda: world.zendesk.ticket_creates())
        wait(lambda: world.slack.posts("C_ACME"))
    elif kind in ("/quote", "/discount"):
        assert json.loads(resp.text)["response_type"] == "ephemeral"  # the answer rides on the ack
    else:
        wait(lambda: slack_effects(world.slack)["responses"] > before["responses"])


# --------------------------------------------------------------------------- Stripe webhooks
WEBHOOK_SECRET = "whsec_reliability"


@pytest.fixture
def billing_bot(rt, world, monkeypatch):
    """The same bot with STRIPE_WEBHOOK_SECRET set and an open failed invoice to be told about."""
    from pydantic import SecretStr

    monkeypatch.setattr(rt.settings, "stripe_webhook_secret", SecretStr(WEBHOOK_SECRET), raising=False)
    return world


def failed_invoice_event(event_id: str = "evt_rel_1") -> dict:
    from datetime import UTC, datetime

    invoice = {"id": "in_REL1", "object": "invoice", "customer": "cus_FJORD", "status": "open",
               "collection_method": "charge_automatically", "billing_reason": "subscription_cycle",
               "amount_due": 700000, "amount_paid": 0, "amount_remaining": 700000, "total": 700000,
               "currency": "usd", "attempt_count": 1, "due_date": None, "number": "REL-0001",
               "status_transitions": {"finalized_at": int(datetime(2025, 5, 30, tzinfo=UTC).timestamp()),
                                      "paid_at": None, "voided_at": None, "marked_uncollectible_at": None},
               "hosted_invoice_url": "https://invoice.stripe.test/i/in_REL1", "created": 1748563200}
    return stripe_event(event_id, "invoice.payment_failed", invoice, datetime(2025, 6, 1, 9, tzinfo=UTC))


def post_stripe(world, how: str, event: dict | None = None) -> httpx.Response:
    body = json.dumps(event or failed_invoice_event())
    url = world.bot.url.replace("/slack/events", "/stripe/webhook")
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign_webhook(body, WEBHOOK_SECRET)}
    if how == "wrong_secret":
        headers["Stripe-Signature"] = sign_webhook(body, "whsec_forged")
    elif how == "tampered_body":
        headers["Stripe-Signature"] = sign_webhook(body, WEBHOOK_SECRET)
        body = body.replace("700000", "1")
    elif how == "stale_timestamp":  # Stripe's default tolerance is 300 seconds
        headers["Stripe-Signature"] = sign_webhook(body, WEBHOOK_SECRET, int(time.time()) - STALE)
    elif how == "bad_signature":
        headers["Stripe-Signature"] = "t=1,v1=deadbeef"
    elif how == "garbage_header":
        headers["Stripe-Signature"] = "not a signature"
    elif how == "no_header":
        del headers["Stripe-Signature"]
    else:
        assert how == "genuine"
    return httpx.post(url, content=body, headers=headers, timeout=10)


STRIPE_ATTACKS = ["wrong_secret", "tampered_body", "stale_timestamp", "bad_signature", "garbage_header", "no_header"]


def test_forged_stripe_webhook_gets_400_and_nothing_happens(billing_bot):
    before_db, before_slack = table_counts(billing_bot.rt), slack_effects(billing_bot.slack)
    answers = {how: post_stripe(billing_bot, how) for how in STRIPE_ATTACKS}
    assert {how: r.status_code for how, r in answers.items()} == dict.fromkeys(STRIPE_ATTACKS, 400)
    assert all(r.json() == {"error": "invalid signature"} for r in answers.values())
    settle()
    assert table_counts(billing_bot.rt) == before_db
    assert slack_effects(billing_bot.slack) == before_slack
    # the control: the genuine event is taken (and its redelivery is not)
    before = table_counts(billing_bot.rt)
    first = post_stripe(billing_bot, "genuine")
    assert first.status_code == 200 and first.json()["ok"] is True
    after = table_counts(billing_bot.rt)
    assert after["billing_stripe_event"] == before["billing_stripe_event"] + 1
    again = post_stripe(billing_bot, "genuine")
    assert again.status_code == 200 and again.json().get("duplicate") is True
    assert table_counts(billing_bot.rt) == after
