"""Shared pieces of the reliability suite: one small world every attack runs against.

The world is seeded through the real importer and holds what every command needs to do real
work when a request is genuine (so a rejected request that "does nothing" is a meaningful claim):
a team with an internal TAE and a CMOC, accounts for /handover-check and /churn-risk, the :ticket:
flow's shared channel C_ACME with a Slack Connect user, and a fake Zendesk behind the bot."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clients.zendesk import ZendeskClient
from bot.db.registry import load_all_models
from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver, wait_idle, wait_until
from bot.fakes.slack import FakeSlack
from bot.fakes.workspace import seed_workspace
from bot.runtime import Runtime
from tests.conftest import BOT_TOKEN
from tests.tickets.fixtures import ROOT, TicketWorld, setup_acme_world

INTERNAL_USER = "U0TAE01"  # Alex Rivera, TAE (seed_workspace's default requester)
CMOC = "U_SIMON"
EXTERNAL_TEAM = "T_ACME"
EXTERNAL_USER = "U_EXT1"  # Slack Connect user of the customer's workspace (team T_ACME)

TEAM = [
    {"slack_id": "U0TAE01", "name": "Alex Rivera", "email": "alex@example.com", "role": "TAE", "region": "US"},
    {"slack_id": "U0TAM01", "name": "Tara Nguyen", "email": "tara@example.com", "role": "TAM", "region": "US"},
    {"slack_id": "U_SIMON", "name": "Simon", "email": "simon@example.com", "role": "LEAD", "region": "EU",
     "is_team_lead": True},
    {"slack_id": "U_ALICE", "name": "Alice", "email": "alice@posthog.example", "role": "TAM", "region": "EU"},
    {"slack_id": "U_BOB", "name": "Bob", "email": "bob@posthog.example", "role": "CSM", "region": "US"},
]

ACCOUNTS = [
    {"id": "rel-fjord", "name": "Fjord Logistics", "posthog_org_id": "0189-fjord", "domain": "fjord.example",
     "owner_slack_id": "U0TAE01", "arr": "84000.00", "cloud": "EU", "paying_for": ["product_analytics"],
     "products_used": ["product_analytics"], "billing_email": "ap@fjord.example",
     "stripe_customer_ids": ["cus_FJORD"], "active_users_30d": 9,
     "health_history": [{"period": "2025-05-26", "label": "Poor"}], "slack_channel_ids": ["C_FJORD"]},
    {"id": "it-acme", "name": "Acme", "posthog_org_id": "0189-acme", "slack_channel_ids": ["C_ACME"],
     "owner_slack_id": "U_ALICE", "arr": "120000.00", "cloud": "EU", "products_used": ["feature_flags"]},
]

# Words an operator would recognise as account data in a reply (names, money, owners).
ACCOUNT_DATA = ("Fjord", "Acme", "84,000", "84000", "120,000", "120000", "$", "Alex Rivera", "Alice", "U0TAE01")

# Every slash command with a text that does real work for an internal user.
COMMANDS = [
    ("/quote", "120k 2y net30"),
    ("/discount", "38% 120k 2y"),
    ("/handover-check", "fjord to tam"),
    ("/churn-risk", "fjord"),
    ("/incident", "status"),
]


def quick_stop(fake) -> None:
    """Stop a fake's ThreadingHTTPServer without waiting out its 0.5 s poll: shutdown() is asked for,
    then a connection wakes the serving loop, which sees the request at once."""
    server = getattr(fake, "_server", None)
    if server is None:
        return
    stopper = threading.Thread(target=server.shutdown, daemon=True)
    stopper.start()
    while stopper.is_alive():
        try:
            socket.create_connection(server.server_address[:2], timeout=0.2).close()
        except OSError:
            pass
        stopper.join(0.01)
    server.server_close()
    fake._server = None


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """tests/conftest.py's fake Slack, stopped without the poll wait (this suite starts many)."""
    fake = seed_workspace(FakeSlack(bot_token=BOT_TOKEN).start())
    yield fake
    quick_stop(fake)


@pytest.fixture
def zendesk_fake():
    from bot.fakes.zendesk import FakeZendesk

    fake = FakeZendesk(email="bot@posthog.example", api_token="zd-token").start()
    fake.add_organization(901, "0189-acme", name="12345 - Acme", tags=["priority_customer"])
    yield fake
    quick_stop(fake)


@pytest.fixture
def world(rt: Runtime, fake_slack: FakeSlack, zendesk_fake, seed, bot_factory, incident_env,
          monkeypatch) -> TicketWorld:
    """The bot over HTTP against fake Slack and fake Zendesk, with the world above seeded."""
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    incident_env(CMOC_EU="Simon", CMOC_US="Simon", SLACK_POST_RATE_PER_SEC=50, SLACK_POST_BURST=10)
    setup_acme_world(fake_slack, seed)
    seed({"format": "gtmbot-accounts/1", "team": TEAM, "accounts": ACCOUNTS})
    rt.cache["zendesk_client"] = ZendeskClient(zendesk_fake.url, "bot@posthog.example", "zd-token",
                                               retry_delays_s=(0.05, 0.1, 0.2))
    w = TicketWorld(rt, fake_slack, zendesk_fake, bot_factory())
    w.settings()
    w.message("C_ACME", "Our funnels stopped loading since 9am", user=EXTERNAL_USER, ts=ROOT)
    return w


# The record of a request received (bot.events) and the processes' heartbeats: bookkeeping, not state
# a request may change. A refused request is still received, and its record marked done.
BOOKKEEPING = ("inbound_requests", "worker_heartbeats")


def table_counts(rt: Runtime) -> dict[str, int]:
    """Rows in every table the bot owns: a rejected request must leave every count as it was."""
    meta = load_all_models().metadata
    with session_scope(rt.session_factory) as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in meta.sorted_tables
                if t.name not in BOOKKEEPING}


def slack_effects(fake: FakeSlack) -> dict[str, int]:
    """Everything the bot could have made a person see in Slack."""
    writes = {"chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.publish",
              "reactions.add", "chat.delete"}
    return {
        "posts": len(fake.posts()),
        "ephemerals": len(fake.ephemerals),
        "responses": len(fake.responses),
        "writes": sum(1 for c in fake.calls if c.method in writes),
    }


def ticket_event(user: str = EXTERNAL_USER, ts: str = ROOT, channel: str = "C_ACME") -> dict[str, Any]:
    return {"type": "reaction_added", "user": user, "reaction": "ticket",
            "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": f"{time.time():.6f}"}


def confirmations(fake: FakeSlack, channel: str = "C_ACME") -> list[dict]:
    return [p for p in fake.posts(channel) if "Ticket #" in (p.get("text") or "")]


def wait(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    return wait_until(predicate, timeout)


def settle(timeout: float = 30.0) -> None:
    """Wait until the bot has finished every listener and background send it started (a positive
    signal), before asserting that nothing (more) happened."""
    wait_idle(timeout)


def driver_for(world: TicketWorld) -> SlackDriver:
    return world.bot


def db_dump(rt: Runtime, skip: tuple[str, ...] = ("job_runs", "job_lease", "processed_events", *BOOKKEEPING),
            ) -> dict[str, list]:
    """Every row of every table (as sorted reprs), for "changed nothing" / "lost nothing" comparisons."""
    meta = load_all_models().metadata
    out = {}
    with session_scope(rt.session_factory) as s:
        for table in meta.sorted_tables:
            if table.name in skip:
                continue
            out[table.name] = sorted(tuple(repr(v) for v in row) for row in s.execute(select(table)).all())
    return out
