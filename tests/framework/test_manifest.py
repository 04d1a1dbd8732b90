"""manifest.yml and the registered listeners must agree, or Slack and the bot disagree."""

from __future__ import annotations

from bot.manifest import METHOD_SCOPES, load_manifest, missing_scopes, registered

# Slack delivers `message` events under per-channel-type names.
MESSAGE_EVENTS = {"message.channels", "message.groups", "message.im", "message.mpim"}


def test_every_registered_command_is_in_the_manifest():
    manifest = {c["command"] for c in load_manifest()["features"]["slash_commands"]}
    assert registered().commands <= manifest


def test_manifest_events_and_event_listeners_match_both_ways():
    manifest = set(load_manifest()["settings"]["event_subscriptions"].get("bot_events") or [])
    listened = registered().events
    normalised = {"message" if e in MESSAGE_EVENTS else e for e in manifest}
    assert listened == normalised


def test_commands_point_at_the_events_path_and_interactivity_is_on():
    m = load_manifest()
    assert all(c["url"].endswith("/slack/events") for c in m["features"]["slash_commands"])
    assert m["settings"]["interactivity"]["is_enabled"] is True


def test_scopes_cover_what_the_listeners_need():
    scopes = set(load_manifest()["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "users:read"} <= scopes
    events = registered().events
    if "reaction_added" in events:
        assert "reactions:read" in scopes
    if "app_mention" in events:
        assert "app_mentions:read" in scopes


def test_scopes_cover_the_methods_the_bot_writes_with():
    """The churn digest shares a CSV through files.uploadV2: without files:write Slack refuses it."""
    from bot.outbox import FILE_UPLOAD

    assert FILE_UPLOAD in METHOD_SCOPES
    assert missing_scopes() == {}
    manifest = load_manifest()
    manifest["oauth_config"]["scopes"]["bot"].remove("files:write")
    assert missing_scopes(manifest) == {"files.uploadV2": ["files:write"]}
