"""`/handover-check <account> [to <target>]`: ack, resolve, check, reply ephemerally."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot import clock
from bot.db.session import session_scope
from bot.events import first_delivery_of_command
from bot.guard import internal_only
from bot.handover.blocks import error_message, no_data_message, report_message
from bot.handover.people import slack_names, with_aliases
from bot.handover.settings import HandoverSettings
from bot.handover.snapshot import (
    confirmations,
    counted,
    has_accounts,
    load_account,
    shared_resolver,
    snapshot,
    team_directory,
)
from services.handover.check import check
from services.handover.grammar import ErrorKind, HandoverError, interpret

COMMAND = "/handover-check"


def register(app: App) -> None:
    app.command(COMMAND, middleware=[internal_only])(handle)


def handle(ack: Ack, command: dict, respond: Respond, context: dict) -> None:
    ack()
    rt = context["rt"]
    if not first_delivery_of_command(rt, command):  # one reply per request (spec §4.7)
        return
    respond(**answer(rt, command.get("text", "")), replace_original=False)


def answer(rt, text: str) -> dict:
    """The reply for one command text, read from the account model at today's date."""
    today = clock.today()
    if text.strip().casefold() in ("", "help", "-h", "--help", "?"):  # help answers whatever data is loaded
        return error_message(HandoverError(ErrorKind.USAGE))
    with session_scope(rt.session_factory) as session:
        if not has_accounts(session):
            return no_data_message()
        team = team_directory(session)
        resolver = shared_resolver(session)
        request = interpret(text, resolver, team)
        if isinstance(request, HandoverError) and request.kind is ErrorKind.UNKNOWN_TARGET:
            # Not a name the directory knows: Slack may (a handle, display or real name, issue 16).
            names = slack_names(rt)
            if names:
                team = with_aliases(team, names)
                request = interpret(text, resolver, team)
        if isinstance(request, HandoverError):
            return error_message(request)
        account = load_account(session, request.account.id)
        report = check(
            snapshot(session, account, today), counted(session, request.target), team, today,
            HandoverSettings().options(), confirmations(account),
        )
        return report_message(report)
