"""`gtmbot sync vitally`: Vitally accounts, owners, notes and users into the one account model.

Each Vitally account becomes an IMPORT.md account object (§12 mapping, trait names from
`VITALLY_TRAIT_MAP`) and goes through the SAME validator and merge upsert as `gtmbot accounts
import`. A record that fails validation is skipped and reported; valid ones are written in
batches (one transaction each); fields Vitally does not supply stay absent, so a rerun is safe.
Health score/label and the event count become the row of the current week's Monday.

Not mapped (no agreed Vitally source): `<product>_last_month` → month `usage.billed` (a usage row
needs the usage value too, and writing one would overwrite QuoteHog's), the TAM overlay (key roles).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock
from bot.clients.vitally import VitallyClient, VitallyError
from bot.db.models import TeamMember
from bot.importer.conventions import PRODUCTS
from bot.importer.issues import Issues
from bot.importer.json_reader import read_document
from bot.importer.settings import ImporterSettings
from bot.importer.validate import validate
from bot.importer.writer import write_plan
from bot.progress import Reporter

EXIT_OK, EXIT_SKIPPED, EXIT_UNAVAILABLE = 0, 1, 2
SOURCE = "vitally"


@dataclass(frozen=True)
class SyncParams:
    """What a sync needs; `from_settings` reads it from the operator's environment."""

    api_url: str
    api_key: str
    trait_map: dict[str, str]
    page_size: int = 100
    batch_size: int = 200
    max_retries: int = 5
    timeout: float = 30.0
    app_url: str | None = None
    health_good_min: float = 7.0
    health_concerning_min: float = 4.0

    @classmethod
    def from_settings(cls, settings: Any, importer_settings: ImporterSettings | None = None) -> SyncParams:
        extra = importer_settings or ImporterSettings()
        key = getattr(settings, "vitally_api_key", None)
        key_text = key.get_secret_value() if hasattr(key, "get_secret_value") else (key or "")
        return cls(
            api_url=settings.vitally_api_url, api_key=key_text, trait_map=extra.trait_map(),
            page_size=extra.vitally_page_size, batch_size=extra.vitally_batch_size,
            max_retries=extra.vitally_max_retries, timeout=extra.vitally_timeout_seconds,
            app_url=extra.vitally_app_url, health_good_min=extra.vitally_health_good_min,
            health_concerning_min=extra.vitally_health_concerning_min,
        )


@dataclass
class SyncReport:
    synced: int = 0
    skipped: int = 0
    owners_added: int = 0
    lines: list[str] = field(default_factory=list)


# ---- mapping (pure) ---------------------------------------------------------------------------


def _money(value: Any) -> Any:
    """Vitally sends numbers; the import format wants decimal strings (no float enters the model)."""
    if isinstance(value, bool):
        return value  # left for the validator to reject
    if isinstance(value, int | float):
        try:
            return f"{Decimal(repr(value)).quantize(Decimal('0.01'))}"
        except InvalidOperation:
            return repr(value)
    return value


