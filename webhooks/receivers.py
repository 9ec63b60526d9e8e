"""What webhooks do when merchants announce a change (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from merchants.models import Merchant, User
from merchants.signals import merchant_status_changed
from webhooks.services import event_record


@receiver(merchant_status_changed, dispatch_uid="webhooks.audit_merchant_status")
def audit_merchant_status(
    sender: Any, *, merchant: Merchant, active: bool, actor: User | None = None, **kwargs: Any
) -> None:
    """The audit row of a deactivation or reactivation, in the service's transaction."""
    event_record(
        merchant=merchant,
        type="merchant.reactivated" if active else "merchant.deactivated",
        object_type="merchant",
        object_id=merchant.public_id,
        data={"id": merchant.public_id, "business_name": merchant.business_name, "active": active},
        actor=actor,
    )
