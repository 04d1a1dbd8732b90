"""/incident: tables, store, flows, the SEV 0 sender, Block Kit, settings and demo verbs."""
