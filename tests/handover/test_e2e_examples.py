"""Every §5 worked example again, end to end: the account imported in the IMPORT.md form, a signed
/handover-check, and the verdict plus the blocking and warning items read back from the reply.

The expected outcomes are the service tests' (tests/handover/test_examples.py), so the
import -> snapshot -> check -> Block Kit path must agree with the pure checker on every example.
"""

from __future__ import annotations

import re

import pytest

from bot.handover.blocks import VERDICT_LABEL
from services.handover.model import Status
from tests.handover.fixtures import handover_account
from tests.handover.test_examples import CASES

R, F, E = "session_replay", "feature_flags", "error_tracking"
TAE, TAM, CSM = "U0TAE01", "U0TAM01", "U0CSM01"
LEVERS = {"id": "levers", "kind": "expansion_levers", "title": "What we tried", "updated_at": "2025-05-01T10:00:00Z"}
PLAN = {"id": "plan", "kind": "account_plan", "title": "Q2 Account Plan", "updated_at": "2025-04-20T10:00:00Z"}

TITLES = {
    "C01": "ARR", "C02": "YC plan", "C03": "Account plan", "C04": "Account plan current", "C05": "Open invoices",
    "C06": "Customer health", "C07": "Early warnings", "C08b": "Finance contact", "C09": "Paying only for what they need",
    "C12": "Top 40", "C13": "New Owner trait", "C14": "Region", "C15": "Capacity", "C17": "Steady state",
    "X01": "Timing", "X02": "Role fit", "X03": "Core adoption", "X04": "Discount agreement", "X05": "Expansion levers",
    "X07": "Not fully expanded", "X08": "Growth potential", "X10": "Rebalance",
}


def purchase(day: str) -> dict:
    return {"credit": {"amount": "50000.00", "term_start": day, "term_months": 12, "first_purchase_date": day}}


def discount(pct: str, start: str = "2025-01-01", end: str = "2025-12-31") -> dict:
    return {"credit": {"amount": "50000.00", "discount_pct": pct, "term_start": start, "term_end": end}}


def levers() -> dict:
    return {"notes": [PLAN, LEVERS]}


def acct(key: str, name: str, owner: str | None, arr: str, products: list[str], **fields) -> dict:
    return handover_account(f"3000-{key.lower()}", name, owner, arr, products, **fields)


