"""Recording domain events. Called by the services inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from merchants.models import Merchant
from webhooks.models import Event


def event_record(
    *,
    merchant: Merchant,
    type: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    payment: Any = None,
    actor: Any = None,
) -> Event:
    """Write the event row: the audit timeline entry and the webhook outbox entry in one."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are written in the same transaction as the change they record")
    return Event.objects.create(
        merchant=merchant,
        type=type,
        object_type=object_type,
        object_id=object_id,
        data=data,
        payment=payment,
        actor=getattr(actor, "public_id", "") if actor is not None else "",
    )