def _int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _display(product: str) -> str:
    return " ".join(word.capitalize() for word in product.split("_"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return [value]


def week_monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def health_label(score: float, params: SyncParams) -> str:
    if score >= params.health_good_min:
        return "Good"
    if score >= params.health_concerning_min:
        return "Concerning"
    return "Poor"


def map_account(
    raw: dict[str, Any],
    params: SyncParams,
    *,
    today: date,
    owner_slack_id: str | None,
    notes: Iterable[dict[str, Any]] = (),
    users: Iterable[dict[str, Any]] = (),
    author_of: Callable[[Any], str | None] = lambda _id: None,
) -> dict[str, Any]:
    """One Vitally account as an IMPORT.md account object (IMPORT.md §12)."""
    traits = raw.get("traits") if isinstance(raw.get("traits"), dict) else {}
    tm = params.trait_map

    def trait(key: str) -> Any:
        return traits.get(tm.get(key, ""))

    external = raw.get("externalId")
    doc: dict[str, Any] = {"id": external, "posthog_org_id": external}
    if raw.get("name") is not None:
        doc["name"] = raw["name"]
    if params.app_url and raw.get("id"):
        doc["vitally_url"] = f"{params.app_url.rstrip('/')}/accounts/{raw['id']}"
    if isinstance(raw.get("segments"), list):
        doc["segments"] = [s.get("name") if isinstance(s, dict) else s for s in raw["segments"]]
    if owner_slack_id:
        doc["owner_slack_id"] = owner_slack_id
    for name in ("new_owner",):
        if trait(name) is not None:
            doc[name] = trait(name)
    for name in ("arr", "forecasted_mrr"):
        if trait(name) is not None:
            doc[name] = _money(trait(name))
    paying = [p for p in PRODUCTS if traits.get(tm["paying_for"].format(Product=_display(p), product=p)) is True]
    paid_products = trait("paid_products")
    if paid_products is not None:
        paying += [p for p in _as_list(paid_products) if p not in paying]
    if paying or paid_products is not None:
        doc["paying_for"] = paying
    limits = {
        p: _money(traits[tm["billing_limit"].format(product=p, Product=_display(p))])
        for p in PRODUCTS
        if traits.get(tm["billing_limit"].format(product=p, Product=_display(p))) is not None
    }
    if limits:
        doc["billing_limits"] = limits
    if trait("stripe_customer_id") is not None:
        doc["stripe_customer_ids"] = _as_list(trait("stripe_customer_id"))
    if trait("zendesk_id") is not None:
        doc["zendesk_org_id"] = _int(trait("zendesk_id"))
    if trait("active_batch_exports") is not None:
        doc["destinations"] = [{"kind": "batch_export", "vendor": v} for v in _as_list(trait("active_batch_exports"))]
    if trait("risk_indicators") is not None:
        doc["risk_indicators"] = _as_list(trait("risk_indicators"))
    if trait("active_users_30d") is not None:
        doc["active_users_30d"] = _int(trait("active_users_30d"))
    site = trait("site_url")
    if isinstance(site, str):
        host = site.lower()
        if "eu." in host:
            doc["cloud"] = "EU"
        elif "us." in host:
            doc["cloud"] = "US"
    for field_name, key in (("last_inbound_at", "lastInboundMessageTimestamp"), ("last_outbound_at", "lastOutboundMessageTimestamp")):
        if raw.get(key):
            doc[field_name] = raw[key]

    monday = week_monday(today).isoformat()
    score = raw.get("healthScore")
    label = trait("health_label")
    if isinstance(score, int | float) and not isinstance(score, bool):
        row: dict[str, Any] = {"period": monday, "value": f"{Decimal(repr(score)).quantize(Decimal('0.01'))}"}
        row["label"] = label if label is not None else health_label(float(score), params)
        doc["health_history"] = [row]
    elif label is not None:
        doc["health_history"] = [{"period": monday, "label": label}]
    events = trait("event_count")
    if events is not None:
        doc["events_weekly"] = [{"period": monday, "value": _int(events)}]

    mapped_notes = []
    for note in notes:
        title = note.get("subject") or note.get("title") or "(untitled)"
        category = note.get("category") if isinstance(note.get("category"), dict) else {}
        is_plan = str(category.get("name", "")).lower() == "account plan" or "account plan" in str(title).lower()
        item: dict[str, Any] = {
            "id": str(note.get("id")) if note.get("id") is not None else None,
            "kind": "account_plan" if is_plan else "other",
            "title": title,
            "body": note.get("note") or note.get("body") or "",
            "updated_at": note.get("updatedAt") or note.get("createdAt"),
        }
        if note.get("createdAt"):
            item["created_at"] = note["createdAt"]
        author = author_of(note.get("authorId"))
        if author:
            item["author"] = author
        mapped_notes.append(item)
    if mapped_notes:
        doc["notes"] = mapped_notes
    contacts = [{"email": u["email"], **({"name": u["name"]} if u.get("name") else {})}
                for u in users if isinstance(u.get("email"), str) and u["email"]]
    if contacts:
        unique: dict[str, dict[str, Any]] = {}
        for contact in contacts:
            unique.setdefault(contact["email"].lower(), contact)
        doc["contacts"] = list(unique.values())
    return doc


def _account_ids_of_user(user: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    if isinstance(user.get("accountId"), str):
        ids.append(user["accountId"])
    for key in ("accountIds", "accounts"):
        for item in _as_list(user.get(key)):
            if isinstance(item, dict) and item.get("id"):
                ids.append(str(item["id"]))
            elif isinstance(item, str):
                ids.append(item)
    return ids


# ---- the run ----------------------------------------------------------------------------------


def run_sync(
    settings_or_params: Any,
    session_factory: Callable[[], Session],
    progress: bool = True,
    *,
    stderr: TextIO = sys.stderr,
    stdout: TextIO = sys.stdout,
    now: datetime | None = None,
    lookup_slack_id: Callable[[str], str | None] | None = None,
    client: VitallyClient | None = None,
) -> int:
    """Pull Vitally into the account model. Exit 0 all synced, 1 some records skipped (each reported
    on stderr), 2 Vitally not configured or unreachable."""
    params = settings_or_params if isinstance(settings_or_params, SyncParams) else SyncParams.from_settings(settings_or_params)
    if client is None and not params.api_key:
        print("gtmbot sync vitally: VITALLY_API_KEY is not set (and VITALLY_API_URL, if not rest.vitally.io)", file=stderr)
        return EXIT_UNAVAILABLE
    now = now or clock.now()
    today = now.astimezone(UTC).date()
    if lookup_slack_id is None:
        lookup_slack_id = _slack_lookup(settings_or_params)
    own_client = client is None
    client = client or VitallyClient(
        params.api_url, params.api_key, page_size=params.page_size, max_retries=params.max_retries, timeout=params.timeout
    )
    report = SyncReport()
    with Reporter("vitally", quiet=not progress, stream=stderr) as bar:
        try:
            with bar.stage("admins") as stage:
                admins = {}
                for admin in client.paginate("admins"):
                    admins[str(admin.get("id"))] = admin
                    stage.advance()
            notes_by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
            with bar.stage("notes") as stage:
                for note in client.paginate("notes"):
                    if note.get("accountId"):
                        notes_by_account[str(note["accountId"])].append(note)
                    stage.advance()
            users_by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
            with bar.stage("users") as stage:
                for user in client.paginate("users"):
                    for account_id in _account_ids_of_user(user):
                        users_by_account[account_id].append(user)
                    stage.advance()
            with bar.stage("accounts") as stage:
                batch: list[dict[str, Any]] = []
                for raw in client.paginate("accounts"):
                    batch.append(raw)
                    if len(batch) >= params.batch_size:
                        _write_batch(batch, params, session_factory, report, today, now, admins, notes_by_account,
                                     users_by_account, lookup_slack_id)
                        stage.advance(len(batch))
                        batch = []
                if batch:
                    _write_batch(batch, params, session_factory, report, today, now, admins, notes_by_account,
                                 users_by_account, lookup_slack_id)
                    stage.advance(len(batch))
        except VitallyError as exc:
            print(f"gtmbot sync vitally: {exc}; {report.synced} accounts were synced before it stopped", file=stderr)
            return EXIT_UNAVAILABLE
        finally:
            if own_client:
                client.close()
    for line in report.lines:
        print(line, file=stderr)
    print(
        f"synced {report.synced} accounts from Vitally ({report.skipped} skipped, {report.owners_added} owners added to the team)",
        file=stdout,
    )
    return EXIT_SKIPPED if report.skipped else EXIT_OK


def _slack_lookup(settings: Any) -> Callable[[str], str | None] | None:
    """users.lookupByEmail through the bot's token, when the settings carry one (IMPORT.md §12)."""
    token = getattr(settings, "bot_token", None)
    if not token:
        return None
    from slack_sdk.errors import SlackApiError

    from bot.settings import Settings
    from bot.slack_client import make_client

    if not isinstance(settings, Settings):
        settings = Settings(slack_api_url=getattr(settings, "slack_api_url", "https://slack.com/api/"))
    web = make_client(settings, token=token)

    def lookup(email: str) -> str | None:
        try:
            return web.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError:
            return None

    return lookup


def _write_batch(
    batch: list[dict[str, Any]],
    params: SyncParams,
    session_factory: Callable[[], Session],
    report: SyncReport,
    today: date,
    now: datetime,
    admins: dict[str, dict[str, Any]],
    notes_by_account: dict[str, list[dict[str, Any]]],
    users_by_account: dict[str, list[dict[str, Any]]],
    lookup_slack_id: Callable[[str], str | None] | None,
) -> None:
    with session_factory() as session, session.begin():
        by_email = {m.email: m.slack_id for m in session.scalars(select(TeamMember)) if m.email}
        for raw in batch:
            name = f"vitally account {raw.get('id')}"
            if not isinstance(raw.get("externalId"), str) or not raw["externalId"]:
                report.skipped += 1
                report.lines.append(f"{SOURCE}: {name} ({raw.get('name')!r}): externalId: E_REQUIRED: no externalId (PostHog org id); skipped")
                continue
            members: list[dict[str, Any]] = []
            owner_slack_id = None
            admin = admins.get(str(raw.get("accountOwnerId"))) if raw.get("accountOwnerId") else None
            if admin is not None and isinstance(admin.get("email"), str):
                email = admin["email"].strip().lower()
                owner_slack_id = by_email.get(email)
                if owner_slack_id is None and lookup_slack_id is not None:
                    found = lookup_slack_id(email)
                    if found:
                        owner_slack_id = found
                        members.append({"slack_id": found, "name": admin.get("name") or email, "email": email, "role": "OTHER"})
                if owner_slack_id is None:
                    report.lines.append(f"{SOURCE}: {name}: owner: {email} is not in the team directory or Slack; owner left as it was")

            def author_of(admin_id: Any) -> str | None:
                author = admins.get(str(admin_id)) if admin_id is not None else None
                if not author:
                    return None
                email_of = author.get("email")
                return email_of.strip().lower() if isinstance(email_of, str) and email_of else author.get("name")

            account = map_account(
                raw, params, today=today, owner_slack_id=owner_slack_id,
                notes=notes_by_account.get(str(raw.get("id")), []),
                users=users_by_account.get(str(raw.get("id")), []), author_of=author_of,
            )
            doc: dict[str, Any] = {"accounts": [account]}
            if members:
                doc["team"] = members
            issues = Issues()
            nested = session.begin_nested()
            try:
                plan = validate(read_document(SOURCE, doc, issues), session, issues)
                if not issues:
                    write_plan(plan, session, today=today, now=now)
            except Exception as exc:  # a database error drops this record only
                issues.add(SOURCE, name, "", "E_DATABASE", str(exc).splitlines()[0])
            if issues:
                nested.rollback()
                report.skipped += 1
                report.lines.extend(line.replace(f"{SOURCE}: accounts[0]", f"{SOURCE}: {name}", 1) for line in issues.lines())
                continue
            nested.commit()
            report.synced += 1
            if members:
                report.owners_added += 1
                by_email[members[0]["email"]] = members[0]["slack_id"]
