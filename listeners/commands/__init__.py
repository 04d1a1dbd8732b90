from slack_bolt import App

from listeners.commands import handover_check


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    handover_check.register(app)
