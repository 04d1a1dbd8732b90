from slack_bolt import App

from listeners.actions import churn_fact, churn_flag, churn_open_vitally, churn_pick, churn_share


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    churn_pick.register(app)
    churn_share.register(app)
    churn_flag.register(app)
    churn_open_vitally.register(app)
    churn_fact.register(app)
