from slack_bolt import App

from listeners.actions import billing_links, creditbot_ack, pay_extend, pay_needs_changes, pay_task_done


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    billing_links.register(app)
    creditbot_ack.register(app)
    pay_extend.register(app)
    pay_needs_changes.register(app)
    pay_task_done.register(app)
