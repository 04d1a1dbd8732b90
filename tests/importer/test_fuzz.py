"""Hypothesis: whatever bytes or JSON arrive, the importer answers with an exit status and
messages, never a traceback; a rejection always writes nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.importer.support import Importer, example

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SCRATCH = Path(tempfile.mkdtemp(prefix="gtmbot-fuzz-"))
IMPORTER = Importer(_SCRATCH)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(
    ["id", "name", "arr", "credit", "invoices", "usage", "segments", "owner_slack_id", "slack_channel_ids",
     "mrr_history", "health_history", "notes", "flags", "contacts", "tickets", "destinations", "user_region_counts"]
)


def _check(outcome) -> None:
    assert outcome.status in (0, 1, 2)
    if outcome.status == 1:
        assert outcome.stderr.rstrip().splitlines()[-1].startswith("import rejected: ")
        assert outcome.error_lines, outcome.stderr
    if outcome.status == 2:
        assert "usage:" in outcome.stderr


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["fuzz.json", "fuzz.csv", "fuzz.txt"]))
def test_arbitrary_bytes_never_raise(raw: bytes, name: str):
    before = IMPORTER.dump()
    outcome = IMPORTER.run(IMPORTER.write(name, raw))
    _check(outcome)
    if outcome.status != 0:
        assert IMPORTER.dump() == before


@FUZZ
@given(json_values)
def test_arbitrary_json_never_raises(value):
    _check(IMPORTER.run(IMPORTER.write("fuzz.json", json.dumps(value))))


@FUZZ
@given(st.integers(0, 2), field_names, json_values)
def test_one_arbitrary_field_in_the_example_never_raises(index: int, name: str, value):
    doc = example()
    doc["accounts"][index][name] = value
    before = IMPORTER.dump()
    outcome = IMPORTER.run(IMPORTER.write("fuzz.json", json.dumps(doc)))
    _check(outcome)
    if outcome.status != 0:
        assert IMPORTER.dump() == before


@FUZZ
@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=5), max_size=5),
       st.sampled_from(["slack_id,name,role", "id,name,arr,segments,invoices", "account_id,series,period,value,product"]))
def test_arbitrary_csv_cells_never_raise(rows, header):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header.split(","))
    writer.writerows(rows)
    _check(IMPORTER.run(IMPORTER.write("fuzz.csv", buffer.getvalue())))
