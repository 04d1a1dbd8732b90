"""Shared fixtures: a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
the fake Slack Web API on 127.0.0.1, and the real Bolt app served over HTTP,
driven with signed requests exactly as Slack sends them.

Each capability's fixtures live in `tests/<capability>/fixtures.py` (the framework's in
`tests/framework/fixtures.py`); every such module is loaded as a pytest plugin automatically."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import clock, work
from bot.app import create_app
from bot.db.migrate import upgrade
from bot.db.registry import load_all_models
from bot.db.session import make_engine, normalise_url, session_scope
from bot.fakes.driver import SlackDriver
from bot.fakes.slack import FakeSlack
from bot.fakes.workspace import mirror_directory, seed_workspace
from bot.runtime import Runtime, build_runtime
from bot.server import HttpServer, make_wsgi_app
from bot.settings import Settings

pytest_plugins = sorted(
    f"tests.{p.parent.name}.fixtures" for p in Path(__file__).parent.glob("*/fixtures.py")
) + ["tests.framework.blockkit_plugin"]  # every builder's output checked against Slack's rules

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


@pytest.fixture(autouse=True)
def _clock_starts_with_each_test() -> Iterator[None]:
    """Each test is a fresh start: GTMBOT_NOW counts from the test's first read of the clock, and a
    clock frozen by one test (tests/clock.py) runs again in the next."""
    clock.restart()
    yield
    clock.freeze(None)
    clock.restart()


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_db_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = normalise_url(url)
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gtmbot-test.db'}"
    upgrade(url)
    return url


def _wipe(url: str) -> None:
    """Empty every table. On PostgreSQL a connection a previous test left behind (a thread of its
    bot still finishing, a subprocess being reaped) would block or deadlock the TRUNCATE: at the
    start of a test every other session on the test database is such a leftover, so it is ended
    first (the suite runs in one process, one test at a time)."""
    engine = make_engine(url)
    meta = load_all_models().metadata
    if engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in meta.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        with engine.begin() as conn:
            for table in reversed(meta.sorted_tables):
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def db_url(migrated_db_url: str) -> Iterator[str]:
    """A migrated database with every table empty at the start of the test."""
    _wipe(migrated_db_url)
    yield migrated_db_url


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = seed_workspace(FakeSlack(bot_token=BOT_TOKEN).start())
    yield fake
    fake.stop()


@pytest.fixture
def settings(db_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.url,
        database_url=db_url,
        scheduler_enabled=False,
        # the retry policy's shape (3 tries, Retry-After honoured) with waits short enough for a test
        retry_max_attempts=3,
        retry_backoff_base_s=0.01,
        retry_backoff_cap_s=0.05,
    )


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = build_runtime(settings, migrate=False)
    yield runtime
    # a listener or background send still finishing would write into the next test's database
    # (tests that must end idle say so with settle(); this only keeps the next test clean)
    work.wait_idle(30)
    runtime.engine.dispose()


@pytest.fixture
def seed(rt: Runtime, fake_slack: FakeSlack) -> Callable[[dict], None]:
    """Seed the database through the real importer (IMPORT.md's JSON form), and
    make the fake Slack know the seeded people and channels."""

    def _seed(doc: dict) -> None:
        from bot.importer import import_document

        with session_scope(rt.session_factory) as session:
            import_document(doc, session)
        with session_scope(rt.session_factory) as session:
            mirror_directory(fake_slack, session)

    return _seed


@pytest.fixture
def bot_factory(rt: Runtime, fake_slack: FakeSlack) -> Iterator[Callable[..., SlackDriver]]:
    """Start the real app over HTTP; `customize(app)` may add test-only listeners."""
    servers: list[HttpServer] = []

    def start(customize: Callable | None = None) -> SlackDriver:
        app = create_app(rt)
        if customize:
            customize(app)
        server = HttpServer(make_wsgi_app(rt, app)).start()
        servers.append(server)
        return SlackDriver(server.url, SIGNING_SECRET, fake_slack)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def bot(bot_factory) -> SlackDriver:
    return bot_factory()


# Property tests: no per-example deadline (CI machines vary); more examples in CI.
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("default", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, max_examples=100)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "default")


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (TEST_DATABASE_URL) run the tests that touch the database; the pure
    service tests already ran on SQLite and do not depend on the database at all."""
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    keep, drop = [], []
    for item in items:
        uses_db = {"db_url", "migrated_db_url"} & set(getattr(item, "fixturenames", ()))
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
