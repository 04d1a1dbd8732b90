from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.commands import discount, quote  # issue 3: /quote and /discount
    quote.register(app)
    discount.register(app)
    from listeners.commands import handover_check  # issue 4: /handover-check
    handover_check.register(app)
    from listeners.commands import churn_risk  # issue 5: /churn-risk
    churn_risk.register(app)
    from listeners.commands import incident  # issue 8: /incident
    incident.register(app)
