from slack_bolt import App

from listeners.views import pay_extend_modal


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    pay_extend_modal.register(app)
