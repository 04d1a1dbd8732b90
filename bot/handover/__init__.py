"""/handover-check: the account snapshot, Block Kit, settings and demo verbs."""
