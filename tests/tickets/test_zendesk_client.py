"""Our Zendesk client against the fake Zendesk over real HTTP (incidents-and-tickets.md A.2.5, A.2.9)."""

from __future__ import annotations

import threading

import pytest

from bot.clients.zendesk import (
    ZendeskAuthError,
    ZendeskClient,
    ZendeskInvalid,
    ZendeskUnavailable,
)
from tests.fakes.zendesk import FakeZendesk

KEY = "gtmbot-ticket-T0-C_ACME-1700000000.000100"
TICKET = {
    "subject": "Slack: Acme · Our funnels stopped loading since 9am",
    "comment": {"body": "Our funnels stopped loading since 9am", "public": True},
    "requester": {"name": "Dev", "email": "dev@acme.io"},
    "external_id": "slack:T0:C_ACME:1700000000.000100",
}


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    def follow(self, schedule: list[float]) -> bool:
        """The A.2.9 schedule with jitter: each wait between half and all of its step."""
        return len(self) == len(schedule) and all(d / 2 <= s <= d for s, d in zip(self, schedule, strict=True))


@pytest.fixture
def zendesk():
    fake = FakeZendesk(email="bot@example.com", api_token="tok").start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(zendesk: FakeZendesk, sleeps: Sleeps):
    c = ZendeskClient(zendesk.url, "bot@example.com", "tok", sleep=sleeps)
    yield c
    c.close()


def test_create_sends_idempotency_key_and_external_id(client, zendesk):
    created = client.create_ticket(TICKET, KEY)
    assert created.id == 4821 and not created.idempotency_hit
    [post] = zendesk.ticket_creates()
    assert post.headers["idempotency-key"] == KEY
    assert post.body["ticket"]["external_id"] == "slack:T0:C_ACME:1700000000.000100"
    assert post.headers["authorization"].startswith("Basic ")


def test_same_key_same_payload_replays_the_first_ticket(client, zendesk):
    first = client.create_ticket(TICKET, KEY)
    again = client.create_ticket(TICKET, KEY)
    assert again.id == first.id and again.idempotency_hit
    assert len(zendesk.tickets()) == 1


def test_same_key_different_payload_is_rejected(client):
    client.create_ticket(TICKET, KEY)
    with pytest.raises(ZendeskInvalid) as err:
        client.create_ticket({**TICKET, "subject": "other"}, KEY)
    assert err.value.status == 400 and err.value.body["error"] == "IdempotentRequestError"


