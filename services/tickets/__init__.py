"""The :ticket: -> Zendesk policy."""
