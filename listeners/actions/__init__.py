from slack_bolt import App

from listeners.actions import handover_confirm


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    handover_confirm.register(app)
