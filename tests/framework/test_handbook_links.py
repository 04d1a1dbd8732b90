"""Handbook citations become links to the page and section; FILE:LINE stays out of replies."""

from __future__ import annotations

import re

import pytest

from bot import handbook_links
from bot.settings import Settings
from services import handbook
from services.mrkdwn import stray_brackets

FILE_LINE = re.compile(r"\b00\d(?:_[0-9a-f]{16}\.txt)?:\d+")


def test_a_citation_links_to_its_page_and_nearest_heading() -> None:
    s = handbook.section(4380)
    assert s and s.path == "growth/sales/contract-rules" and s.page == "Contract rules"
    assert s.heading.startswith("1. Volume discount")
    assert s.url() == f"https://posthog.com/handbook/growth/sales/contract-rules#{s.anchor}"
    assert handbook.section(11495).anchor == "when-to-flag-an-account-as-at-risk"
    assert handbook.section(3644).url("https://wiki.example.com/hb/") == (
        "https://wiki.example.com/hb/growth/sales/billing#failedlate-payments")


def test_a_line_nobody_cites_still_links_to_its_page() -> None:
    s = handbook.section(12700)
    assert s and s.path == "growth/sales/team-leads" and s.anchor == ""


def test_linkify_takes_every_form_out_and_leaves_one_link_per_page() -> None:
    text = ("1. Volume: *20.0%* - earned on the credit purchase amount (002:4380)\n"
            "2. Length: *+5.0%* (002_59a801b964a2a19e.txt:4401)\n"
            "3. Timing (002:4413, 4415) · renewal 002:4442-4444\n"
            "• Payment: bank transfer only (002:3585, 4623)")
    out = handbook.linkify(text)
    assert not FILE_LINE.search(out), out
    assert out.count("|Contract rules>") == 1 and out.count("|Billing>") == 1
    assert out.splitlines()[-1].startswith("Handbook: <https://posthog.com/handbook/growth/sales/contract-rules#1-volume")
    assert "purchase amount\n" in out and not stray_brackets(out)


def test_linkify_on_one_line_and_inside_brackets() -> None:
    out = handbook.linkify("*Don't:* cross-sell (active risk to the renewal · 002:989; key champion left · 002:280)")
    assert out.startswith("*Don't:* cross-sell (active risk to the renewal; key champion left) · Handbook: <")
    assert handbook.linkify("no citation, $20,000 (spec A1)") == "no citation, $20,000 (spec A1)"
    assert handbook.linkify("Quota ARR $40,000.00 (002:8618-8620, spec A32).").startswith("Quota ARR $40,000.00 (spec A32).")


def test_the_base_url_is_the_operators() -> None:
    out = handbook.linkify("x (002:4223)", "https://handbook.acme.io")
    assert "<https://handbook.acme.io/growth/sales/communications-templates-incidents#roles--responsibilities|" in out


@pytest.fixture
def settings(settings):
    """This module's runtime: a company that hosts its own copy of the handbook."""
    yield settings.model_copy(update={"handbook_base_url": "https://handbook.acme.example/hb/"})
    handbook_links.configure(None)  # the next test's builders see the default again


def test_replies_link_the_operators_handbook(bot) -> None:
    """HANDBOOK_BASE_URL end to end: a signed /quote gets links under the configured base, no FILE:LINE."""
    reply = bot.command("/quote", "150k 3y --conversion --signatory-confirmed")
    text = reply.text()
    assert "<https://handbook.acme.example/hb/growth/sales/contract-rules#" in text
    assert "posthog.com/handbook" not in text
    assert not FILE_LINE.search(text)
    assert Settings(handbook_base_url="https://x.example/h").handbook_base_url == "https://x.example/h"
