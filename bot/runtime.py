"""What a running gtmbot holds: settings, database, Slack client. Built once by
`serve`, `demo` and the tests, and handed to listeners through the Bolt context
(`context["rt"]`) and to jobs through their JobContext."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import handbook_links
from bot.db.migrate import upgrade
from bot.db.session import make_engine, make_session_factory
from bot.settings import Settings
from bot.slack_client import make_client


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    client: WebClient
    # Names this process in claims and leases: host, a token unique to this start (a restarted process
    # with the pid of its predecessor, as in a container, must not mistake the dead one's claims for
    # its own), then the pid.
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()[:80]}.{secrets.token_hex(3)}:{os.getpid()}")
    # Per-process caches (user and channel facts fetched from Slack).
    cache: dict[str, Any] = field(default_factory=dict)


def build_runtime(settings: Settings, *, migrate: bool = True, client: WebClient | None = None) -> Runtime:
    handbook_links.configure(settings.handbook_base_url)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(settings.database_url)
    return Runtime(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        client=client or make_client(settings),
    )
