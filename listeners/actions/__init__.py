from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.actions import post_quote  # issue 3: Post to channel of /quote, /discount
    post_quote.register(app)
    from listeners.actions import (  # issue 8: /incident owner and CMOC buttons
        incident_assign_backups,
        incident_broadcast_rest,
        incident_draft_update,
        incident_handling_1to1,
        incident_handoff,
        incident_retry_failed,
        incident_send_mine,
        incident_sent_myself,
        incident_show_log,
    )
    incident_send_mine.register(app)
    incident_sent_myself.register(app)
    incident_handling_1to1.register(app)
    incident_assign_backups.register(app)
    incident_broadcast_rest.register(app)
    incident_retry_failed.register(app)
    incident_show_log.register(app)
    incident_draft_update.register(app)
    incident_handoff.register(app)
