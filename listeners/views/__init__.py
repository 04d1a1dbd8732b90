from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.views import churn_fact, churn_flag_note  # issue 5: flag note and Record a fact modals
    churn_flag_note.register(app)
    churn_fact.register(app)
    from listeners.views import pay_extend_modal  # issue 7: the "More time" modal submitted
    pay_extend_modal.register(app)
