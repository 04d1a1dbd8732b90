from slack_bolt import App

from listeners.views import incident_broadcast_rest, incident_declare, incident_draft, incident_preview


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    incident_declare.register(app)
    incident_draft.register(app)
    incident_preview.register(app)
    incident_broadcast_rest.register(app)
