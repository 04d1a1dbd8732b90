"""`gtmbot demo` verb `account <text>`: look an account up as every command does (listed in
`bot.demo.EXTENSIONS`)."""

from __future__ import annotations

from bot.accounts import card_view, lookup_view, resolve_account
from bot.db.session import session_scope
from bot.demo import TOUR, DemoSession, verb
from bot.importer.blocks import account_card_blocks, account_lookup_blocks
from bot.render import blocks_to_text


@verb("account", "account <name|id|domain|channel>   look an account up in the demo data")
def _account(s: DemoSession, args: list[str]) -> str:
    text = " ".join(args)
    with session_scope(s.rt.session_factory) as session:
        result = resolve_account(session, text)
        if result.account is None:
            return blocks_to_text(account_lookup_blocks(lookup_view(result, command="account", example="account acme.io")))
        return blocks_to_text(account_card_blocks(card_view(result.account)))


IMPORTER_TOUR = [
    ("accounts: one match by domain", "account acme.io"),
    ("accounts: a misspelt name gets suggestions, never a guess", "account fjrod"),
]
TOUR.extend(line for line in IMPORTER_TOUR if line not in TOUR)
