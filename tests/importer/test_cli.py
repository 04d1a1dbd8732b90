"""`gtmbot accounts import` and `gtmbot sync vitally` as an operator runs them: the real CLI in
a subprocess against a fresh SQLite file (migrated by the command itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.fakes.vitally import FakeVitally

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests/data/accounts.example.json"


def gtmbot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "GTMBOT_NOW": "2025-06-02T09:00:00Z",
                   "PYTHONPATH": str(ROOT), **env}
    for name in ("SLACK_BOT_TOKEN", "TEST_DATABASE_URL"):
        environment.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=120)


def report_lines(stderr: str) -> list[str]:
    """stderr without the migration log lines the CLI prints first."""
    return [line for line in stderr.splitlines() if " INFO " not in line]


def count(tmp_path: Path, table: str) -> int:
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as conn:
        value = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return value


def test_import_the_example_then_reimport(tmp_path: Path):
    first = gtmbot(tmp_path, "accounts", "import", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    assert "imported 3 team members (3 new), 3 accounts (3 new)" in first.stdout
    assert count(tmp_path, "accounts") == 3 and count(tmp_path, "series_points") == 39
    again = gtmbot(tmp_path, "accounts", "import", str(EXAMPLE))
    assert again.returncode == 0 and "3 accounts (0 new)" in again.stdout
    assert count(tmp_path, "accounts") == 3


def test_import_reports_each_stage_on_stderr_unless_quiet(tmp_path: Path):
    loud = gtmbot(tmp_path, "accounts", "import", str(EXAMPLE), "--dry-run")
    stages = [line.split(": ", 1)[1].split(" in ")[0] for line in loud.stderr.splitlines() if "gtmbot.progress" in line]
    assert stages == ["import: read 1 file(s): 1/1", "import: validate: 6/6", "import: write: 6/6"]
    assert "nothing was written" in loud.stdout  # the result stays on stdout
    quiet = gtmbot(tmp_path, "accounts", "import", str(EXAMPLE), "--dry-run", "--quiet")
    assert quiet.returncode == 0 and "gtmbot.progress" not in quiet.stderr


def test_dry_run_writes_nothing(tmp_path: Path):
    result = gtmbot(tmp_path, "accounts", "import", str(EXAMPLE), "--dry-run")
    assert result.returncode == 0 and "nothing was written" in result.stdout
    assert count(tmp_path, "accounts") == 0


def test_csv_with_one_bad_row_is_rejected_whole(tmp_path: Path):
    (tmp_path / "team.csv").write_text("slack_id,name,role\nU0A1,Ann,TAE\nU0B1,Bo,CMOC\n")
    (tmp_path / "accounts.csv").write_text("id,name,owner_slack_id,arr\n0301-a,A Co,U0A1,100.00\n0302-b,B Co,U0A1,\"$1,000\"\n")
    result = gtmbot(tmp_path, "accounts", "import", "accounts.csv", "team.csv")
    assert result.returncode == 1
    assert report_lines(result.stderr) == [
        'team.csv: row 3 (slack_id "U0B1"): role: E_ENUM: "CMOC"; CMOC is a rota duty, not a role: set "cmoc": "EU" or "US"; '
        "allowed: TAE, TAM, CSM, ONBOARDING, BDR, LEAD, OTHER",
        'accounts.csv: row 3 (id "0302-b"): arr: E_FORMAT: "$1,000" is not a money value; write 1000.00',
        "import rejected: 2 errors; nothing was written",
    ]
    assert count(tmp_path, "accounts") == 0 and count(tmp_path, "team_members") == 0


def test_missing_file_exits_2(tmp_path: Path):
    result = gtmbot(tmp_path, "accounts", "import", "nope.json")
    assert result.returncode == 2 and "nope.json" in result.stderr


@pytest.fixture
def vitally():
    fake = FakeVitally().start()
    yield fake
    fake.stop()


def test_sync_vitally_from_the_command_line(tmp_path: Path, vitally: FakeVitally):
    vitally.add("accounts", id="v1", externalId="0401-vit", name="Vit Co", healthScore=9, traits={"arr": 1200})
    vitally.fail("accounts", 429, retry_after=0)
    result = gtmbot(tmp_path, "sync", "vitally", "--quiet", VITALLY_API_URL=vitally.url, VITALLY_API_KEY=vitally.api_key)
    assert result.returncode == 0, result.stderr
    assert "synced 1 accounts from Vitally (0 skipped" in result.stdout
    assert count(tmp_path, "accounts") == 1


def test_sync_vitally_without_a_key_exits_2(tmp_path: Path):
    result = gtmbot(tmp_path, "sync", "vitally", "--quiet", VITALLY_API_KEY="")
    assert result.returncode == 2 and "VITALLY_API_KEY" in result.stderr
