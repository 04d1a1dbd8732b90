from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.views import pay_extend_modal  # issue 7: the "More time" modal submitted
    pay_extend_modal.register(app)
