"""`gtmbot`: serve, demo, database, account data, jobs and the handbook check (DESIGN.md's operator contract)."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
import threading
from pathlib import Path

from bot.settings import Settings

log = logging.getLogger("gtmbot.cli")


def _settings() -> Settings:
    from bot.logs import configure_logging

    settings = Settings()
    configure_logging(settings)
    return settings


# ----------------------------------------------------------------------- serve
def cmd_serve(args: argparse.Namespace) -> int:
    from bot.app import create_app
    from bot.recovery import Recovery
    from bot.runtime import build_runtime
    from bot.scheduler import Scheduler
    from bot.work import wait_idle

    settings = _settings()
    missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                        ("SLACK_SIGNING_SECRET", settings.slack_signing_secret)) if not value]
    if args.socket and not settings.slack_app_token:
        missing.append("SLACK_APP_TOKEN")
    if missing:
        print(f"gtmbot serve needs {', '.join(missing)} (try `gtmbot demo` to run without credentials)",
              file=sys.stderr)
        return 2
    rt = build_runtime(settings)
    app = create_app(rt)
    # Heartbeat and recovery first: every claim this process makes names a live worker, and work a
    # dead process left behind is picked up within seconds, lease or no lease (bot.recovery).
    recovery = Recovery(rt, app).start()
    scheduler = Scheduler(rt) if settings.scheduler_enabled else None
    if scheduler:
        scheduler.start()
    def _terminate(*_: object) -> None:
        raise KeyboardInterrupt

    _freeze_startup_heap()

    signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.socket:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
            handler.connect()
            log.info("gtmbot connected over Socket Mode")
            threading.Event().wait()
        else:
            from bot.server import HttpServer, make_wsgi_app

            server = HttpServer(make_wsgi_app(rt, app), host=args.host, port=args.http)
            log.info("gtmbot listening on http://%s:%s (POST /slack/events, GET /healthz)", args.host, server.port)
            try:
                server.serve_forever()
            finally:
                server.stop()
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler:
            scheduler.shutdown()
        # Let listeners finish what they acknowledged (their records end done). Only when nothing is
        # left in flight is the heartbeat removed at once; otherwise it goes stale and the others take
        # the unfinished work over once this process is surely gone.
        recovery.stop(forget=wait_idle(10))
    return 0


def _freeze_startup_heap() -> None:
    """What startup built (modules, the ORM's metadata, Bolt's listeners: ~150,000 objects) lives as
    long as the process. Left to the collector, every full collection rescans all of it: a 50-100 ms
    pause landing on whichever request is being answered. Frozen, a full collection walks only what
    requests created (bench/RESULTS.md, ack latency)."""
    gc.collect()
    gc.freeze()


# ------------------------------------------------------------------------ demo
def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(tour=args.tour, db_path=Path(args.db), script=args.script)


# -------------------------------------------------------------------------- db
def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print("database is at the latest schema")
    return 0


# -------------------------------------------------------------------- accounts
def cmd_accounts_import(args: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade
    from bot.db.session import make_engine, make_session_factory
    from bot.importer import run_import

    settings = _settings()
    paths = [Path(p) for p in args.files]
    for p in paths:
        if not p.is_file():
            print(f"{p}: no such file", file=sys.stderr)
            return 2
    upgrade(settings.database_url)
    factory = make_session_factory(make_engine(settings.database_url))
    return run_import(paths, session_factory=factory, dry_run=args.dry_run, replace_series=args.replace_series,
                      progress=not args.quiet)


# ------------------------------------------------------------------------ sync
# What the CLI runs from a capability, by reference ("module:function", loaded by bot.server.load_ref
# when used), so the framework names no capability's module in an import.
SYNC_SOURCES: dict[str, str] = {
    "vitally": "bot.importer.vitally_sync:run_sync",
    "stripe": "bot.billing.stripe_sync:run_sync",
}
RETENTION_COMMAND = "bot.churn.retention_cli:retention_command"


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade
    from bot.db.session import make_engine, make_session_factory

    settings = _settings()
    upgrade(settings.database_url)
    factory = make_session_factory(make_engine(settings.database_url))
    from bot.server import load_ref

    run_sync = load_ref(SYNC_SOURCES[args.source])
    return run_sync(settings, factory, progress=not args.quiet)


# ------------------------------------------------------------------------ jobs
def cmd_jobs_list(args: argparse.Namespace) -> int:
    from jobs import load_jobs

    for spec in sorted(load_jobs().values(), key=lambda j: j.name):
        trigger = ", ".join(f"{k}={v}" for k, v in spec.trigger.items())
        print(f"{spec.name:<24} {spec.description}  [{trigger}]")
    return 0


def cmd_jobs_run(args: argparse.Namespace) -> int:
    from bot.render import blocks_to_text
    from bot.runtime import build_runtime
    from bot.work import Heartbeat
    from jobs import load_jobs, run_job

    settings = _settings()
    if args.name not in load_jobs():
        print(f"no job named {args.name!r}; `gtmbot jobs list` shows them", file=sys.stderr)
        return 2
    rt = build_runtime(settings)
    heartbeat = Heartbeat(rt).start()  # what this run claims is seen as a live process's, not taken over
    try:
        result = run_job(rt, args.name, dry_run=args.dry_run)
    finally:
        heartbeat.stop()
    for post in result.planned:
        print(f"--- would post to {post.channel} (key {post.key})")
        print(blocks_to_text(post.blocks, post.text))
    for queued in result.queued:
        print(f"--- queued to {queued.channel} (key {queued.key})")
    if result.report and not args.dry_run:
        print(f"sent {len(result.report.sent)}, failed {len(result.report.failed)}, "
              f"waiting {len(result.report.pending)}")
    print(f"{args.name}: {result.summary}")
    return 0


# --------------------------------------------------------------------- metrics
def cmd_metrics_retention(args: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade
    from bot.server import load_ref

    retention_command = load_ref(RETENTION_COMMAND)

    settings = _settings()
    upgrade(settings.database_url)
    return retention_command(["--from", args.first, "--to", args.last])


# -------------------------------------------------------------------- handbook
def cmd_handbook_check(args: argparse.Namespace) -> int:
    """Every rule against a handbook copy: 1 when something changed or is not found, 2 without a copy."""
    import json

    from bot.handbook_check.load import HandbookMissing, load_handbook
    from bot.handbook_check.report import text_report
    from services.rules.check import check
    from services.rules.registry import all_rules

    try:
        handbook = load_handbook(Path(args.path))
    except HandbookMissing as e:
        print(e, file=sys.stderr)
        return 2
    report = check(all_rules(), handbook)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(text_report(report, args.path))
    return 1 if report.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gtmbot", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)

    serve = sub.add_parser("serve", help="run the bot (HTTP or Socket Mode), scheduler inside")
    mode = serve.add_mutually_exclusive_group(required=True)
    mode.add_argument("--http", type=int, metavar="PORT", help="serve POST /slack/events on PORT")
    mode.add_argument("--socket", action="store_true", help="connect over Socket Mode (SLACK_APP_TOKEN)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="try every command locally, no credentials needed")
    demo.add_argument("--tour", action="store_true", help="run each capability once and print the replies")
    demo.add_argument("--db", default="gtmbot-demo.db", help="demo SQLite file (recreated each run)")
    demo.add_argument("--script", help="read demo commands from this file instead of the terminal")
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_cmd", required=True)
    db_sub.add_parser("upgrade", help="apply migrations up to the latest").set_defaults(func=cmd_db_upgrade)

    accounts = sub.add_parser("accounts", help="account data")
    acc_sub = accounts.add_subparsers(dest="acc_cmd", required=True)
    imp = acc_sub.add_parser("import", help="import accounts/team from JSON or CSV (see README)")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    imp.add_argument("--replace-series", action="store_true",
                     help="a series given for an account replaces its stored series")
    imp.add_argument("--quiet", action="store_true", help="no progress bar or stage lines on stderr")
    imp.set_defaults(func=cmd_accounts_import)

    sync = sub.add_parser("sync", help="pull account data from a system of record")
    sync.add_argument("source", choices=sorted(SYNC_SOURCES))
    sync.add_argument("--quiet", action="store_true", help="no progress bar")
    sync.set_defaults(func=cmd_sync)

    jobs = sub.add_parser("jobs", help="scheduled jobs")
    jobs_sub = jobs.add_subparsers(dest="jobs_cmd", required=True)
    jobs_sub.add_parser("list", help="list the jobs and their schedules").set_defaults(func=cmd_jobs_list)
    run = jobs_sub.add_parser("run", help="run one job now")
    run.add_argument("name")
    run.add_argument("--dry-run", action="store_true", help="print what would be posted; post nothing")
    run.set_defaults(func=cmd_jobs_run)

    metrics = sub.add_parser("metrics", help="revenue metrics")
    metrics_sub = metrics.add_subparsers(dest="metrics_cmd", required=True)
    ret = metrics_sub.add_parser("retention", help="NDR/GDR and lifecycle components per month (adjusted revenue)")
    ret.add_argument("--from", dest="first", required=True, metavar="YYYY-MM")
    ret.add_argument("--to", dest="last", required=True, metavar="YYYY-MM")
    ret.set_defaults(func=cmd_metrics_retention)

    handbook = sub.add_parser("handbook", help="the policy rules against the handbook")
    hb_sub = handbook.add_subparsers(dest="handbook_cmd", required=True)
    hb_check = hb_sub.add_parser("check", help="compare every rule with a copy of the handbook; exit 1 on drift")
    hb_check.add_argument("path", help="a checkout of the website repository, a folder of markdown pages,"
                                       " or a text export")
    hb_check.add_argument("--json", action="store_true", help="the report as JSON (for CI)")
    hb_check.set_defaults(func=cmd_handbook_check)

    return parser


def main(argv: list[str] | None = None) -> int:
    from bot import clock

    clock.start()  # GTMBOT_NOW is the time at start-up; the clock runs on from here
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
