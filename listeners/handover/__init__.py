"""/handover-check and its Confirm button."""

from slack_bolt import App

from listeners.handover import confirm_button, handover_check_command


def register(app: App) -> None:
    handover_check_command.register(app)
    confirm_button.register(app)
