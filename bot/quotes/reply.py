"""Shared by /quote, /discount and their Post to channel button: text in, (fallback, blocks) out.

Parsing, pricing and rendering are pure; the only I/O is the requester's role from the team
directory (`TeamMember.role`), which `--role` overrides.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import TeamMember
from bot.db.session import session_scope
from bot.quotes.blocks import (
    discount_blocks,
    discount_fallback_text,
    error_blocks,
    help_blocks,
    quote_blocks,
    quote_fallback_text,
)
from bot.quotes.settings import QuoteSettings
from services.mrkdwn import escape
from services.quotes.approvals import Approvers
from services.quotes.discounts import check_discount
from services.quotes.grammar import HelpRequest, ParseError, parse_discount, parse_quote
from services.quotes.pricing import QuotePolicy, price_quote


def policy_from_settings(s: QuoteSettings) -> QuotePolicy:
    return QuotePolicy(
        volume_basis=s.volume_basis,
        approvers=Approvers(tae_tam=s.approver_tae_tam, csm=s.approver_csm),
        card_contact=s.card_contact,
        legal_contact=s.legal_contact,
    )


def directory_role(factory: sessionmaker[Session], user_id: str | None) -> str | None:
    """The requester's role in the team directory, or None when they are not in it."""
    if not user_id:
        return None
    with session_scope(factory) as session:
        member = session.get(TeamMember, user_id)
        return member.role if member else None


def render(command: str, text: str, *, directory_role: str | None, policy: QuotePolicy,
           shared_by: str | None = None) -> tuple[str, list[dict], bool]:
    """(fallback text, blocks, ok) for `/quote` or `/discount` with `text`; ok is False for bad input."""
    parse = parse_quote if command == "quote" else parse_discount
    try:
        cmd = parse(text)
    except ParseError as err:
        return escape(err.message), error_blocks(err), False  # the user's words, escaped
    if isinstance(cmd, HelpRequest):
        return f"/{command} help", help_blocks(cmd), True
    deal = cmd.deal if cmd.deal.role else replace(cmd.deal, role=directory_role)
    cmd = replace(cmd, deal=deal)
    shareable = shared_by is None
    if command == "quote":
        result = price_quote(deal, policy)
        return (quote_fallback_text(result),
                quote_blocks(result, command_text=text, role=deal.role, shareable=shareable, shared_by=shared_by),
                True)
    check = check_discount(cmd, policy)
    return (discount_fallback_text(check),
            discount_blocks(check, command_text=text, role=deal.role, shareable=shareable, shared_by=shared_by),
            True)
