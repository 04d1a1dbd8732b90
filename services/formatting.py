"""Text formatting shared by churn evidence and replies: money, percentages, product names."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PRODUCT_LABELS = {
    "product_analytics": "Product analytics",
    "web_analytics": "Web analytics",
    "session_replay": "Session replay",
    "feature_flags": "Feature flags",
    "experiments": "Experiments",
    "surveys": "Surveys",
    "error_tracking": "Error tracking",
    "data_warehouse": "Data warehouse",
    "data_pipelines": "Data pipelines",
    "llm_observability": "LLM observability",
    "workflows": "Workflows",
    "logs": "Logs",
    "posthog_ai": "PostHog AI",
    "group_analytics": "Group analytics",
}


def money(value: Decimal | int) -> str:
    """`$48,000` for whole dollars, `$2,640.50` otherwise; negatives as `−$3,000`."""
    value = Decimal(value)
    sign = "−" if value < 0 else ""
    value = abs(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # not policy: shown to the cent
    if value == value.to_integral_value():
        return f"{sign}${value:,.0f}"
    return f"{sign}${value:,.2f}"


def pct(ratio: Fraction | Decimal, places: int = 1) -> str:
    """A ratio as a percentage with fixed places, rounded half up: Fraction(3, 10) -> `30.0%`."""
    value = (Decimal(ratio.numerator) / Decimal(ratio.denominator)) if isinstance(ratio, Fraction) else ratio
    q = Decimal(1).scaleb(-places)
    return f"{(value * 100).quantize(q, rounding=ROUND_HALF_UP)}%"


def product_label(product: str) -> str:
    return PRODUCT_LABELS.get(product, product.replace("_", " ").capitalize())
