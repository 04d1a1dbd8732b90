from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.events import app_home_opened  # issue 9: App Home
    app_home_opened.register(app)
