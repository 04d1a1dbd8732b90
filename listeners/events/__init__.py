from slack_bolt import App


def register(app: App) -> None:
    """Each listener module of this kind registers itself here, one line each."""
    from listeners.events import incident_replies  # issue 8: replies to incident broadcasts
    incident_replies.register(app)
    # Imported here, not at the top: bot.ticket_flow imports listeners.blocks, and a top-level import
    # would make `import listeners.blocks...` import the listeners back (a cycle).
    from listeners.events import app_mention, message, reaction_added

    reaction_added.register(app)  # tickets
    app_mention.register(app)  # tickets
    message.register(app)  # tickets: replies in ticketed threads
    from listeners.events import app_home_opened  # issue 9: App Home

    app_home_opened.register(app)
