"""The :ticket: -> Zendesk flow: tables, flow, Block Kit, settings and demo verbs."""
