"""The App Home book and owner routing (who to tag about an account)."""
