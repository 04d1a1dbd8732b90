"""Churn risk: signals, levels, revenue adjustments, retention metrics and the weekly digest."""
