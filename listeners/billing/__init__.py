"""CreditBot and payment escalation buttons, and the "More time" modal."""

from slack_bolt import App

from listeners.billing import (
    creditbot_ack_button,
    extend_button,
    extend_modal,
    link_buttons,
    needs_changes_button,
    task_done_buttons,
)


def register(app: App) -> None:
    link_buttons.register(app)  # Open in Stripe / Open invoice
    creditbot_ack_button.register(app)  # CreditBot "I'm on it"
    extend_button.register(app)  # "More time…" opens the modal
    needs_changes_button.register(app)  # "Invoice needs changes"
    task_done_buttons.register(app)  # suspended / cancelled / customer responded
    extend_modal.register(app)  # the "More time" modal submitted
