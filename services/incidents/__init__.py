"""CMOC incident comms: grammar, audience, drafts from the handbook templates, cadence, pacing."""
