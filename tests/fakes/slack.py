"""The Slack Web API fake (implementation shared with `gtmbot demo`)."""

from bot.fakes.driver import Reply, SlackDriver, sign
from bot.fakes.slack import Call, FakeSlack, ResponseUrlPost
from bot.fakes.workspace import EXTERNAL_USER, GUEST_USER, INTERNAL_CHANNELS, mirror_directory, seed_workspace

__all__ = ["Call", "FakeSlack", "ResponseUrlPost", "Reply", "SlackDriver", "sign", "seed_workspace",
           "mirror_directory", "EXTERNAL_USER", "GUEST_USER", "INTERNAL_CHANNELS"]
