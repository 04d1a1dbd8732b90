"""CreditBot runway bands, the CreditBot scan and failed-payment escalation."""
