# ruff: noqa: F811  -- pytest fixtures come from tests.importer.support
"""`gtmbot sync vitally` against the local Vitally fake: pagination, retries on 429 and 5xx,
a bad record skipped and reported, a rerun changes nothing, owners matched by email."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from bot.clients.vitally import VitallyClient, VitallyError
from bot.db import models
from bot.importer.settings import DEFAULT_TRAIT_MAP, ImporterSettings
from bot.importer.vitally_sync import SyncParams, health_label, map_account, run_sync
from tests.fakes.vitally import FakeVitally
from tests.importer.support import Importer, importer, seeded  # noqa: F401

NOW = datetime(2025, 6, 4, 9, 0, tzinfo=UTC)  # a Wednesday: rows land on Monday 2025-06-02


@pytest.fixture
def vitally():
    fake = FakeVitally().start()
    yield fake
    fake.stop()


def params(fake: FakeVitally, **overrides) -> SyncParams:
    values = {"api_url": fake.url, "api_key": fake.api_key, "trait_map": dict(DEFAULT_TRAIT_MAP), "page_size": 2,
              "batch_size": 2, "app_url": "https://acme.vitally.io"}
    values.update(overrides)
    return SyncParams(**values)


def sync(importer: Importer, fake: FakeVitally, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    client = VitallyClient(fake.url, fake.api_key, page_size=2, sleep=kwargs.pop("sleep", lambda s: None))
    status = run_sync(kwargs.pop("params", None) or params(fake), importer.session_factory, progress=False,
                      stdout=out, stderr=err, now=NOW, client=client, lookup_slack_id=kwargs.pop("lookup", None))
    return status, out.getvalue(), err.getvalue()


def seed_vitally(fake: FakeVitally) -> None:
    fake.add("admins", id="adm-1", name="Alex Rivera", email="ALEX@example.com")
    fake.add("admins", id="adm-2", name="New Person", email="new.person@example.com")
    fake.add("accounts", id="v-acme", externalId="0189-acme", name="Acme Robotics", accountOwnerId="adm-1",
             healthScore=8.4, segments=[{"id": "s1", "name": "Annual Plan"}, {"id": "s2", "name": "churn risk"}],
             lastInboundMessageTimestamp="2025-06-01T10:00:00.000Z",
             traits={"arr": 51000.5, "New Owner": "Ready to move", "Paying for Session Replay": True,
                     "Paying for Feature Flags": True, "session_replay_billing_limit": 3000,
                     "Stripe Customer ID": "cus_AcmeRobotics", "zendesk_id": "901", "Total event count": 1500000,
                     "siteURL": "https://eu.posthog.com", "active_users_30d": 14, "risk_indicators": ["no_reverse_proxy"],
                     "active_batch_exports": ["BigQuery"]})
    fake.add("accounts", id="v-gale", externalId="0192-gale", name="Gale Labs", accountOwnerId="adm-2", healthScore=3.1,
             traits={"arr": 12000})
    fake.add("accounts", id="v-bad", externalId="0193-bad", name="Bad Trait Co", traits={"arr": "lots"})
    fake.add("accounts", id="v-noext", name="No External Id")
    fake.add("accounts", id="v-hale", externalId="0194-hale", name="Hale Co", healthScore=6.0)
    fake.add("notes", id="n-1", accountId="v-acme", subject="Q3 Account Plan", note="Expand flags", authorId="adm-1",
             createdAt="2025-05-30T10:00:00Z", updatedAt="2025-06-01T10:00:00Z")
    fake.add("notes", id="n-2", accountId="v-gale", subject="Kickoff", createdAt="2025-05-01T10:00:00Z")
    fake.add("users", id="u-1", email="Ops@Acme.io", name="Ops", accounts=[{"id": "v-acme"}])


def test_sync_maps_accounts_pages_and_reports_bad_records(seeded: Importer, vitally: FakeVitally):
    seed_vitally(vitally)
    status, out, err = sync(seeded, vitally, lookup=lambda email: "U0NEWP1" if email == "new.person@example.com" else None)
    assert status == 1  # some records skipped
    assert "synced 3 accounts from Vitally (2 skipped, 1 owners added to the team)" in out
    assert 'vitally: vitally account v-bad (id "0193-bad"): arr: E_FORMAT: "lots" is not a money value' in err
    assert "vitally account v-noext" in err and "externalId: E_REQUIRED" in err
    # cursor pagination: 5 accounts at 2 a page = 3 requests, the later ones with `from`
    calls = vitally.calls("accounts")
    assert [c.params.get("limit") for c in calls] == ["2", "2", "2"] and "from" in calls[1].params

    acme = seeded.account("0189-acme")
    assert acme.arr == Decimal("51000.50") and acme.new_owner == "Ready to move"
    assert acme.paying_for == ["session_replay", "feature_flags"]
    assert acme.billing_limits == {"session_replay": "3000.00"}
    assert acme.segments == ["Annual Plan", "Churn Risk"] and acme.churn_risk_flagged_at == NOW
    assert acme.cloud == "EU" and acme.active_users_30d == 14 and acme.risk_indicators == ["no_reverse_proxy"]
    assert acme.destinations == [{"kind": "batch_export", "vendor": "BigQuery"}]
    assert acme.vitally_url == "https://acme.vitally.io/accounts/v-acme"
    assert acme.owner_slack_id == "U0TAE01"  # admin matched to the team by email
    health = acme.series("health_history")
    assert (health[-1].period, health[-1].value, health[-1].label) == ("2025-06-02", Decimal("8.40"), "Good")
    assert acme.series("events_weekly")[-1].period == "2025-06-02" and acme.series("events_weekly")[-1].value == 1500000
    plan = next(n for n in acme.notes if n.note_id == "n-1")
    assert plan.kind == "account_plan" and plan.author == "alex@example.com"
    assert [c.email for c in acme.contacts] == ["ops@acme.io"]
    assert acme.last_inbound_at == datetime(2025, 6, 1, 10, tzinfo=UTC)
    # fields Vitally did not supply are left as they were
    assert acme.credit_amount == Decimal("60000.00") and acme.billing_email == "ap@acme.io"
    assert len(acme.series("usage", "session_replay")) == 4

    gale = seeded.account("0192-gale")
    assert gale.owner.slack_id == "U0NEWP1" and gale.owner.role == "OTHER" and gale.owner.email == "new.person@example.com"
    assert gale.series("health_history")[0].label == "Poor"
    assert gale.notes[0].kind == "other" and gale.notes[0].created_at == gale.notes[0].updated_at
    assert seeded.account("0194-hale").owner is None
    with seeded.session() as session:
        assert session.get(models.Account, "0193-bad") is None


def test_sync_on_a_terminal_shows_a_bar_per_stage(seeded: Importer, vitally: FakeVitally):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    seed_vitally(vitally)
    screen, out = Terminal(), io.StringIO()
    client = VitallyClient(vitally.url, vitally.api_key, page_size=2, sleep=lambda s: None)
    run_sync(params(vitally), seeded.session_factory, progress=True, stdout=out, stderr=screen, now=NOW, client=client)
    shown = screen.getvalue()
    assert "vitally: admins" in shown and "vitally: accounts" in shown and "5/5" in shown
    assert "synced 3 accounts" in out.getvalue()


def test_rerun_changes_nothing(seeded: Importer, vitally: FakeVitally):
    seed_vitally(vitally)
    sync(seeded, vitally, lookup=lambda email: "U0NEWP1" if email == "new.person@example.com" else None)
    before = seeded.dump()
    status, out, _err = sync(seeded, vitally)
    assert status == 1 and "0 owners added" in out
    assert seeded.dump() == before


def test_429_then_success_honours_retry_after(seeded: Importer, vitally: FakeVitally):
    vitally.add("accounts", id="v1", externalId="0201-one", name="One")
    vitally.fail("accounts", 429, times=2, retry_after=3)
    waits: list[float] = []
    status, out, err = sync(seeded, vitally, sleep=waits.append)
    assert status == 0, err
    assert waits == [3.0, 3.0]
    assert [c.status for c in vitally.calls("accounts")] == [429, 429, 200]
    assert seeded.account("0201-one").name == "One"


def test_5xx_is_retried_with_backoff(seeded: Importer, vitally: FakeVitally):
    vitally.add("accounts", id="v1", externalId="0201-one", name="One")
    vitally.fail("notes", 503, times=1)
    vitally.fail("accounts", 500, times=2)
    waits: list[float] = []
    status, _out, err = sync(seeded, vitally, sleep=waits.append)
    assert status == 0, err
    # capped exponential backoff with jitter: each wait between half and all of 0.5 s, 0.5 s, 1 s
    assert len(waits) == 3 and all(d / 2 <= w <= d for w, d in zip(waits, [0.5, 0.5, 1.0], strict=True))
    assert seeded.account("0201-one").name == "One"


def test_vitally_down_exits_2_and_keeps_what_was_written(seeded: Importer, vitally: FakeVitally):
    vitally.fail("admins", 500, times=10)
    status, _out, err = sync(seeded, vitally)
    assert status == 2 and "HTTP 500 after 6 attempts" in err
    assert seeded.account("0189-acme").name == "Acme Robotics"


def test_missing_api_key_exits_2(seeded: Importer):
    err = io.StringIO()
    status = run_sync(SyncParams(api_url="http://127.0.0.1:9", api_key="", trait_map={}), seeded.session_factory,
                      progress=False, stderr=err)
    assert status == 2 and "VITALLY_API_KEY" in err.getvalue()


def test_wrong_key_is_not_retried(vitally: FakeVitally):
    client = VitallyClient(vitally.url, "wrong", sleep=lambda s: None)
    with pytest.raises(VitallyError, match="401"):
        list(client.paginate("accounts"))
    assert len(vitally.requests) == 1


def test_network_errors_are_retried():
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={"results": [{"id": "a"}], "next": None})

    client = VitallyClient("http://vitally.test", "k", sleep=lambda s: None, transport=httpx.MockTransport(handler))
    assert list(client.paginate("accounts")) == [{"id": "a"}]
    assert len(attempts) == 3


def test_trait_map_setting_renames_traits(monkeypatch):
    monkeypatch.setenv("VITALLY_TRAIT_MAP", '{"arr": "ARR (USD)"}')
    trait_map = ImporterSettings().trait_map()
    assert trait_map["arr"] == "ARR (USD)" and trait_map["new_owner"] == "New Owner"
    p = SyncParams(api_url="x", api_key="k", trait_map=trait_map)
    doc = map_account({"externalId": "a1", "name": "A", "traits": {"ARR (USD)": 100, "arr": 5}}, p,
                      today=date(2025, 6, 4), owner_slack_id=None)
    assert doc["arr"] == "100.00"


@pytest.mark.parametrize(("score", "label"), [(10, "Good"), (7, "Good"), (6.99, "Concerning"), (4, "Concerning"), (3.9, "Poor")])
def test_health_label_bands(score, label):
    assert health_label(score, SyncParams(api_url="x", api_key="k", trait_map={})) == label
