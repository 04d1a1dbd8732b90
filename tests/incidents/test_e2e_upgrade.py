"""Upgrading to SEV 0 reaches customers (spec C.2, C.6): `/incident sev sev0` asks first, then
the SEV 0 initial goes through the same draft → preview → confirm as a SEV 0 declaration, to
every affected channel exactly once; later updates thread under it."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.session import session_scope
from bot.incidents.blocks import ACTION_SEND_MINE
from bot.incidents.tables import Broadcast
from tests.incidents.fixtures import COORD, declare_values, opened_view, submit, text_input
from tests.incidents.fixtures import select as pick

CONFIRM = {"confirm": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}}
SEV0_INITIAL = (
    "We're investigating a major incident affecting feature flags. Flag evaluation fails for every request.\n\n"
    "Our engineering team is actively working on a fix. We'll post updates here every 15–30 minutes until this is resolved."
)


def _thread(fake) -> list[dict]:
    card = fake.posts(COORD)[0]
    return [m for m in fake.posts(COORD) if m.get("thread_ts") == card["ts"] and m["ts"] != card["ts"]]


def _sev2_with_acme_told(fake, bot) -> None:
    """A SEV 2 on the owner route (EU, feature flags: Acme and Initech); Alice sends to Acme."""
    bot.command("/incident", "declare sev2 Flags slow", user="U_SIMON", channel="C0GENERAL")
    draft = submit(bot, opened_view(fake, "incident_declare"), declare_values(2, "feature flags", "flag evaluation is slow", cloud="EU", products=["feature_flags"]), "U_SIMON")["view"]
    assert submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("flag evaluation is slow"), "route": pick("owners", "radio_buttons")}, "U_SIMON") == {"response_action": "clear"}
    shared = fake.wait_for(lambda: _thread(fake))[0]
    send = next(e for b in shared["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ACTION_SEND_MINE)
    bot.click(send, user="U_ALICE", channel=COORD)
    fake.wait_for(lambda: fake.posts("C_ACME"))


def _broadcasts_done(fake, rt, n: int) -> None:
    def done():
        with session_scope(rt.session_factory) as s:
            rows = list(s.scalars(select(Broadcast)))
            return len(rows) == n and all(b.status in ("sent", "partially_failed", "failed") for b in rows)

    fake.wait_for(done, 30)


def test_upgrade_to_sev0_broadcasts_the_sev0_initial_to_every_affected_channel_once(incident_world, bot, rt):
    fake = incident_world
    _sev2_with_acme_told(fake, bot)

    # /incident sev sev0 asks first; nothing changes until the CMOC confirms
    reply = bot.command("/incident", "sev sev0", user="U_SIMON", channel="C0GENERAL")
    assert reply.status == 200
    ask = opened_view(fake, "incident_upgrade_sev0")
    assert "Upgrade INC-1 from SEV 2 – Major to SEV 0 – Emergency?" in str(ask["blocks"])
    assert "SEV 2 – Major" in bot.command("/incident", "status", user="U_SIMON").text()

    answer = submit(bot, ask, {}, "U_SIMON")
    assert answer["response_action"] == "update"
    draft = answer["view"]
    assert draft["callback_id"] == "incident_draft" and draft["title"]["text"] == "INC-1 initial"
    assert "SEV 0" in str(draft["blocks"])
    fake.wait_for(lambda: any("Severity changed to *SEV 0 – Emergency*" in m["text"] for m in _thread(fake)))

    preview = submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("Flag evaluation fails for every request.")}, "U_SIMON")["view"]
    assert preview["blocks"][0]["text"]["text"] == "*2 channels* will get this, posted as *PostHog*"
    assert "#ext-acme" in str(preview["blocks"]) and "#ext-initech" in str(preview["blocks"]) and "#ext-globex" not in str(preview["blocks"])
    assert submit(bot, preview, CONFIRM, "U_SIMON") == {"response_action": "clear"}
    _broadcasts_done(fake, rt, 1)

    acme, initech = fake.posts("C_ACME"), fake.posts("C_INITECH")
    assert len(acme) == 2 and len(initech) == 1 and fake.posts("C_GLOBEX") == []  # Acme had the SEV 2 message
    for post in (acme[1], initech[0]):
        assert post["text"] == SEV0_INITIAL and post["username"] == "PostHog" and not post.get("thread_ts")
    notice = next(m for m in _thread(fake) if "SEV 0 broadcast going out to your accounts now" in m["text"])
    assert "<@U_ALICE>" in notice["text"] and "<@U_BOB>" in notice["text"]
    status = bot.command("/incident", "status", user="U_SIMON").text()
    assert "SEV 0 – Emergency" in status and "Notified: *2/2* accounts" in status and "has not gone out yet" not in status

    # exactly once: the same preview again, and the stale draft again, post nothing more
    again = submit(bot, preview, CONFIRM, "U_SIMON")
    assert again == {"response_action": "errors",
                     "errors": {"confirm": "Already sent to all 2 channel(s): nothing left to send."}}
    stale = submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("Flag evaluation fails for every request.")}, "U_SIMON")["view"]
    assert stale["blocks"][0]["text"]["text"] == "*0 channels* will get this, posted as *PostHog*"
    refused = submit(bot, stale, CONFIRM, "U_SIMON")
    assert refused["response_action"] == "errors" and "No channel left to send to" in refused["errors"]["confirm"]
    assert len(fake.posts("C_ACME")) == 2 and len(fake.posts("C_INITECH")) == 1
    assert "already SEV 0 – Emergency" in bot.command("/incident", "sev sev0", user="U_SIMON").text()

    # the next update is an update, threaded under each channel's SEV 0 post
    bot.command("/incident", "update", user="U_SIMON")
    update = opened_view(fake, "incident_draft")
    assert update["title"]["text"] == "INC-1 update" and "Next update in (minutes, 15–30)" in str(update["blocks"])
    preview2 = submit(bot, update, {"f_feature": text_input("feature flags"), "f_status": text_input("A fix is rolling out."), "next_minutes": text_input("15")}, "U_SIMON")["view"]
    assert preview2["blocks"][0]["text"]["text"] == "*2 channels* will get this, posted as *PostHog*"
    submit(bot, preview2, CONFIRM, "U_SIMON")
    _broadcasts_done(fake, rt, 2)
    assert fake.posts("C_ACME")[2]["thread_ts"] == acme[1]["ts"]
    assert fake.posts("C_INITECH")[1]["thread_ts"] == initech[0]["ts"]


def test_closing_the_sev0_draft_leaves_update_drafting_the_sev0_initial(incident_world, bot, rt):
    fake = incident_world
    _sev2_with_acme_told(fake, bot)
    bot.command("/incident", "sev sev0", user="U_SIMON", channel="C0GENERAL")
    submit(bot, opened_view(fake, "incident_upgrade_sev0"), {}, "U_SIMON")  # then the CMOC closes the draft
    hint = bot.command("/incident", "sev sev0", user="U_SIMON").text()
    assert "already SEV 0" in hint and "/incident update" in hint
    status = bot.command("/incident", "status", user="U_SIMON").text()
    assert "The SEV 0 broadcast has not gone out yet: run `/incident update`" in status and "Notified: *1/2* accounts" in status  # the SEV 2 message reached Acme
    bot.command("/incident", "update", user="U_SIMON")
    draft = opened_view(fake, "incident_draft")
    assert draft["title"]["text"] == "INC-1 initial"
    preview = submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("Flag evaluation fails for every request.")}, "U_SIMON")["view"]
    assert preview["submit"]["text"] == "Send to 2 channels"


def test_only_cmocs_may_upgrade(incident_world, bot):
    fake = incident_world
    _sev2_with_acme_told(fake, bot)
    assert "Only the CMOCs" in bot.command("/incident", "sev sev0", user="U_ALICE").text()
    assert opened_views_count(fake) == 0


def opened_views_count(fake) -> int:
    return len([c for c in fake.calls_to("views.open") if c.args["view"].get("callback_id") == "incident_upgrade_sev0"])


def test_two_sev0_initial_confirms_racing_post_once_per_channel(incident_world, bot, rt, monkeypatch):
    """Two CMOCs confirm a SEV 0 initial each; both previews were built before either send. The
    audience check cannot see the other's rows yet (patched out here), so the database refuses."""
    fake = incident_world
    _sev2_with_acme_told(fake, bot)
    bot.command("/incident", "sev sev0", user="U_SIMON", channel="C0GENERAL")
    draft = submit(bot, opened_view(fake, "incident_upgrade_sev0"), {}, "U_SIMON")["view"]
    values = {"f_feature": text_input("feature flags"), "f_symptom": text_input("Flag evaluation fails for every request.")}
    first, second = submit(bot, draft, values, "U_SIMON")["view"], submit(bot, draft, values, "U_DANA")["view"]
    monkeypatch.setattr("bot.incidents.store.sev0_initial_channels", lambda *a, **k: set())
    assert submit(bot, first, CONFIRM, "U_SIMON") == {"response_action": "clear"}
    raced = submit(bot, second, CONFIRM, "U_DANA")
    assert raced["response_action"] == "errors" and raced["errors"]["confirm"].startswith("Already sending (")
    _broadcasts_done(fake, rt, 1)
    assert len(fake.posts("C_ACME")) == 2 and len(fake.posts("C_INITECH")) == 1
