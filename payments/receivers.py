"""What payments do when an app below them announces a change (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from merchants.models import Merchant
from merchants.signals import merchant_deleting
from payments import services


@receiver(merchant_deleting, dispatch_uid="payments.hide_deleted_merchant_records")
def hide_deleted_merchant_records(sender: Any, *, merchant: Merchant, **kwargs: Any) -> None:
    """Account deletion: the merchant's orders and payments go with it, in its transaction."""
    services.merchant_soft_delete_records(merchant=merchant)
