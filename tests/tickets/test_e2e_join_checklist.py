"""The bot is /invite-d into a channel: `member_joined_channel` for its own user (incidents-and-tickets.md
A.2.1). The inviter, if one of ours, gets the private checklist for a customer channel; nothing is posted
for everyone, and internal channels get nothing."""

from __future__ import annotations

BOT = "U0GTMBOT"
TRAINING = (
    "We also have an app here that will open a support ticket if I'm sleeping. You only have to add the "
    ":ticket: emoji to the thread and it will open a ticket automatically, and capture the back and forth "
    "in the specific Slack thread that received that emoji. You can also mention @gtmbot in a thread to open "
    "a ticket as well. It's a good habit to get into in order to make sure our distributed team can help."
)


def _joined(world, channel: str, *, inviter: str | None = "U_ALICE", user: str = BOT, event_id=None) -> None:
    event = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": "C",
        "team": "T0INTERNAL",
        "event_ts": "1700000100.000100",
    }
    if inviter:
        event["inviter"] = inviter
    assert world.bot.event(event, event_id=event_id).status_code == 200


def test_invited_into_a_mapped_customer_channel_the_inviter_gets_the_checklist(tickets):
    _joined(tickets, "C_ACME")
    [note] = tickets.wait(lambda: tickets.ephemerals("U_ALICE"))
    assert note["channel"] == "C_ACME"
    text = note["text"]
    assert text.startswith(":ticket: I'm in #posthog-acme.")
    assert ":white_check_mark: #posthog-acme follows the `posthog-[customername]` naming." in text
    assert ":white_check_mark: Shared with the customer through Slack Connect." in text
    assert ":white_check_mark: Mapped to the account *Acme* (owner Alice)." in text
    assert ":warning:" not in text.split("*Train the customer*")[0]
    assert f"```{TRAINING}```" in text  # the handbook's text, with the bot's real name, ready to paste
    assert tickets.posts("C_ACME") == []  # nothing public


def test_unmapped_channel_checklist_says_what_to_do(tickets):
    _joined(tickets, "C_UNMAPPED", inviter="U_BOB")
    [note] = tickets.wait(lambda: tickets.ephemerals("U_BOB"))
    text = note["text"]
    assert ":warning: Not mapped to an account, so tickets from here get no Zendesk organization" in text
    assert "Slack Channel field (002_59a801b964a2a19e.txt:12629)" in text
    assert "`gtmbot accounts import` with `slack_channel_ids`" in text
    assert TRAINING in text


def test_new_channel_named_for_a_customer_but_not_shared_yet(tickets):
    tickets.slack.add_channel("C_INITECH", "posthog-initech")
    tickets.slack.add_channel("C_BADNAME", "initech-support", is_ext_shared=True)
    _joined(tickets, "C_INITECH")
    _joined(tickets, "C_BADNAME", event_id="EvBadName")
    notes = tickets.wait(lambda: len(tickets.ephemerals("U_ALICE")) == 2 and tickets.ephemerals("U_ALICE"))
    by_channel = {n["channel"]: n["text"] for n in notes}
    assert ":warning: Not shared with the customer yet" in by_channel["C_INITECH"]
    assert ":warning: Not mapped to an account" in by_channel["C_INITECH"]
    assert ":warning: #initech-support does not follow the `posthog-[customername]` naming" in by_channel[
        "C_BADNAME"
    ]


def test_internal_channels_other_joins_and_customer_inviters_get_nothing(tickets):
    _joined(tickets, "C_SALES", event_id="EvSales")  # internal channel
    _joined(tickets, "C_ACME", user="U_EXT2", inviter="U_ALICE", event_id="EvCustomerJoins")  # not the bot
    _joined(tickets, "C_UNMAPPED", inviter="U_EXT1", event_id="EvCustomerInvites")  # a customer invited it
    _joined(tickets, "C_GLOBEX", inviter=None, event_id="EvNoInviter")
    _joined(tickets, "C_ACME", inviter="U_BOB", event_id="EvControl")  # the control: this one answers
    tickets.wait(lambda: tickets.ephemerals("U_BOB"))
    tickets.settle()
    assert [e["channel"] for e in tickets.slack.ephemerals] == ["C_ACME"]
    assert tickets.slack.posts() == []


def test_redelivered_join_event_sends_one_checklist(tickets):
    _joined(tickets, "C_ACME", event_id="EvJoinOnce")
    _joined(tickets, "C_ACME", event_id="EvJoinOnce")
    tickets.wait(lambda: tickets.ephemerals("U_ALICE"))
    tickets.settle()
    assert len(tickets.ephemerals("U_ALICE")) == 1
