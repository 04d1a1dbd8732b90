"""/quote, /discount and their Post to channel button."""

from slack_bolt import App

from listeners.quotes import discount_command, post_to_channel, quote_command


def register(app: App) -> None:
    quote_command.register(app)
    discount_command.register(app)
    post_to_channel.register(app)
