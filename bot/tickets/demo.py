"""`gtmbot demo` for the :ticket: flow: a local fake Zendesk, the verbs `react`, `reply` and `zendesk`,
and tour lines. Loaded through `bot.demo.EXTENSIONS`."""

from __future__ import annotations

import time

from bot.clients.zendesk import ZendeskClient
from bot.demo import TOUR, DemoSession, verb
from bot.fakes.zendesk import FakeZendesk
from bot.render import blocks_to_text
from bot.tickets.flow import sweep
from bot.tickets.settings import TicketSettings

# The demo's Zendesk organizations: external_id = the account's posthog_org_id (002_59a801b964a2a19e.txt:3161).
DEMO_ORGS = [
    (901, "0300-zephyr", "Zephyr Logistics", ["priority_customer"]),
    (902, "0301-quill", "Quill Studio", []),
]
UNMAPPED_CHANNEL = ("C0TKNEWCO", "posthog-newco")
INTAKE_CHANNEL = ("C0TKWCS", "website-contact-sales")


def _zendesk(s: DemoSession) -> FakeZendesk:
    """Start the fake Zendesk once per demo session and point the bot at it."""
    fake = s.rt.cache.get("demo_fake_zendesk")
    if fake is None:
        fake = FakeZendesk().start()
        for org_id, external_id, name, tags in DEMO_ORGS:
            fake.add_organization(org_id, external_id, name=name, tags=tags)
        s.rt.cache["demo_fake_zendesk"] = fake
        s.rt.cache["zendesk_client"] = ZendeskClient(fake.url, retry_delays_s=(0.2, 0.5, 1.0))
        # No pacing in the demo: each reply syncs at once instead of seconds later.
        s.rt.cache["ticket_settings"] = TicketSettings(ticket_sync_min_interval_s=0)
        if UNMAPPED_CHANNEL[0] not in s.fake.channels:
            s.fake.add_channel(*UNMAPPED_CHANNEL, is_ext_shared=True)
        if INTAKE_CHANNEL[0] not in s.fake.channels:
            s.fake.add_channel(*INTAKE_CHANNEL)
    return fake


def _ephemerals_since(s: DemoSession, start: int) -> str:
    shown = []
    for e in s.fake.ephemerals[start:]:
        if e.get("user") == s.user:
            shown.append(f"(only you can see this)\n{blocks_to_text(e.get('blocks'), e.get('text', ''))}")
    return "\n".join(shown)


@verb("react", "react :ticket: <message>  post <message> here as you and react to it (try `in C0TKZEPHYR`)")
def _react(s: DemoSession, args: list[str]) -> str:
    if len(args) < 2 or not (args[0].startswith(":") and args[0].endswith(":")):
        return "Usage: react :ticket: Our funnels stopped loading since 9am   (in a customer channel, e.g. `in C0TKZEPHYR`)"
    zd = _zendesk(s)
    emoji, text = args[0].strip(":"), " ".join(args[1:])
    existing = next((m for m in s.fake.channel_messages(s.channel) if m.get("text") == text), None)
    message = existing or s.fake.add_message(s.channel, text, user=s.user)
    before_posts, before_eph, before_tickets = len(s.fake.posts()), len(s.fake.ephemerals), len(zd.tickets())
    started = time.monotonic()
    s.driver.event(
        {
            "type": "reaction_added",
            "user": s.user,
            "reaction": emoji,
            "item": {"type": "message", "channel": s.channel, "ts": message["ts"]},
            "item_user": message.get("user"),
            "event_ts": f"{time.time():.6f}",
        }
    )
    try:
        s.fake.wait_for(lambda: len(s.fake.posts()) > before_posts or len(s.fake.ephemerals) > before_eph, 8)
        time.sleep(0.3)  # let the internal ephemeral follow the public confirmation
    except AssertionError:
        name = s.fake.channels[s.channel]["name"]
        return (
            f"(no reply: #{name} is not a customer or intake channel, or :{emoji}: is not the ticket emoji, "
            "so the reaction is ignored quietly. Try `in C0TKZEPHYR` then `react :ticket: ...`.)"
        )
    s.rt.cache["demo_last_thread"] = (s.channel, message.get("thread_ts") or message["ts"])
    lines = []
    if len(zd.tickets()) > before_tickets:
        lines.append(
            f"(Zendesk ticket created in {1000 * (time.monotonic() - started):.0f} ms; `zendesk` shows it)"
        )
    return "\n".join(p for p in (_ephemerals_since(s, before_eph), *lines) if p)


