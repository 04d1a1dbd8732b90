from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.events import incident_replies  # issue 8: replies to incident broadcasts
    incident_replies.register(app)
