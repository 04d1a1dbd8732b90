"""Hypothesis properties of the import for VALID documents: what goes in comes back exactly
(money to the cent, timestamps in UTC), and importing the same document twice changes nothing."""

from __future__ import annotations

import itertools
import tempfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.importer.conventions import KNOWN_SEGMENTS, PRODUCTS
from tests.importer.support import Importer

RUNS = itertools.count()
IMPORTER = Importer(Path(tempfile.mkdtemp(prefix="gtmbot-props-")))

money = st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2, allow_nan=False, allow_infinity=False)
months = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 1)).map(lambda d: d.strftime("%Y-%m"))
stamps = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                      timezones=st.sampled_from([UTC, *[timezone(timedelta(hours=h)) for h in (-8, 2, 9)]]))


@st.composite
def accounts(draw):
    n = draw(st.integers(1, 4))
    ids = draw(st.lists(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True), min_size=n, max_size=n, unique=True))
    out = []
    for account_id in ids:
        mrr = draw(st.dictionaries(months, money, max_size=5))
        out.append({
            "id": "p-" + account_id,
            "name": draw(st.text(min_size=1, max_size=40).filter(lambda s: s.strip())),
            "arr": str(draw(money)),
            "segments": draw(st.lists(st.sampled_from(KNOWN_SEGMENTS), unique=True, max_size=3)),
            "paying_for": draw(st.lists(st.sampled_from(PRODUCTS), unique=True, max_size=4)),
            "last_outbound_at": draw(stamps).isoformat(),
            "credit": {"balance": str(-draw(money)) if draw(st.booleans()) else str(draw(money)), "term_months": draw(st.integers(1, 60))},
            "mrr_history": [{"period": p, "value": str(v)} for p, v in sorted(mrr.items())],
        })
    return out


@settings(max_examples=40, deadline=None)
@given(accounts())
def test_valid_documents_round_trip_and_reimport_is_a_no_op(items):
    run = next(RUNS)  # fresh ids per example: the database outlives examples
    for item in items:
        item["id"] = f"r{run}-{item['id']}"
    doc = {"accounts": items}
    outcome = IMPORTER.run_doc(doc, replace_series=True)
    assert outcome.status == 0, outcome.stderr
    try:
        _assert_stored(items)
    finally:
        IMPORTER.release()
    before = IMPORTER.dump()
    assert IMPORTER.run_doc(doc, replace_series=True).status == 0
    assert IMPORTER.dump() == before


def _assert_stored(items):
    for item in items:
        stored = IMPORTER.account(item["id"])
        assert stored.name == item["name"]
        assert stored.arr == Decimal(item["arr"])
        assert stored.credit_balance == Decimal(item["credit"]["balance"])
        assert stored.segments == item["segments"] and stored.paying_for == item["paying_for"]
        assert stored.last_outbound_at == datetime.fromisoformat(item["last_outbound_at"]).astimezone(UTC)
        assert [(p.period, p.value) for p in stored.series("mrr_history")] == [
            (row["period"], Decimal(row["value"])) for row in item["mrr_history"]]
