"""Secrets never reach the logs. A realistic stretch of work runs with every logger at DEBUG:
signed slash commands and a forged one, a :ticket: reaction whose Zendesk call fails once, a Stripe
webhook (and a forged one), a CreditBot run whose Stripe calls fail, a Vitally sync that is refused
and one that fails; then the captured log text is searched for the bot token, the signing secret,
the Stripe API key and webhook secret, the Zendesk API token and the Vitally API key, verbatim and
in the Basic-auth form they travel in. The same is done with the log file of a `gtmbot serve`
process running at LOG_LEVEL=DEBUG."""

from __future__ import annotations

import base64
import io
import json
import logging
import time

import httpx
import pytest
from pydantic import SecretStr

from bot.app import create_app
from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver, sign
from bot.fakes.slack import FakeSlack
from bot.fakes.stripe import FakeStripe, sign_webhook
from bot.fakes.vitally import FakeVitally
from bot.fakes.workspace import mirror_directory, seed_workspace
from bot.fakes.zendesk import FakeZendesk
from bot.importer import import_document
from bot.importer.settings import DEFAULT_TRAIT_MAP
from bot.importer.vitally_sync import SyncParams, run_sync
from bot.logs import RedactingFormatter
from bot.outbox import backlog
from bot.server import HttpServer, make_wsgi_app
from bot.settings import Settings
from bot.tickets.settings import TicketSettings
from jobs import run_job
from tests.reliability.conftest import confirmations, quick_stop, settle, ticket_event, wait
from tests.reliability.test_signatures import failed_invoice_event
from tests.tickets.fixtures import ACME_DOC, ROOT, setup_acme_world

BOT_TOKEN = "xoxb-4242424242-SECRETBOTTOKEN0x9f3a"
SIGNING_SECRET = "sigsecret7f3a9c2e5b1d0c4a"
STRIPE_KEY = "sk_test_SECRETSTRIPEKEY51Hq8w"
WEBHOOK_SECRET = "whsec_SECRETHOOKq8w7e6r5t"
ZENDESK_EMAIL = "bot@posthog.example"
ZENDESK_TOKEN = "zdtokSECRET4e5f6a7b8c9d"
VITALLY_KEY = "vitallySECRETk3y8d9c0b1a"

SECRETS = {
    "bot token": BOT_TOKEN,
    "signing secret": SIGNING_SECRET,
    "Stripe API key": STRIPE_KEY,
    "Stripe webhook secret": WEBHOOK_SECRET,
    "Zendesk API token": ZENDESK_TOKEN,
    "Vitally API key": VITALLY_KEY,
    # the forms they travel in on the wire
    "Zendesk Basic auth": base64.b64encode(f"{ZENDESK_EMAIL}/token:{ZENDESK_TOKEN}".encode()).decode(),
    "Vitally Basic auth": base64.b64encode(f"{VITALLY_KEY}:".encode()).decode(),
}


def leaks(text: str) -> list[str]:
    found = [name for name, value in SECRETS.items() if value in text]
    # a fragment long enough to identify a secret counts too (e.g. a token cut by a log line's width)
    found += [f"{name} (fragment)" for name, value in SECRETS.items()
              if name not in found and any(value[i:i + 16] in text for i in range(0, len(value) - 15))]
    return found


@pytest.fixture
def fake_slack():
    fake = seed_workspace(FakeSlack(bot_token=BOT_TOKEN).start())
    yield fake
    quick_stop(fake)


@pytest.fixture
def zendesk_fake():
    fake = FakeZendesk(email=ZENDESK_EMAIL, api_token=ZENDESK_TOKEN).start()
    fake.add_organization(901, "0189-acme", name="12345 - Acme", tags=["priority_customer"])
    yield fake
    quick_stop(fake)


@pytest.fixture
def stripe_fake():
    fake = FakeStripe()
    fake.start()
    yield fake
    quick_stop(fake)


@pytest.fixture
def vitally_fake():
    fake = FakeVitally(api_key=VITALLY_KEY).start()
    fake.add("accounts", id="v-acme", externalId="0189-acme", name="Acme Robotics", traits={"arr": 1000})
    yield fake
    quick_stop(fake)


@pytest.fixture
def settings(db_url, fake_slack, zendesk_fake, stripe_fake, vitally_fake) -> Settings:
    return Settings(
        slack_bot_token=SecretStr(BOT_TOKEN), slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake_slack.url, database_url=db_url, scheduler_enabled=False,
        stripe_api_key=SecretStr(STRIPE_KEY), stripe_webhook_secret=SecretStr(WEBHOOK_SECRET),
        stripe_api_base=stripe_fake.url, zendesk_url=zendesk_fake.url, zendesk_email=ZENDESK_EMAIL,
        zendesk_api_token=SecretStr(ZENDESK_TOKEN), vitally_api_url=vitally_fake.url,
        vitally_api_key=SecretStr(VITALLY_KEY), log_level="DEBUG",
        retry_max_attempts=3, retry_backoff_base_s=0.01, retry_backoff_cap_s=0.05,
    )


def production_format(records: list[logging.LogRecord]) -> str:
    """The records as the operator's log shows them (bot.logs's formatter, plain and JSON lines)."""
    secrets = list(SECRETS.values())[:6]
    out = []
    for json_lines in (False, True):
        formatter = RedactingFormatter(json_lines=json_lines, secrets=secrets)
        for record in records:
            record.request_id = getattr(record, "request_id", "-")
            out.append(formatter.format(record))
    return "\n".join(out)


