from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.actions import post_quote  # issue 3: Post to channel of /quote, /discount
    post_quote.register(app)
    from listeners.actions import handover_confirm  # issue 4: Confirm button of /handover-check
    handover_confirm.register(app)
