from slack_bolt import App

from listeners.events import incident_replies


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    incident_replies.register(app)
