"""The App Home tab and its row buttons."""

from slack_bolt import App

from listeners.home import app_home_opened, run_buttons


def register(app: App) -> None:
    run_buttons.register(app)
    app_home_opened.register(app)
