"""App Home builder: worst first, ARR order, caps, buttons that carry the account id, empty/stranger states."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.home.blocks import EMPTY_TEXT, STRANGER_TEXT, book_home, stranger_home
from services.home.book import HomeRow, build_book


def _r(i: str, arr: int, action: str = "Call the champion", cmds=("churn-risk",)) -> HomeRow:
    return HomeRow(i, f"Acct {i}", Decimal(arr), action, cmds)


def _texts(view) -> list[str]:
    out = []
    for b in view["blocks"]:
        if "text" in b:
            out.append(b["text"]["text"])
        for e in b.get("elements", []):
            out.append(e.get("text") if isinstance(e.get("text"), str) else e.get("text", {}).get("text", ""))
    return out


def test_sections_worst_first_and_rows_by_arr():
    book = build_book([("watch", _r("w", 900)), ("at_risk", _r("a1", 100)), ("at_risk", _r("a2", 5000)),
                       ("healthy", _r("h", 10))], [_r("x", 50, "Confirm the handover", ("handover-check",))], cap=10)
    view = book_home(book, name="Tara")
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["At risk (2)", "Watch (1)", "Healthy (1)", "Handovers in flight (1)"]
    texts = _texts(view)
    assert texts[0] == "Hi Tara, here are your accounts (5)."
    assert texts.index("*Acct a2* · $5,000 ARR\nNext: Call the champion") < \
        texts.index("*Acct a1* · $100 ARR\nNext: Call the champion")
    assert "$5,100 ARR" in texts


def test_buttons_run_the_matching_command_for_that_account():
    view = book_home(build_book([], [_r("acc_9", 50, "Confirm", ("handover-check",))], cap=10), name="T")
    (actions,) = [b for b in view["blocks"] if b["type"] == "actions"]
    assert actions["elements"] == [{"type": "button", "text": {"type": "plain_text", "text": "Handover check"},
                                    "action_id": "home_run_handover_check", "value": "acc_9"}]


def test_rows_are_capped_with_a_count_of_the_rest():
    book = build_book([("at_risk", _r(str(i), i)) for i in range(1, 13)], [], cap=10)
    view = book_home(book, name="T")
    assert "At risk (12)" in [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert "…and 2 more; `/churn-risk` lists your whole book." in _texts(view)


def test_team_lead_scope():
    assert book_home(build_book([("healthy", _r("h", 1))], [], cap=3, team=True), name="Ben")["blocks"][0][
        "text"]["text"] == "Hi Ben, here are your team's accounts (1)."


def test_rep_without_accounts_gets_the_empty_state():
    view = book_home(build_book([], [], cap=10), name="Nia")
    assert view == {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                                             "text": f"Hi Nia. {EMPTY_TEXT}"}}]}
    assert "ask your team lead" in EMPTY_TEXT


def test_stranger_home_says_internal_use_only():
    assert stranger_home()["blocks"][0]["text"]["text"] == STRANGER_TEXT


def test_cap_must_be_positive():
    with pytest.raises(ValueError, match="HOME_ROWS_PER_SECTION=10"):
        build_book([], [], cap=0)


@given(st.lists(st.tuples(st.sampled_from(["churned", "at_risk", "watch", "healthy"]),
                          st.integers(0, 10**7)), max_size=60), st.integers(1, 12))
def test_view_is_valid_size_and_counts_add_up(rows, cap):
    churn = [(lv, _r(f"id{i}", arr)) for i, (lv, arr) in enumerate(rows)]
    book = build_book(churn, [], cap=cap)
    assert sum(len(s.rows) + s.more for s in book.sections) == len(rows)
    assert all(len(s.rows) <= cap for s in book.sections)
    view = book_home(book, name="T")
    assert len(view["blocks"]) <= 100
    json.dumps(view)


def test_tickets_section_comes_last_and_counts_accounts_once():
    book = build_book([("healthy", _r("h", 10))], [], cap=5, tickets=[_r("h", 10, "1 ticket this week")])
    view = book_home(book, name="T")
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Healthy (1)", "Tickets opened this week (1)"]
    assert view["blocks"][0]["text"]["text"] == "Hi T, here are your accounts (1)."


def test_at_risk_comes_before_churned_like_churn_risk_own_book():
    """Same order as `/churn-risk` with no account: the saveable accounts first."""
    book = build_book([("churned", _r("c", 9000)), ("at_risk", _r("a", 1))], [], cap=5)
    assert [s.title for s in book.sections] == ["At risk", "Churned"]