# example id -> (account document, command text, requesting user)
DOCS: dict[str, tuple[dict, str, str]] = {
    "A": (acct("A", "Acme Robotics", TAE, "48000", [R, F], **purchase("2025-01-10")), "Acme Robotics to TAM", TAE),
    "B": (acct("B", "Birch Analytics", TAE, "65000", [R, F, E], **purchase("2024-12-01"),
               user_region_counts={"EU": 30, "US": 4}), "Birch Analytics to CSM", TAE),
    "C": (acct("C", "Cobalt Health", TAE, "30000", [F], **purchase("2025-04-01")), "Cobalt Health to TAM", TAE),
    "D": (acct("D", "Dune Logistics", TAE, "90000", [R, E], **purchase("2024-11-01"), invoices=[
        {"id": "in_Dune", "status": "open", "payment_method": "bank_transfer", "amount_due": "12000", "due_date": "2025-04-30"}]),
        "Dune Logistics to TAM", TAE),
    "E": (acct("E", "Elm Street Co", TAE, "45000", [R, F], **purchase("2025-01-15"), invoices=[
        {"id": "in_Elm", "status": "open", "payment_method": "bank_transfer", "amount_due": "4000", "due_date": "2025-05-30"}]),
        "Elm Street Co to TAM", TAE),
    "F": (acct("F", "Ember Games", TAM, "120000", [R, F, E], **discount("25"),
               notes=[PLAN, {**LEVERS, "updated_at": "2025-04-28T10:00:00Z"}]), "Ember Games", TAM),
    "G": (acct("G", "Fjord Fintech", TAM, "70000", [R, F, E], **levers()), "Fjord Fintech to CSM", TAM),
    "H": (acct("H", "Granite Retail", TAM, "55000", [R, F], **discount("20", "2025-03-01", "2026-02-28")),
          "Granite Retail to CSM", TAM),
    "I": (acct("I", "Harbor Media", TAM, "40000", [F], **discount("20"), **levers()), "Harbor Media to CSM", TAM),
    "J": (acct("J", "Ion Security", CSM, "85000", [R], segments=["AM referral"]), "Ion Security to @priya", CSM),
    "K": (acct("K", "Juniper AI", CSM, "150000", [R, F, E], **discount("30")), "Juniper AI to TAM", CSM),
    "L": (acct("L", "Kestrel Travel", TAM, "60000", [R, F, E], **discount("20"), **levers(), segments=["Churn Risk"],
               health_history=[{"period": "2025-05-12", "label": "Poor"}]), "Kestrel Travel to CSM", TAM),
    "M": (acct("M", "Lumen Edu", TAE, "35000", [R, F], **purchase("2024-12-15"), notes=[]), "Lumen Edu to TAM", TAE),
    "N": (acct("N", "Maple Foods", TAE, "80000", [R, F, E], **purchase("2024-10-01"),
               notes=[{**PLAN, "updated_at": "2025-01-05T10:00:00Z"}]), "Maple Foods to CSM", TAE),
    "O": (acct("O", "Nimbus Cloud", TAM, "900000", [R, F, E], top40=True, **discount("35"), **levers()),
          "Nimbus Cloud to CSM", TAM),
    "P": (acct("P", "Orbit Labs", TAM, "0", [F], forecasted_mrr="2917", credit={"yc_plan": True}), "Orbit Labs to CSM", TAM),
    "P2": (acct("P2", "Orbit Labs", TAM, "0", [F], forecasted_mrr="2917", credit={"yc_plan": True}), "Orbit Labs to TAM", TAM),
    "Q": (acct("Q", "Pico Widgets", TAE, "12000", [F], **purchase("2025-01-05")), "Pico Widgets to TAM", TAE),
    "U": (acct("U", "Tundra Mobile", TAE, "150000", [R, F], initial_deal_arr="150000", high_potential=True,
               **purchase("2025-05-01")), "Tundra Mobile to TAM", TAE),
    "V": (acct("V", "Umbra Ltd", TAE, "40000", [R, F], **purchase("2025-01-20"), user_region_counts={"EU": 20, "US": 2}),
          "Umbra Ltd to @sam", TAE),
    "W": (acct("W", "Vega Apps", TAE, "50000", [R, F, E], **purchase("2025-01-10")), "Vega Apps to TAM", TAE),
    "X": (acct("X", "Willow Bank", TAE, "42000", [R], **purchase("2025-01-10")), "Willow Bank to CSM", TAE),
    "Y": (acct("Y", "Xenon Ltd", TAE, "60000", [R, F], **purchase("2024-09-15"), retained_by_tae=True),
          "Xenon Ltd to TAM", TAE),
    "Z": (acct("Z", "Yarrow Inc", TAM, "75000", [R, F, E], **discount("20"), **levers(), active_users_30d=2),
          "Yarrow Inc to CSM", TAM),
    "AA": (acct("AA", "Zinnia Co", TAM, "75000", [R, F, E], **discount("20"), **levers(), active_users_30d=2,
                last_customer_slack_message_at="2025-04-25T10:00:00Z"), "Zinnia Co to CSM", TAM),
    "AB": (acct("AB", "Acorn Bio", TAE, "20000", [F], **purchase("2025-02-15"),
                notes=[{**PLAN, "updated_at": "2025-02-14T10:00:00Z"}]), "Acorn Bio to TAM", TAE),
    "AC": (acct("AC", "Path to Prod Inc", CSM, "30000", [R, F], segments=["AM referral"]), "Path to Prod Inc", CSM),
    "AE": (acct("AE", "Beacon Co", TAE, "48000", [R, F], **purchase("2025-01-10"), new_owner=None), "Beacon Co to TAM", TAE),
    "AF": (acct("AF", "Flint Data", TAE, "28000", ["product_analytics", "data_warehouse"], **purchase("2025-01-10")),
           "Flint Data to TAM", TAE),
    "AG": (acct("AG", "Zephyr Co", CSM, "33000", [R, F, E], **discount("20")), "Zephyr Co to @lena", CSM),
    "AJ": (acct("AJ", "Echo Ltd", TAE, "48000", [R, F], **purchase("2025-01-10"), stripe_customer_ids=[]),
           "Echo Ltd to TAM", TAE),
    "AK": (acct("AK", "Delta Apps", TAE, "48000", [R, F], **purchase("2025-01-10"), risk_indicators=["autocapture_noise"]),
           "Delta Apps to TAM", TAE),
}

EXPECTED = {c[0]: (c[3], c[4]) for c in CASES}
SECTION = {Status.FAIL: "❌ Blocking", Status.WARN: "⚠️ Warnings"}


def items_in(text: str, section: str) -> set[str]:
    match = re.search(rf"\*{re.escape(section)} \(\d+\)\*\n(.*?)(?:\n\*|\Z)", text, re.S)
    return set(re.findall(r"^• \*(.+?)\*", match.group(1), re.M)) if match else set()


def test_every_service_example_has_an_end_to_end_twin():
    assert set(DOCS) == set(EXPECTED)


@pytest.mark.parametrize("example", sorted(DOCS))
def test_worked_example_end_to_end(example, bot, handover_seed):
    doc, text, user = DOCS[example]
    handover_seed(doc)
    reply = bot.command("/handover-check", text, user=user)
    msg = reply.first()
    assert msg["response_type"] == "ephemeral"
    assert msg["blocks"][0]["text"]["text"] == f"Handover check: {doc['name']}"
    verdict, problems = EXPECTED[example]
    fields = [f["text"] for f in msg["blocks"][1]["fields"]]
    assert fields[0].startswith(f"*Verdict*\n{VERDICT_LABEL[verdict]}")
    body = reply.text()
    for status, section in SECTION.items():
        assert items_in(body, section) == {TITLES[k] for k, s in problems.items() if s is status}, section