def test_a_day_of_work_at_debug_logs_no_secret(rt, fake_slack, zendesk_fake, stripe_fake, vitally_fake, caplog,
                                              monkeypatch):
    caplog.set_level(logging.DEBUG)
    for name in ("slack_bolt", "slack_sdk", "httpx", "httpcore", "stripe", "urllib3", "waitress", "sqlalchemy"):
        caplog.set_level(logging.DEBUG, logger=name)
    monkeypatch.setenv("STRIPE_LOG", "debug")

    def seed(doc: dict) -> None:
        with session_scope(rt.session_factory) as s:
            import_document(doc, s)
        with session_scope(rt.session_factory) as s:
            mirror_directory(fake_slack, s)

    setup_acme_world(fake_slack, seed)
    seed({"team": ACME_DOC["team"], "accounts": [{"id": "rel-fjord", "name": "Fjord Logistics",
                                                  "stripe_customer_ids": ["cus_FJORD"], "owner_slack_id": "U_ALICE"}]})
    rt.cache["ticket_settings"] = TicketSettings(ticket_sync_min_interval_s=0, zendesk_org_id_field_id=360001,
                                                 zendesk_retry_delays_s=(0.05, 0.1))
    server = HttpServer(make_wsgi_app(rt, create_app(rt))).start()
    try:
        bot = SlackDriver(server.url, SIGNING_SECRET, fake_slack)
        # signed commands, one forged
        assert bot.command("/quote", "120k 2y net30", user="U_ALICE").status == 200
        assert bot.command("/churn-risk", "fjord", user="U_ALICE").text()
        body, _, _ = bot.command_body("/quote", "120k", user="U_ALICE")
        assert bot.post_raw(body, "application/x-www-form-urlencoded", signature=sign("guess", "1", body)).status_code == 401
        # a :ticket: reaction; Zendesk fails once, then creates the ticket
        zendesk_fake.fail_next(1, 500, path_prefix="/api/v2/tickets.json", method="POST")
        fake_slack.add_message("C_ACME", "Our funnels stopped loading", user="U_EXT1", ts=ROOT)
        assert bot.event(ticket_event()).status_code == 200
        wait(lambda: confirmations(fake_slack))
        # Stripe webhooks: a genuine one (the invoice is re-read from Stripe, which fails) and a forged one
        stripe_fake.fail("/v1/invoices", 500, times=3)
        url = server.url + "/stripe/webhook"
        event = json.dumps(failed_invoice_event())
        assert httpx.post(url, content=event, headers={"Stripe-Signature": sign_webhook(event, WEBHOOK_SECRET)}).status_code == 200
        assert httpx.post(url, content=event, headers={"Stripe-Signature": sign_webhook(event, "whsec_x")}).status_code == 400
        # CreditBot with Stripe down: the job fails and logs the error with its traceback
        stripe_fake.fail("/v1/customers", 503, times=3)
        with pytest.raises(Exception):  # noqa: B017 - the StripeError; what matters is what was logged
            run_job(rt, "creditbot")
        # Vitally: a sync that fails after retries, and one refused for a wrong key
        vitally_fake.fail("admins", 503, times=10)
        params = SyncParams(api_url=vitally_fake.url, api_key=VITALLY_KEY, trait_map=dict(DEFAULT_TRAIT_MAP),
                            max_retries=1)
        assert run_sync(params, rt.session_factory, progress=False, stdout=io.StringIO(), stderr=io.StringIO()) == 2
        zendesk_fake.set_outage(None)
        settle()
    finally:
        server.stop()

    assert any(r.levelno >= logging.WARNING for r in caplog.records), "the flow did log its failures"
    assert any(r.exc_info for r in caplog.records), "and at least one traceback"
    assert leaks(production_format(caplog.records)) == []
    assert leaks(caplog.text) == [], "secrets must not even reach a log record"


def _backlog(rt) -> int:
    with session_scope(rt.session_factory) as s:
        return backlog(s)


def test_serve_process_log_at_debug_has_no_secret(settings, rt, fake_slack, serve_process, stripe_fake):
    sp = serve_process(LOG_LEVEL="DEBUG", STRIPE_API_KEY=STRIPE_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                       STRIPE_API_BASE=stripe_fake.url, ZENDESK_URL=settings.zendesk_url, ZENDESK_EMAIL=ZENDESK_EMAIL,
                       ZENDESK_API_TOKEN=ZENDESK_TOKEN, VITALLY_API_URL=settings.vitally_api_url,
                       VITALLY_API_KEY=VITALLY_KEY, STRIPE_LOG="debug")
    bot = SlackDriver(sp.url, SIGNING_SECRET, fake_slack)
    assert bot.command("/quote", "120k 2y net30").status == 200
    assert bot.command("/churn-risk", "").text()
    body, _, _ = bot.command_body("/quote", "120k")
    assert bot.post_raw(body, "application/x-www-form-urlencoded", signature="v0=forged").status_code == 401
    assert bot.post_raw(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600).status_code == 401
    stripe_fake.fail("/v1/invoices", 500, times=3)
    event = json.dumps(failed_invoice_event())
    url = sp.url + "/stripe/webhook"
    assert httpx.post(url, content=event, headers={"Stripe-Signature": sign_webhook(event, WEBHOOK_SECRET)}).status_code == 200
    assert httpx.post(url, content=event, headers={"Stripe-Signature": "t=1,v1=00"}).status_code == 400
    wait(lambda: _backlog(rt) == 0)  # the child has sent (and logged) what the webhook queued
    sp.stop()
    log = sp.log()
    assert "DEBUG" in log, "the process did log at DEBUG"
    assert leaks(log) == []
