"""App Home and owner routing in `gtmbot demo`: `home [user id]` opens the Home tab and prints the published
view; `route <account id>` says whom an alert about that account would tag, and why."""

from __future__ import annotations

from bot.db.session import session_scope
from bot.demo import TOUR, DemoSession, verb
from bot.home.routing import route_account
from bot.render import blocks_to_text, buttons


@verb("home", "home [user id]    open the App Home tab (default: you) and show what it lists")
def _home(s: DemoSession, args: list[str]) -> str:
    user = args[0] if args else s.user
    s.fake.home_views.pop(user, None)
    resp = s.driver.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    if resp.status_code != 200:
        return f"(Slack would show an error: HTTP {resp.status_code})"
    try:
        view = s.fake.wait_for(lambda: s.fake.home_views.get(user), timeout=15)
    except AssertionError:
        return f"(no Home tab published for {user}: is it a user in the demo workspace? e.g. `home U0TAE01`)"
    found = buttons(view["blocks"])
    s.last_buttons = [(view, el) for _, el in found]
    numbered = [f"  {i}. {el['text']['text']} ({el['value']})" for i, (_, el) in enumerate(found, 1)]
    tail = "\n\nButtons (`click <n>` sends the reply to your DM):\n" + "\n".join(numbered) if numbered else ""
    return blocks_to_text(view["blocks"]) + tail


@verb("route", "route <account id>    whom an alert about that account tags, and why (e.g. route churn-ember)")
def _route(s: DemoSession, args: list[str]) -> str:
    if len(args) != 1:
        return "Give one account id, e.g. `route churn-ember`."
    with session_scope(s.rt.session_factory) as session:
        r = route_account(s.rt, session, args[0])
    if r is None:
        return f"No account has the id {args[0]!r}; try `account <name>` to find it, e.g. `route churn-ember`."
    return f"{r.reason} ({', '.join(f'<@{t}>' for t in r.tag) or 'nobody'})"


TOUR.extend([
    ("App Home: your book at a glance", "home"),
    ("App Home: a row's button DMs you that command's reply", "click 1"),
    ("Owner routing: an account with no owner goes to Simon", "route churn-ember"),
])