def test_concurrent_creates_with_one_key_make_one_ticket(zendesk):
    ids: list[int] = []

    def create() -> None:
        c = ZendeskClient(zendesk.url, "bot@example.com", "tok", sleep=lambda s: None)
        ids.append(c.create_ticket(TICKET, KEY).id)
        c.close()

    threads = [threading.Thread(target=create) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(ids) == {4821} and len(zendesk.tickets()) == 1


def test_5xx_retries_with_backoff_under_the_same_key(client, zendesk, sleeps):
    """E9(a): two 503s then 201 -> one ticket; every POST carries the same Idempotency-Key."""
    zendesk.fail_next(2, 503)
    created = client.create_ticket(TICKET, KEY)
    assert created.id == 4821
    posts = zendesk.ticket_creates()
    assert [p.status for p in posts] == [503, 503, 201]
    assert {p.headers["idempotency-key"] for p in posts} == {KEY}
    assert sleeps.follow([1.0, 4.0])


def test_outage_outlasting_retries_raises_unavailable(client, zendesk, sleeps):
    zendesk.set_outage(503)
    with pytest.raises(ZendeskUnavailable):
        client.create_ticket(TICKET, KEY)
    assert sleeps.follow([1.0, 4.0, 15.0])
    assert len(zendesk.ticket_creates()) == 4
    zendesk.set_outage(None)
    assert client.create_ticket(TICKET, KEY).id == 4821


def test_429_waits_retry_after_and_is_not_a_failure(client, zendesk, sleeps):
    zendesk.fail_next(1, 429, retry_after=7)
    assert client.create_ticket(TICKET, KEY).id == 4821
    assert sleeps == [7.0]


def test_connection_refused_is_unavailable(sleeps):
    c = ZendeskClient("http://127.0.0.1:9", "e", "t", sleep=sleeps, timeout_s=0.5)
    with pytest.raises(ZendeskUnavailable):
        c.find_tickets_by_external_id("x")
    assert sleeps.follow([1.0, 4.0, 15.0])


def test_bad_credentials_raise_auth_error_without_retry(zendesk, sleeps):
    c = ZendeskClient(zendesk.url, "bot@example.com", "wrong", sleep=sleeps)
    with pytest.raises(ZendeskAuthError):
        c.create_ticket(TICKET, KEY)
    assert sleeps == []


def test_find_by_external_id_finds_the_created_ticket(client):
    client.create_ticket(TICKET, KEY)
    found = client.find_tickets_by_external_id("slack:T0:C_ACME:1700000000.000100")
    assert [t["id"] for t in found] == [4821]
    assert client.find_tickets_by_external_id("slack:T0:C_ACME:1.2") == []


def test_add_comment_appends_in_order(client, zendesk):
    ticket_id = client.create_ticket(TICKET, KEY).id
    client.add_comment(ticket_id, "**Dev (Acme) in Slack:** Still broken", public=True)
    client.add_comment(ticket_id, "owner: Alice", public=False)
    bodies = [(c["body"], c["public"]) for c in zendesk.comments(ticket_id)]
    assert bodies[1:] == [("**Dev (Acme) in Slack:** Still broken", True), ("owner: Alice", False)]


def test_org_lookup_by_external_id(client, zendesk):
    zendesk.add_organization(901, "0189-acme", tags=["priority_customer"])
    [org] = client.find_organizations_by_external_id("0189-acme")
    assert org["id"] == 901 and org["tags"] == ["priority_customer"]
    assert client.find_organizations_by_external_id("nope") == []


def test_get_ticket_status_and_missing(client, zendesk):
    ticket_id = client.create_ticket(TICKET, KEY).id
    zendesk.set_ticket_status(ticket_id, "closed")
    assert client.get_ticket(ticket_id)["status"] == "closed"
    assert client.get_ticket(999999) is None


def test_create_or_update_user_by_external_id_is_stable(client):
    first = client.create_or_update_user({"name": "Dev", "external_id": "slack:T_ACME:U_EXT1"})
    again = client.create_or_update_user({"name": "Dev A.", "external_id": "slack:T_ACME:U_EXT1"})
    assert first["id"] == again["id"]


def test_agent_url_points_at_the_zendesk_instance(zendesk):
    c = ZendeskClient("https://acme.zendesk.com/", "e", "t")
    assert c.agent_url(4821) == "https://acme.zendesk.com/agent/tickets/4821"


def test_fake_does_not_reopen_a_solved_ticket_on_a_public_comment_but_the_status_field_does(client, zendesk):
    ticket_id = client.create_ticket(TICKET, KEY).id
    zendesk.set_ticket_status(ticket_id, "solved")
    client.add_comment(ticket_id, "thanks, still broken", public=True)
    assert client.get_ticket(ticket_id)["status"] == "solved"  # like an instance without a reopen trigger
    answer = client.add_comment(ticket_id, "still broken", public=True, status="open")
    assert answer["ticket"]["status"] == "open" and client.get_ticket(ticket_id)["status"] == "open"


def test_fake_status_moves_follow_zendesk(client, zendesk):
    ticket_id = client.create_ticket(TICKET, KEY).id
    client.add_comment(ticket_id, "looking", public=False, status="open")
    with pytest.raises(ZendeskInvalid):
        client.add_comment(ticket_id, "x", public=False, status="new")  # never back to new
    with pytest.raises(ZendeskInvalid):
        client.add_comment(ticket_id, "x", public=False, status="closed")  # only a solved ticket closes
    with pytest.raises(ZendeskInvalid):
        client.add_comment(ticket_id, "x", public=False, status="done")
    client.add_comment(ticket_id, "fixed", public=True, status="solved")
    client.add_comment(ticket_id, "closing", public=False, status="closed")
    with pytest.raises(ZendeskInvalid):
        client.add_comment(ticket_id, "too late", public=True, status="open")  # closed is final
    assert client.get_ticket(ticket_id)["status"] == "closed"


def test_users_by_email_are_exact_matches_and_authors_must_exist(client, zendesk):
    agent = zendesk.add_user("Alice@PostHog.example", "Alice")
    zendesk.add_user("alice@posthog.example.org", "Other Alice", role="end-user")
    [found] = client.find_users_by_email("alice@posthog.example")
    assert (found["id"], found["role"]) == (agent["id"], "agent")
    assert client.find_users_by_email("nobody@posthog.example") == []
    ticket_id = client.create_ticket(TICKET, KEY).id
    client.add_comment(ticket_id, "on it", public=True, author_id=agent["id"])
    assert zendesk.comments(ticket_id)[-1]["author_id"] == agent["id"]
    with pytest.raises(ZendeskInvalid):
        client.add_comment(ticket_id, "who?", public=True, author_id=999999)