@verb("reply", "reply <text>              reply in the last reacted thread; shows the Zendesk sync lag")
def _reply(s: DemoSession, args: list[str]) -> str:
    last = s.rt.cache.get("demo_last_thread")
    if not args or not last:
        return "Usage: reply Still broken after a refresh   (after `react :ticket: ...`)"
    zd = _zendesk(s)
    channel, thread_ts = last
    msg = s.fake.add_message(channel, " ".join(args), user=s.user, thread_ts=thread_ts)
    counts_before = {t["id"]: len(zd.comments(t["id"])) for t in zd.tickets()}
    started = time.monotonic()
    s.driver.event(
        {
            "type": "message",
            "channel": channel,
            "user": s.user,
            "text": msg["text"],
            "ts": msg["ts"],
            "thread_ts": thread_ts,
            "channel_type": "channel",
            "event_ts": msg["ts"],
        }
    )

    def synced() -> int | None:
        return next((tid for tid, n in counts_before.items() if len(zd.comments(tid)) > n), None)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and synced() is None:
        time.sleep(0.05)
    if synced() is None:  # what the tickets_sync job would do on its next run
        sweep(s.rt, __import__("bot.clock", fromlist=["now"]).now())
    ticket_id = synced()
    if ticket_id is None:
        return "(not synced yet: the thread has no ticket, or Zendesk is down; the tickets_sync job retries)"
    body = zd.comments(ticket_id)[-1]["body"]
    return f"(added to Zendesk ticket #{ticket_id} in {1000 * (time.monotonic() - started):.0f} ms)\n{body}"


@verb("zendesk", "zendesk                   tickets in the demo Zendesk (what Support sees)")
def _zendesk_list(s: DemoSession, args: list[str]) -> str:
    zd = _zendesk(s)
    tickets = zd.tickets()
    if not tickets:
        return "(no tickets yet: `in C0TKZEPHYR`, `as U0EXT01`, `react :ticket: Our funnels stopped loading`)"
    out = []
    for t in tickets:
        comments = zd.comments(t["id"])
        out.append(
            f"#{t['id']} {t['subject']}\n  priority {t['priority'] or '-'} · org {t['organization_id'] or '-'}"
            f" · tags {', '.join(t['tags'])}\n  {len(comments)} comment(s); last: "
            f"{comments[-1]['body'].splitlines()[0][:100]}"
        )
    return "\n".join(out)


TOUR.extend(
    [
        ("Tickets: go to a shared customer channel as the customer", "in C0TKZEPHYR"),
        ("Tickets: act as the Slack Connect customer", "as U0EXT01"),
        (
            "Tickets: the customer reacts :ticket: to their message",
            "react :ticket: Our funnels stopped loading since 9am",
        ),
        ("Tickets: a later reply is added to the ticket", "reply Still broken after a refresh"),
        ("Tickets: staff react on the same thread (already ticketed)", "as U0TAM01"),
        ("Tickets: second reaction", "react :ticket: Our funnels stopped loading since 9am"),
        ("Tickets: what Support sees in Zendesk", "zendesk"),
        ("Tickets: back to #general as Alex", "in C0GENERAL"),
        ("Tickets: back to Alex", "as U0TAE01"),
    ]
)
