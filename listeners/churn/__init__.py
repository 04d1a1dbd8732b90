"""/churn-risk, its buttons (pick, share, flag, record a fact, open in Vitally) and modals, and customer
Slack activity (W4) read from message events."""

from slack_bolt import App

from listeners.churn import (
    churn_risk_command,
    customer_message,
    fact_button,
    fact_modal,
    flag_button,
    flag_note_modal,
    open_vitally_button,
    pick_button,
    share_button,
)


def register(app: App) -> None:
    customer_message.register(app)
    churn_risk_command.register(app)
    for module in (pick_button, share_button, flag_button, fact_button, open_vitally_button):
        module.register(app)
    flag_note_modal.register(app)
    fact_modal.register(app)
