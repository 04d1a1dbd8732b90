"""Fuzzed /quote and /discount text through the signed Slack path: always an answer, never the
error handler's apology (which would mean a traceback)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOKENS = st.sampled_from(["25k", "1.5m", "10k/mo", "2y", "18m", "net60", "card", "check", "monthly", "--new",
                          "--renewal", "--days-to-expiry=70", "--expansion-of=60k:12m:30%", "--month=3", "30%",
                          "price=9000", "--role=csm", "--basis=total", "help", "\u2014startup", "$", "=", "%", "--"])
TEXTS = st.one_of(st.text(max_size=40), st.lists(st.one_of(TOKENS, st.text(max_size=6)), max_size=7).map(" ".join))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS, command=st.sampled_from(["/quote", "/discount"]))
def test_fuzzed_commands_always_get_an_answer(bot, text, command):
    reply = bot.command(command, text)
    assert reply.status == 200
    shown = reply.text()
    assert shown and "something went wrong" not in shown
    assert reply.first()["response_type"] == "ephemeral"
