"""Hypothesis against every command grammar and the import file readers.

Pure parsers: whatever the text, the answer is a parsed command or the documented error value
(ParseError for /quote and /discount, HandoverError for /handover-check, UsageError for /incident,
Issues lines for the importer); never any other exception. Through the signed Slack path: any text
to any command gets a 200 and an ephemeral answer, never the error handler's apology (which is what
a stack trace turns into)."""

from __future__ import annotations

import csv
import io
import json
import os
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.importer.csv_reader import read_csv
from bot.importer.issues import Issues
from bot.importer.json_reader import read_json
from listeners.churn.churn_risk_command import parse as parse_churn
from services.handover.grammar import AccountRef, HandoverError, Request, interpret, resolver_for
from services.handover.model import TeamMember
from services.incidents import grammar as incident_grammar
from services.quotes.grammar import (
    DiscountCommand,
    HelpRequest,
    ParseError,
    QuoteCommand,
    parse_discount,
    parse_quote,
)
from tests.reliability.conftest import INTERNAL_USER

PURE = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None)
HTTP = settings(max_examples=int(os.environ.get("FUZZ_HTTP_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Grammar words of every command, mixed with noise: random text alone rarely reaches deep branches.
WORDS = [
    # /quote and /discount
    "25k", "120k", "$120,000", "1.5m", "10k/mo", "0", "-5k", "1e9", "2y", "18m", "0y", "99y", "net30", "net400",
    "card", "check", "monthly", "yearly", "aws", "--renewal", "--new", "--days-to-expiry=70", "--days-to-expiry=x",
    "--credits-ran-out", "--expansion-of=60k:12m:30%", "--expansion-of=::", "--month=3", "--rollover=1:2:3",
    "--years-upfront=2", "--competitor-quote=50k", "--country=DE", "--basis=total", "--role=csm", "--role=ceo",
    "--exception=x", "--reason=case_study", "30%", "101%", "price=9000", "price=", "help", "self-serve",
    "nonprofit", "startup", "\u2014renewal", "\u201c", "%", "=", "--",
    # /handover-check
    "to", "tam", "csm", "tae", "us tam", "eu csm", "onboarding", "<@U0TAM01>", "<@U0NOBODY|x>", "\"fjord", "\"",
    "fjord", "Fjord Logistics", "acme", "&lt;", "&gt;", "&amp;",
    # /churn-risk
    "share", "SHARE",
    # /incident
    "declare", "maintenance", "update", "resolve", "sev", "handoff", "status", "list", "log", "csv", "close",
    "postmortem", "sev0", "sev 1", "sev9", "critical", "INC-1", "inc7", "INC-99999999999999999999",
    "<https://example.com/pm|pm>", "https://x", "@Landon", "<@U_SIMON>",
]
TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=8).map(" ".join),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join),
)

TEAM = {
    "U0TAE01": TeamMember("U0TAE01", "Alex Rivera", "TAE", "US"),
    "U0TAM01": TeamMember("U0TAM01", "Tara Nguyen", "TAM", "US"),
    "U0CSM01": TeamMember("U0CSM01", "Chris Park", "CSM", "EU"),
}
ACCOUNTS = [AccountRef("a1", "Fjord Logistics", "fjord.example", "0189-fjord", "U0TAE01"),
            AccountRef("a2", "Fjord Labs", "fjordlabs.example", None, "U0TAM01"),
            AccountRef("a3", "Path to Prod Inc", None, None, None)]


@PURE
@given(TEXT)
def test_quote_and_discount_grammar(text):
    for parse, ok in ((parse_quote, QuoteCommand), (parse_discount, DiscountCommand)):
        try:
            parsed = parse(text)
        except ParseError as err:
            assert err.message and err.example  # a usage message with a working example
            assert not err.message.startswith("I could not read that"), (text, err.message)  # an unplanned failure
            continue
        assert isinstance(parsed, ok | HelpRequest)


@PURE
@given(TEXT)
def test_handover_grammar(text):
    parsed = interpret(text, resolver_for(ACCOUNTS), TEAM)
    assert isinstance(parsed, Request | HandoverError)


