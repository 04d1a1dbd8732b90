"""Properties of the ticket policy that must hold for any input (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.tickets.settings import DEFAULT_PRIORITY_MAP
from services.tickets.policy import (
    PRIORITY_RANK,
    TIER_TAGS,
    Person,
    SlackMessage,
    TicketKey,
    build_transcript,
    priority_for,
    should_sync_reply,
)

ids = st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True)
ts_values = st.integers(min_value=1_600_000_000_000_000, max_value=1_800_000_000_000_000).map(
    lambda n: f"{n // 1_000_000}.{n % 1_000_000:06d}"
)


@given(st.lists(st.sampled_from([*TIER_TAGS, "vip", "org-checked"]), max_size=8))
def test_priority_is_the_most_favourable_and_order_free(tags):
    got = priority_for(tags, DEFAULT_PRIORITY_MAP)
    assert got == priority_for(list(reversed(tags)), DEFAULT_PRIORITY_MAP)
    mapped = [DEFAULT_PRIORITY_MAP[t] for t in tags if t in DEFAULT_PRIORITY_MAP]
    assert PRIORITY_RANK[got] == (
        max(PRIORITY_RANK[p] for p in mapped) if mapped else PRIORITY_RANK["normal"]
    )


@given(ids, ids, ts_values, st.integers(1, 5), ids, ids, ts_values, st.integers(1, 5))
def test_keys_are_deterministic_and_distinct_per_thread(t1, c1, ts1, g1, t2, c2, ts2, g2):
    a, b = TicketKey(t1, c1, ts1, g1), TicketKey(t2, c2, ts2, g2)
    assert a.external_id == TicketKey(t1, c1, ts1, g1).external_id
    if (t1, c1, ts1, g1) != (t2, c2, ts2, g2):
        assert a.external_id != b.external_id and a.idempotency_key != b.idempotency_key
    assert len(a.idempotency_key) <= 255


@given(
    st.lists(
        st.tuples(ts_values, st.text(min_size=1, max_size=400)),
        min_size=1,
        max_size=30,
        unique_by=lambda m: m[0],
    ),
    st.integers(min_value=300, max_value=8000),
)
def test_transcript_fits_and_accounts_for_every_message(raw, max_chars):
    people = {"U1": Person("U1", "Dev", "T_ACME")}
    messages = [SlackMessage(ts, "U1", text) for ts, text in raw]
    t = build_transcript(
        messages,
        people,
        raised_ts=messages[-1].ts,
        raised_by="Dev",
        our_team_id="T0",
        customer_company="Acme",
        max_chars=max_chars,
        thread_permalink="https://slack/p",
    )
    assert len(t.body) <= max_chars
    assert len(t.included_ts) + t.omitted == len(messages)
    assert list(t.included_ts) == sorted(t.included_ts, key=float)
    assert max((m.ts for m in messages), key=float) in t.included_ts  # the newest message always survives


@given(st.lists(ts_values, min_size=1, max_size=20))
def test_a_reply_syncs_at_most_once(replies):
    synced: list[str] = []
    for ts in replies + replies:
        msg = SlackMessage(ts, "U1", "text", thread_ts="1.000000")
        if should_sync_reply(msg, bot_user_id="UBOT", bot_id=None, already_synced=synced):
            synced.append(ts)
    assert sorted(synced) == sorted(set(replies) - {"1.000000"})
