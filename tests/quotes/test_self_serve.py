"""Self-serve eligibility (R26, 002_59a801b964a2a19e.txt:4468-4474)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.quotes.self_serve import self_serve_eligibility

D = Decimal


def test_eligible_customer():
    r = self_serve_eligibility([D(100), D(280), D(280), D(280)], 0, False, False)
    assert r.eligible and r.reasons == ()


def test_average_of_exactly_280_qualifies_and_only_last_three_count():
    assert self_serve_eligibility([D(0), D(300), D(260), D(280)], 0, False, False).eligible


@pytest.mark.parametrize(("invoices", "open_", "plan", "credits", "fragment"), [
    ([D(500), D(500)], 0, False, False, "2 paid invoices"),
    ([D(279), D(280), D(280)], 0, False, False, "$279.67"),
    ([D(300)] * 3, 1, False, False, "open invoice"),
    ([D(300)] * 3, 0, True, False, "startup or a legacy plan"),
    ([D(300)] * 3, 0, False, True, "Already has credits"),
])
def test_each_condition_says_why(invoices, open_, plan, credits, fragment):
    r = self_serve_eligibility(invoices, open_, plan, credits)
    assert not r.eligible and any(fragment in x for x in r.reasons)