@PURE
@given(TEXT)
def test_churn_risk_grammar(text):
    query, share = parse_churn(text)
    assert isinstance(query, str) and isinstance(share, bool)
    assert len(query) <= len(text)


@PURE
@given(TEXT)
def test_incident_grammar(text):
    parsed = incident_grammar.parse(text)
    assert isinstance(parsed, incident_grammar.IncidentCommand | incident_grammar.UsageError)
    if isinstance(parsed, incident_grammar.UsageError):
        assert parsed.message and parsed.example.startswith("/incident")


# ----------------------------------------------------------------------------------- importer
LINE = re.compile(r"^[^:]+: .+")  # IMPORT.md §10: <file>: <row or path>: <field>: <CODE>: <message>
CODE = re.compile(r"\bE_[A-Z_]+\b")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["format", "team", "accounts", "id", "name", "slack_id", "role", "arr", "credit",
                         "invoices", "usage", "health_history", "notes", "owner_slack_id", "x"]) | st.text(max_size=6),
        inner, max_size=5),
    max_leaves=25,
)
CSV_HEADERS = [["slack_id", "name", "email", "role"], ["id", "name", "arr", "owner_slack_id", "paying_for"],
               ["account_id", "series", "period", "value"], ["id", "credit.balance", "notes"]]


def issues_are_documented(issues: Issues) -> None:
    for line in issues.lines():
        assert line.splitlines() == [line], f"one error, one line: {line!r}"
        assert LINE.match(line) and CODE.search(line), line


@PURE
@given(st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode()),
                 json_values.map(lambda v: json.dumps({"format": "gtmbot-accounts/1", "accounts": [v]}).encode())))
def test_json_reader(raw):
    issues = Issues()
    read_json("fuzz.json", raw, issues)  # never raises; problems are Issues
    issues_are_documented(issues)


@st.composite
def csv_files(draw) -> bytes:
    header = draw(st.sampled_from(CSV_HEADERS) | st.lists(st.text(max_size=8), max_size=4))
    rows = draw(st.lists(st.lists(st.text(max_size=10) | st.sampled_from(["", "1", "x", "{", "[]", "true", "2025-13-01"]),
                                  max_size=len(header) + 1), max_size=4))
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode()


@PURE
@given(st.one_of(st.binary(max_size=300), csv_files()))
def test_csv_reader(raw):
    issues = Issues()
    read_csv("fuzz.csv", raw, issues)
    issues_are_documented(issues)


@HTTP
@given(json_values)
def test_import_document_rejects_or_imports_nothing_else(rt, value):
    """Through validation and the database: `ImportRejected` (nothing written) or an import."""
    from bot.db.session import session_scope
    from bot.importer import ImportRejected, import_document
    from tests.reliability.conftest import table_counts

    before = table_counts(rt)
    doc = value if isinstance(value, dict) else {"accounts": [value]}
    try:
        with session_scope(rt.session_factory) as s:
            import_document(doc, s)
    except ImportRejected as rejected:
        assert rejected.lines and all(LINE.match(line) and line.splitlines() == [line] for line in rejected.lines)
        assert table_counts(rt) == before


# ---------------------------------------------------------------------------- through Slack
@HTTP
@given(command=st.sampled_from(["/quote", "/discount", "/handover-check", "/churn-risk", "/incident"]), text=TEXT)
@example(command="/churn-risk", text="aws = 1.5m 9\x00 10k/mo")  # PostgreSQL refuses NUL: found here once
@example(command="/handover-check", text="acme\x00 to tam")
def test_any_text_to_any_command_gets_an_ephemeral_answer(world, command, text):
    reply = world.bot.command(command, text, user=INTERNAL_USER)
    assert reply.status == 200
    messages = reply.messages(timeout=10)
    shown = reply.text()
    assert shown.strip(), (command, text)
    assert "something went wrong" not in shown and "Traceback" not in shown, (command, text, shown)
    words = text.split()
    if command == "/churn-risk" and words and words[-1].lower() == "share":
        return  # `<account> share` posts in the channel on purpose
    assert messages[0]["response_type"] == "ephemeral", (command, text, messages[0])
