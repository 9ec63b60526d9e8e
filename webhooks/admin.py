"""Admin for events and webhook deliveries: read-only logs, and a retry action for deliveries."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet

from paygate.lib.admin import ReadOnlyAdmin
from paygate.lib.api import ApiError
from webhooks import services
from webhooks.models import Event, WebhookAttempt, WebhookDelivery


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "type", "merchant", "object_id", "actor", "created_at"]
    list_filter = ["type", "object_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["public_id", "object_id", "merchant__public_id", "merchant__business_name"]
    list_select_related = ["merchant"]
    readonly_fields = [
        "public_id",
        "merchant",
        "type",
        "object_type",
        "object_id",
        "payment",
        "actor",
        "data",
        "created_at",
    ]
    date_hierarchy = "created_at"


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "url", "started_at", "duration_ms", "response_status", "error", "response_body"]
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "event_type",
        "merchant",
        "status",
        "attempt_count",
        "max_attempts",
        "last_response_status",
        "last_attempt_at",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["public_id", "event__public_id", "merchant__public_id", "merchant__business_name"]
    list_select_related = ["merchant", "event"]
    readonly_fields = [
        "public_id",
        "merchant",
        "event",
        "status",
        "attempt_count",
        "max_attempts",
        "last_attempt_at",
        "next_attempt_at",
        "last_response_status",
        "last_error",
        "claimed_until",
        "queued_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["claim_token"]
    inlines = [WebhookAttemptInline]
    actions = ["retry_deliveries"]
    date_hierarchy = "created_at"

    @admin.display(description="event type", ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    def has_retry_permission(self, request: Any) -> bool:
        # Operators (admin and finance) may retry deliveries, as in the API.
        return bool(getattr(request.user, "is_operator", False))

    @admin.action(description="Send selected deliveries again now", permissions=["retry"])
    def retry_deliveries(self, request: Any, queryset: QuerySet[WebhookDelivery]) -> None:
        retried = skipped = 0
        for delivery in queryset:
            try:
                services.delivery_retry(delivery=delivery, actor=request.user)
            except ApiError:
                skipped += 1  # an attempt is in flight
            else:
                retried += 1
        if retried:
            self.message_user(request, f"{retried} deliveries queued for an attempt now.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} skipped: an attempt is in flight.", messages.WARNING)
