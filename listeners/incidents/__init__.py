"""/incident for the CMOC: the command, owner and CMOC buttons, modals, and customers' replies."""

from slack_bolt import App

from listeners.incidents import (
    assign_backups_button,
    broadcast_replies,
    broadcast_rest_button,
    broadcast_rest_modal,
    declare_modal,
    draft_modal,
    draft_update_button,
    handling_1to1_button,
    handoff_button,
    incident_command,
    preview_modal,
    retry_failed_button,
    send_mine_button,
    sent_myself_adjust_button,
    sent_myself_button,
    sent_myself_modal,
    show_log_button,
    upgrade_modal,
)


def register(app: App) -> None:
    incident_command.register(app)
    send_mine_button.register(app)
    sent_myself_button.register(app)
    sent_myself_adjust_button.register(app)
    handling_1to1_button.register(app)
    assign_backups_button.register(app)
    broadcast_rest_button.register(app)
    retry_failed_button.register(app)
    show_log_button.register(app)
    draft_update_button.register(app)
    handoff_button.register(app)
    declare_modal.register(app)
    draft_modal.register(app)
    preview_modal.register(app)
    broadcast_rest_modal.register(app)
    upgrade_modal.register(app)
    sent_myself_modal.register(app)
    broadcast_replies.register(app)  # customers' replies to SEV 0 broadcasts
