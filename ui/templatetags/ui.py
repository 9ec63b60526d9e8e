"""Template helpers shared by the portal, the ops console and the checkout."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from paygate.lib.money import MoneyError, format_amount

register = template.Library()

# Status → badge tone, for payments, orders, refunds, payouts and webhook deliveries alike.
TONES = {
    "captured": "ok",
    "paid": "ok",
    "processed": "ok",
    "succeeded": "ok",
    "success": "ok",
    "active": "ok",
    "authorized": "info",
    "processing": "info",
    "pending": "info",
    "retrying": "warn",
    "review": "warn",
    "attempted": "info",
    "partially_refunded": "warn",
    "refunded": "neutral",
    "created": "neutral",
    "canceled": "neutral",
    "failed": "bad",
    "failure": "bad",
    "inactive": "bad",
}


@register.filter
def money(amount: int | None, currency: str) -> str:
    """`{{ payment.amount|money:payment.currency }}` → "£25.99" (minor units, per ISO 4217)."""
    if amount is None:
        return "—"
    try:
        return format_amount(int(amount), currency)
    except (MoneyError, TypeError, ValueError):
        return f"{amount} {currency}"


@register.filter
def percent(rate: float | None, digits: int = 1) -> str:
    """0.9531 → "95.3 %"; None (nothing to rate) → "—"."""
    if rate is None:
        return "—"
    return f"{rate * 100:.{digits}f} %"


@register.filter
def humanize_status(value: str) -> str:
    return str(value).replace("_", " ").capitalize() if value else ""


@register.simple_tag
def status_badge(status: str) -> str:
    tone = TONES.get(str(status), "neutral")
    return format_html('<span class="badge {}">{}</span>', tone, humanize_status(status))


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if mapping else None
