from slack_bolt import App

from listeners.views import churn_fact, churn_flag_note


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    churn_flag_note.register(app)
    churn_fact.register(app)
