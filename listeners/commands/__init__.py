from slack_bolt import App

from listeners.commands import churn_risk


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    churn_risk.register(app)
