"""`gtmbot handbook check` and the weekly drift job: reading a handbook copy from disk, rendering the
report (text, JSON, Slack). The checking itself is pure: services/rules/check.py."""
