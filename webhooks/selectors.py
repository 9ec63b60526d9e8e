"""Reads that decide what a user may see of webhooks. Operators see every merchant's; a merchant
only its own (another merchant's delivery answers 404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from rest_framework.exceptions import ValidationError

from merchants.models import Merchant, User
from webhooks.models import Event, WebhookAttempt, WebhookDelivery


def event_list(*, user: User) -> QuerySet[Event]:
    return Event.objects.select_related("merchant").visible_to(user)


def delivery_list(*, user: User) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.visible_to(user).select_related("event", "merchant")


def delivery_detail(*, user: User) -> QuerySet[WebhookDelivery]:
    return delivery_list(user=user).prefetch_related(
        Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("number"))
    )


def webhook_merchant_for(*, user: User, merchant_id: str | None) -> Merchant:
    """Whose webhook settings to show: a merchant's own; operators name the merchant."""
    if not user.is_operator:
        return user.merchant
    if not merchant_id:
        raise ValidationError({"merchant_id": ["Operators must say whose webhook settings to show."]})
    merchant = Merchant.objects.filter(public_id=merchant_id).first()
    if merchant is None:
        raise Http404
    return merchant
