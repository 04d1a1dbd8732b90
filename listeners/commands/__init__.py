from slack_bolt import App

from listeners.commands import incident


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    incident.register(app)
