"""The one list of event types PayGate emits. Validation of a merchant's `event_types` uses it.

A type added to a service must be added here too (tests/webhooks/test_events.py checks that every
type written by payments/services.py is listed).
"""

from __future__ import annotations

# Emitted by the services in the same transaction as the change they describe.
SUBSCRIBABLE_EVENT_TYPES: tuple[str, ...] = (
    "order.created",
    "order.paid",
    "order.canceled",
    "order.deleted",
    "order.restored",
    "payment.created",
    "payment.authorized",
    "payment.captured",
    "payment.failed",
    "payment.review_required",
    "payment.canceled",
    "payment.retried",
    "payment.deleted",
    "payment.restored",
    "payment.refunded",
    "refund.created",
    "refund.processed",
    "refund.failed",
    "payout.processed",
    "product.created",
    "product.updated",
    "product.stock_changed",
    "product.deleted",
    "payment_link.created",
    "payment_link.deactivated",
    "payment_link.paid",
)

# Sent on request by the merchant (POST webhooks/test/); delivered whatever types were chosen.
TEST_EVENT_TYPE = "webhook.test"

# Operators' audit of a merchant account (ops console): on the merchant's timeline, never delivered.
AUDIT_EVENT_TYPES: tuple[str, ...] = ("merchant.deactivated", "merchant.reactivated")

EVENT_TYPES: tuple[str, ...] = (*SUBSCRIBABLE_EVENT_TYPES, TEST_EVENT_TYPE, *AUDIT_EVENT_TYPES)
EVENT_TYPE_CHOICES: list[tuple[str, str]] = [(t, t) for t in EVENT_TYPES]
SUBSCRIBABLE_EVENT_TYPE_CHOICES: list[tuple[str, str]] = [(t, t) for t in SUBSCRIBABLE_EVENT_TYPES]


def wants_event(*, event_types: list[str], type: str) -> bool:
    """Whether a merchant that chose `event_types` (empty = all) receives an event of `type`."""
    if type in AUDIT_EVENT_TYPES:
        return False
    return type == TEST_EVENT_TYPE or not event_types or type in event_types
