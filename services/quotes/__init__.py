"""/quote and /discount: prepaid-credit pricing lever by lever, discount policy and approvals."""
