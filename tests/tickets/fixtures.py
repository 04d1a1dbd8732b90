"""Fixtures for the :ticket: flow: the spec's Part E world (incidents-and-tickets.md) in the fake Slack,
the account model seeded through the real importer, and a fake Zendesk the bot talks to over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.clients.zendesk import ZendeskClient
from bot.fakes.driver import SlackDriver, wait_idle, wait_until
from bot.fakes.slack import FakeSlack
from bot.fakes.zendesk import FakeZendesk
from bot.runtime import Runtime
from bot.tickets.settings import TicketSettings

ROOT = "1700000000.000100"
ACME_DOC = {
    "format": "gtmbot-accounts/1",
    "team": [
        {
            "slack_id": "U_ALICE",
            "name": "Alice",
            "email": "alice@posthog.example",
            "role": "TAM",
            "region": "EU",
        },
        {"slack_id": "U_BOB", "name": "Bob", "email": "bob@posthog.example", "role": "CSM", "region": "US"},
    ],
    "accounts": [
        {
            "id": "it-acme",
            "name": "Acme",
            "posthog_org_id": "0189-acme",
            "slack_channel_ids": ["C_ACME"],
            "owner_slack_id": "U_ALICE",
            "arr": "120000.00",
            "cloud": "EU",
        },
        {
            "id": "it-globex",
            "name": "Globex",
            "posthog_org_id": "0189-globex",
            "slack_channel_ids": ["C_GLOBEX"],
            "owner_slack_id": "U_ALICE",
            "arr": "12000.00",
            "cloud": "US",
        },
    ],
}


@dataclass
class TicketWorld:
    rt: Runtime
    slack: FakeSlack
    zendesk: FakeZendesk
    bot: SlackDriver

    def settings(self, **overrides: Any) -> None:
        self.rt.cache["ticket_settings"] = TicketSettings(**{**_TEST_SETTINGS, **overrides})

    def message(self, channel: str, text: str, *, user: str, ts: str, thread_ts: str | None = None) -> dict:
        return self.slack.add_message(channel, text, user=user, ts=ts, thread_ts=thread_ts)

    def react(
        self,
        user: str,
        ts: str,
        *,
        channel: str = "C_ACME",
        reaction: str = "ticket",
        item_type: str = "message",
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> int:
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item": {"type": item_type, "channel": channel, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }
        return self.bot.event(event, event_id=event_id, retry_num=retry_num).status_code

    def say(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        ts: str,
        thread_ts: str | None = None,
        mention: bool = False,
    ) -> None:
        """A person posts: stored in Slack, then the events Slack sends (app_mention and message)."""
        self.message(channel, text, user=user, ts=ts, thread_ts=thread_ts)
        base = {"channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}
        if thread_ts:
            base["thread_ts"] = thread_ts
        if mention:
            assert self.bot.event({"type": "app_mention", **base}).status_code == 200
        assert self.bot.event({"type": "message", "channel_type": "channel", **base}).status_code == 200

    def wait(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        return wait_until(predicate, timeout)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the bot has finished every listener and send it started (a positive signal), for
        assertions that something did NOT happen."""
        wait_idle(timeout)

    def posts(self, channel: str = "C_ACME") -> list[dict]:
        return self.slack.posts(channel)

    def ephemerals(self, user: str) -> list[dict]:
        return [e for e in self.slack.ephemerals if e.get("user") == user]

    def rows(self) -> list[Any]:
        from sqlalchemy import select

        from bot.db.session import session_scope
        from bot.tickets.tables import SlackTicket

        with session_scope(self.rt.session_factory) as s:
            rows = list(s.scalars(select(SlackTicket).order_by(SlackTicket.id)))
            for r in rows:
                s.expunge(r)
            return rows


_TEST_SETTINGS: dict[str, Any] = {"ticket_sync_min_interval_s": 0, "zendesk_org_id_field_id": 360001}


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk(email="bot@posthog.example", api_token="zd-token").start()
    fake.add_organization(901, "0189-acme", name="12345 - Acme", tags=["priority_customer"])
    yield fake
    fake.stop()


@pytest.fixture
def tickets(rt: Runtime, fake_slack: FakeSlack, zendesk: FakeZendesk, seed, bot_factory) -> TicketWorld:
    """Part E's fixture with the bot served in this process (see `setup_acme_world`)."""
    setup_acme_world(fake_slack, seed)
    rt.cache["zendesk_client"] = ZendeskClient(
        zendesk.url, "bot@posthog.example", "zd-token", retry_delays_s=(0.05, 0.1, 0.2)
    )
    world = TicketWorld(rt, fake_slack, zendesk, bot_factory())
    world.settings()
    return world


def setup_acme_world(fake_slack: FakeSlack, seed: Callable[[dict], None]) -> None:
    """#posthog-acme (ext-shared, mapped to Acme), #posthog-newco (ext-shared, unmapped), internal #sales
    and #website-contact-sales; Slack Connect users U_EXT1/U_EXT2/U_EXT3 (hidden email) of team T_ACME."""
    fake_slack.add_channel("C_ACME", "posthog-acme", is_ext_shared=True)
    fake_slack.add_channel("C_GLOBEX", "posthog-globex", is_ext_shared=True)
    fake_slack.add_channel("C_UNMAPPED", "posthog-newco", is_ext_shared=True)
    fake_slack.add_channel("C_SALES", "sales")
    fake_slack.add_channel("C_WCS", "website-contact-sales")
    fake_slack.add_user("U_EXT1", "dev", real_name="Dev", team_id="T_ACME", email="dev@acme.io")
    fake_slack.add_user("U_EXT2", "cto", real_name="CTO", team_id="T_ACME", email="cto@acme.io")
    fake_slack.add_user(
        "U_EXT3", "sam", real_name="Sam", team_id="T_ACME", email="sam@acme.io", hide_email=True
    )
    fake_slack.add_user("U_ALICE", "alice", real_name="Alice", email="alice@posthog.example")
    fake_slack.add_user("U_BOB", "bob", real_name="Bob", email="bob@posthog.example")
    fake_slack.add_user("B_FORMS_USER", "forms", is_bot=False)
    seed(ACME_DOC)
