"""/quote and /discount: the reply builder, Block Kit, settings and demo verbs."""
