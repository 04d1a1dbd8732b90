"""`gtmbot demo`: the whole bot on this machine with no credentials.

A fresh SQLite file is loaded with the demo accounts (`bot/demo/data/*.json`, then each
capability's `bot/<capability>/demo_data.json`, in the import format), a local Slack stand-in plays the workspace, and the real
Bolt app serves signed requests over HTTP on 127.0.0.1. You type what you would
type in Slack and see the replies rendered as text.

Capabilities extend the demo by adding to `VERBS` (a new word at the prompt, e.g.
`react`) and to `TOUR` (lines `gtmbot demo --tour` runs), in their own modules
listed in `EXTENSIONS`, so this file does not change when a capability arrives.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.app import create_app
from bot.db.session import session_scope
from bot.fakes.driver import Reply, SlackDriver
from bot.fakes.slack import FakeSlack
from bot.fakes.workspace import mirror_directory, seed_workspace
from bot.render import blocks_to_text, buttons
from bot.runtime import Runtime, build_runtime
from bot.server import HttpServer, make_wsgi_app
from bot.settings import Settings

DEMO_DATA = Path(__file__).with_name("data")  # the core accounts and team
BOT_DIR = Path(__file__).parents[1]  # each capability adds bot/<capability>/demo_data.json
# The demo dataset describes the world as of this morning (IMPORT.md §13's date).
DEMO_NOW = "2025-06-02T09:00:00Z"
DEMO_USER = "U0TAE01"

Verb = Callable[["DemoSession", list[str]], str]
VERBS: dict[str, tuple[Verb, str]] = {}
TOUR: list[tuple[str, str]] = []  # (what it shows, the line to run)
# Modules that register demo verbs and tour lines when imported.
EXTENSIONS: list[str] = [
    "bot.quotes.demo",  # issue 3: /quote and /discount
    "bot.importer.demo",  # issue 2: `account <text>` looks an account up
    "bot.handover.demo",  # issue 4: /handover-check
    "bot.churn.demo",  # issue 5: /churn-risk and the weekly digest
    "bot.billing.demo",  # issue 7: CreditBot and payment escalations
    "bot.tickets.demo",  # issue 6: :ticket: reactions to Zendesk
    "bot.incidents.demo",  # issue 8: /incident
    "bot.home.demo",  # issue 9: App Home and owner routing
]


def verb(name: str, usage: str) -> Callable[[Verb], Verb]:
    def register(func: Verb) -> Verb:
        VERBS[name] = (func, usage)
        return func

    return register


@dataclass
class DemoSession:
    rt: Runtime
    fake: FakeSlack
    driver: SlackDriver
    user: str = DEMO_USER
    channel: str = "C0GENERAL"
    last_buttons: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    _seen_posts: int = 0

    # ----------------------------------------------------------- rendering
    def show_reply(self, reply: Reply) -> str:
        if reply.status != 200:
            return f"(Slack would show an error: HTTP {reply.status})"
        try:
            messages = reply.messages(timeout=15)
        except AssertionError:
            return "(no reply)"
        self.last_buttons = []
        out = []
        for msg in messages:
            tag = "only you can see this" if msg.get("response_type", "ephemeral") == "ephemeral" else "posted"
            out.append(f"({tag})\n{blocks_to_text(msg.get('blocks'), msg.get('text', ''))}")
            for _block, el in buttons(msg.get("blocks")):
                self.last_buttons.append((msg, el))
        if self.last_buttons:
            out.append("buttons: " + "  ".join(
                f"[{i}] {el['text']['text']}" for i, (_, el) in enumerate(self.last_buttons, 1))
                + "   (type `click N`)")
        return "\n".join(out)

    def new_posts(self) -> str:
        posts = self.fake.posts()
        fresh = posts[self._seen_posts:]
        self._seen_posts = len(posts)
        out = []
        for p in fresh:
            chan = next((c for c, msgs in self.fake.messages.items() if p in msgs), "?")
            name = self.fake.channels.get(chan, {}).get("name", chan)
            where = f"#{name}" + (" (thread)" if p.get("thread_ts") and p["thread_ts"] != p["ts"] else "")
            out.append(f"--- gtmbot in {where}:\n{_shown(p)}")
        return "\n".join(out)

    # ------------------------------------------------------------- running
    def run_line(self, line: str) -> str:
        line = line.strip()
        if not line or line.startswith("#"):
            return ""
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            reply = self.driver.command(command, text.strip(), user=self.user, channel=self.channel)
            if reply.status == 404 or (reply.ack or {}).get("error") == "unhandled request":
                return f"{command} is not a command gtmbot knows. Type `help`."
            return _join(self.show_reply(reply), self.new_posts())
        word, *rest = shlex.split(line)
        if word in VERBS:
            return _join(VERBS[word][0](self, rest), self.new_posts())
        return f"I don't know `{word}`. Type `help` for what you can do."


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


# ------------------------------------------------------------------ built-ins
@verb("help", "help                      this list")
def _help(s: DemoSession, args: list[str]) -> str:
    lines = ["Type a slash command as in Slack (e.g. /quote 120k 2y), or:"]
    lines += [f"  {usage}" for _, usage in VERBS.values()]
    cmds = sorted({c for c in _registered_commands(s)})
    if cmds:
        lines.append("Slash commands: " + ", ".join(cmds))
    return "\n".join(lines)


def _registered_commands(s: DemoSession) -> list[str]:
    from bot.manifest import registered_commands

    return registered_commands()


@verb("as", "as <user id>              act as another person (see `users`)")
def _as(s: DemoSession, args: list[str]) -> str:
    if not args or args[0] not in s.fake.users:
        return "Usage: as U0CSM01  (`users` lists who is here)"
    s.user = args[0]
    return f"You are now {s.fake.users[s.user]['real_name']} ({s.user})."


@verb("in", "in <channel id>           type commands in another channel (see `channels`)")
def _in(s: DemoSession, args: list[str]) -> str:
    if not args or args[0] not in s.fake.channels:
        return "Usage: in C0SALESALERTS  (`channels` lists them)"
    s.channel = args[0]
    return f"You are now in #{s.fake.channels[s.channel]['name']}."


@verb("users", "users                     people in the workspace")
def _users(s: DemoSession, args: list[str]) -> str:
    from bot.db.models import TeamMember

    with session_scope(s.rt.session_factory) as session:
        roles = {m.slack_id: f"{m.role}{' ' + m.region if m.region else ''}" for m in session.query(TeamMember)}
    rows = []
    for uid, u in sorted(s.fake.users.items()):
        if u["is_bot"]:
            continue
        who = "customer (Slack Connect)" if u["is_stranger"] else ("guest" if u["is_restricted"] else "")
        rows.append(f"  {uid:<10} {u['real_name']:<18} {roles.get(uid, who)}")
    return "\n".join(rows)


@verb("channels", "channels                  channels the bot is in")
def _channels(s: DemoSession, args: list[str]) -> str:
    rows = []
    for cid, c in sorted(s.fake.channels.items()):
        if cid.startswith("D"):
            continue
        kind = "shared with a customer" if c["is_ext_shared"] else "internal"
        rows.append(f"  {cid:<14} #{c['name']:<28} {kind}")
    return "\n".join(rows)


@verb("click", "click <n>                 press button n of the last reply")
def _click(s: DemoSession, args: list[str]) -> str:
    try:
        msg, button = s.last_buttons[int(args[0]) - 1]
    except (IndexError, ValueError):
        return "Usage: click 1  (the numbers are listed under the last reply)"
    reply = s.driver.click(button, user=s.user, channel=s.channel, message=msg)
    return s.show_reply(reply) if (reply.ack or s.fake.responses) else ""


@verb("posts", "posts <channel id>        what the bot posted in a channel")
def _posts(s: DemoSession, args: list[str]) -> str:
    if not args:
        return "Usage: posts C0SALESALERTS"
    posts = s.fake.posts(args[0])
    return "\n\n".join(_shown(p) for p in posts) or "(nothing yet)"


def _shown(post: dict) -> str:
    """A post as text, with any file it shares (the churn digest's CSV) named after it."""
    files = "".join(f"\n[file: {f.get('name')}, {f.get('size', 0):,} bytes]" for f in post.get("files") or [])
    return blocks_to_text(post.get("blocks"), post.get("text", "")) + files


@verb("jobs", "jobs list | jobs run NAME [--dry-run]   scheduled jobs, run now")
def _jobs(s: DemoSession, args: list[str]) -> str:
    from jobs import load_jobs, run_job

    if not args or args[0] == "list":
        return "\n".join(f"  {j.name:<24} {j.description}" for j in sorted(load_jobs().values(), key=lambda j: j.name))
    if args[0] != "run" or len(args) < 2 or args[1] not in load_jobs():
        return "Usage: jobs run NAME [--dry-run]  (`jobs list` shows the names)"
    dry = "--dry-run" in args
    result = run_job(s.rt, args[1], dry_run=dry)
    if dry:
        return "\n".join(f"--- would post to {p.channel}:\n{blocks_to_text(p.blocks, p.text)}"
                         for p in result.planned) or f"{args[1]}: nothing to post"
    return f"{args[1]}: {result.summary}"


# ------------------------------------------------------------------- set-up
def start_demo(db_path: Path) -> tuple[DemoSession, HttpServer]:
    os.environ.setdefault("GTMBOT_NOW", DEMO_NOW)
    for ext in EXTENSIONS:
        importlib.import_module(ext)
    if db_path.exists():
        db_path.unlink()
    fake = seed_workspace(FakeSlack(bot_token="xoxb-demo").start())
    secret = secrets.token_hex(16)
    settings = Settings(slack_bot_token="xoxb-demo", slack_signing_secret=secret, slack_api_url=fake.url,
                        database_url=f"sqlite:///{db_path}", scheduler_enabled=False)
    rt = build_runtime(settings)
    load_demo_data(rt, fake)
    server = HttpServer(make_wsgi_app(rt, create_app(rt))).start()
    return DemoSession(rt, fake, SlackDriver(server.url, secret, fake)), server


def load_demo_data(rt: Runtime, fake: FakeSlack) -> None:
    from bot.importer import import_document

    for path in [*sorted(DEMO_DATA.glob("*.json")), *sorted(BOT_DIR.glob("*/demo_data.json"))]:
        with session_scope(rt.session_factory) as session:
            import_document(json.loads(path.read_text()), session)
    with session_scope(rt.session_factory) as session:
        mirror_directory(fake, session)


def run_demo(*, tour: bool = False, db_path: Path = Path("gtmbot-demo.db"), script: str | None = None,
             out: TextIO = sys.stdout, lines: list[str] | None = None) -> int:
    session, server = start_demo(db_path)
    try:
        name = session.fake.users[session.user]["real_name"]
        print(f"gtmbot demo: a local workspace with demo accounts, as of {os.environ['GTMBOT_NOW'][:10]}.\n"
              f"You are {name} ({session.user}) in #general. Type `help`; Ctrl-D to leave.", file=out)
        if tour:
            for what, line in TOUR:
                print(f"\n### {what}\n> {line}", file=out)
                print(session.run_line(line), file=out)
            return 0
        source = lines if lines is not None else (Path(script).read_text().splitlines() if script else None)
        interactive = source is None and sys.stdin.isatty()
        feed = iter(source if source is not None else sys.stdin)
        while True:
            try:
                line = input("> ") if interactive else next(feed)
            except (EOFError, StopIteration):
                break
            if line.strip() in ("quit", "exit"):
                break
            if not interactive and line.strip():
                print(f"> {line.rstrip()}", file=out)
            print(session.run_line(line), file=out)
        return 0
    finally:
        server.stop()
        session.fake.stop()
