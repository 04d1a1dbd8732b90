"""/handover-check: is an account ready to move to its new owner."""
