"""App Home tab opened: publish the user's book (internal users) or the internal-use notice (everyone else)."""

from __future__ import annotations

from slack_bolt import App

from bot.home.refresh import refresh_home


def handle_app_home_opened(event, context) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab needs nothing from us
    refresh_home(context["rt"], event["user"])


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)
