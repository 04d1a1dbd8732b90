"""A believable workspace for the fake Slack: the handbook's internal channels,
a customer (Slack Connect) user, and, mirrored from the database, every team
member as an internal user and every account channel as an externally shared one."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.fakes.slack import FakeSlack

CUSTOMER_TEAM = "T0CUSTOMER"
INTERNAL_CHANNELS = {
    "C0GENERAL": "general",
    "C0SALESALERTS": "sales-alerts",
    "C0CHURN": "customer-churn",
    "C0CSSUPPORT": "group-cs-sales-support",
    "C0SUPPORTCS": "support-customer-success",
}
EXTERNAL_USER = "U0EXT01"
# The default requester in tests and the demo (the roster's first TAE).
DEFAULT_USER = ("U0TAE01", "alex", "Alex Rivera", "alex@example.com")
GUEST_USER = "U0GUEST1"


def seed_workspace(fake: FakeSlack) -> FakeSlack:
    for cid, name in INTERNAL_CHANNELS.items():
        if cid not in fake.channels:
            fake.add_channel(cid, name)
    uid, name, real, email = DEFAULT_USER
    if uid not in fake.users:
        fake.add_user(uid, name, real_name=real, email=email)
    if EXTERNAL_USER not in fake.users:
        fake.add_user(EXTERNAL_USER, "casey.customer", team_id=CUSTOMER_TEAM, email="casey@customer.example",
                      real_name="Casey Customer", hide_email=True)
    if GUEST_USER not in fake.users:
        fake.add_user(GUEST_USER, "gabe.guest", email="gabe@contractor.example", is_restricted=True)
    return fake


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def mirror_directory(fake: FakeSlack, session: Session) -> None:
    """Make Slack know the people and channels the database names."""
    from bot.db.models import Account, AccountSlackChannel, TeamMember

    for m in session.scalars(select(TeamMember)):
        if m.slack_id not in fake.users:
            fake.add_user(m.slack_id, m.name.split()[0].lower(), real_name=m.name, email=m.email,
                          status_text="Out of office" if m.out_of_office else "",
                          status_emoji=":palm_tree:" if m.out_of_office else "")
    rows = session.execute(select(AccountSlackChannel.channel_id, Account.name).join(Account))
    for channel_id, account_name in rows:
        if channel_id not in fake.channels:
            fake.add_channel(channel_id, f"ext-{_slug(account_name)}", is_ext_shared=True,
                             members=[EXTERNAL_USER])
