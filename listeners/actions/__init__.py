from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.actions import post_quote  # issue 3: Post to channel of /quote, /discount
    post_quote.register(app)
    from listeners.actions import handover_confirm  # issue 4: Confirm button of /handover-check
    handover_confirm.register(app)
    from listeners.actions import (  # issue 5
        churn_fact,
        churn_flag,
        churn_open_vitally,
        churn_pick,
        churn_share,
    )
    for module in (churn_pick, churn_share, churn_flag, churn_fact, churn_open_vitally):
        module.register(app)
    from listeners.actions import billing_links  # issue 7: Open in Stripe / Open invoice links
    billing_links.register(app)
    from listeners.actions import creditbot_ack  # issue 7: CreditBot "I'm on it"
    creditbot_ack.register(app)
    from listeners.actions import pay_extend  # issue 7: "More time…" opens the modal
    pay_extend.register(app)
    from listeners.actions import pay_needs_changes  # issue 7: "Invoice needs changes"
    pay_needs_changes.register(app)
    from listeners.actions import pay_task_done  # issue 7: suspended / cancelled / customer responded
    pay_task_done.register(app)
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
    from listeners.actions import home_run  # issue 9: App Home row buttons
    home_run.register(app)
