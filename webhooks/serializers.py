"""Input and output shapes of the webhooks API."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from merchants.models import Merchant
from paygate.lib.serializers import StrictSerializer
from webhooks.events import SUBSCRIBABLE_EVENT_TYPE_CHOICES
from webhooks.models import Event, WebhookAttempt, WebhookDelivery
from webhooks.safety import UrlRefused, parse_url
from webhooks.signing import iso8601, payload

# --- inputs -------------------------------------------------------------------------------------


class WebhookSettingsInput(StrictSerializer):
    url = serializers.CharField(
        max_length=500,
        allow_blank=True,
        trim_whitespace=True,
        help_text="http(s) URL that receives the webhooks; empty turns webhooks off.",
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENT_TYPE_CHOICES),
        required=False,
        default=list,
        max_length=len(SUBSCRIBABLE_EVENT_TYPE_CHOICES),
        help_text="The event types to receive; empty (the default) means all of them.",
    )
    enabled = serializers.BooleanField(
        required=False,
        default=True,
        help_text="false pauses the webhooks and keeps the URL and types: new events get no delivery.",
    )

    def validate_url(self, value: str) -> str:
        if value:
            try:
                parse_url(value)
            except UrlRefused as exc:
                raise serializers.ValidationError(str(exc)) from None
        return value


class EmptyInput(StrictSerializer):
    pass


# --- outputs ------------------------------------------------------------------------------------


class WebhookSettingsOutput(serializers.ModelSerializer):
    merchant_id = serializers.CharField(source="public_id")
    url = serializers.CharField(source="webhook_url", help_text="Empty when webhooks are off.")
    event_types = serializers.ListField(
        source="webhook_event_types", child=serializers.CharField(), help_text="Empty means all types."
    )
    enabled = serializers.BooleanField(source="webhooks_enabled", help_text="Whether new events are delivered.")
    previous_secret_expires_at = serializers.SerializerMethodField(
        help_text="While set, the previous secret still signs next to the current one (after a rotation)."
    )

    class Meta:
        model = Merchant
        fields = ["merchant_id", "url", "event_types", "enabled", "previous_secret_expires_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_previous_secret_expires_at(self, merchant: Merchant) -> str | None:
        expires = merchant.webhook_previous_secret_expires_at
        if not merchant.webhook_previous_secret or expires is None or expires <= timezone.now():
            return None
        return iso8601(expires)


class RotatedSecretOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="The new `whsec_…` signing secret. Shown this once only.")
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="Until then the old secret signs too (two `v1,` signatures)."
    )


class WebhookAttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "url",
            "started_at",
            "finished_at",
            "duration_ms",
            "response_status",
            "response_body",
            "error",
        ]
        read_only_fields = fields


class WebhookDeliveryOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    merchant_id = serializers.CharField(source="merchant.public_id")
    event_id = serializers.CharField(source="event.public_id", help_text="Also the `webhook-id` header.")
    event_type = serializers.CharField(source="event.type")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "merchant_id",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "max_attempts",
            "last_attempt_at",
            "next_attempt_at",
            "last_response_status",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailOutput(WebhookDeliveryOutput):
    attempts = WebhookAttemptOutput(many=True, help_text="Every attempt, first to last.")
    payload = serializers.SerializerMethodField(help_text="The JSON body that is POSTed (signed as sent).")

    class Meta(WebhookDeliveryOutput.Meta):
        fields = [*WebhookDeliveryOutput.Meta.fields, "payload", "attempts"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, delivery: WebhookDelivery) -> dict[str, Any]:
        return payload(delivery.event)


class EventOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    merchant_id = serializers.CharField(source="merchant.public_id")

    class Meta:
        model = Event
        fields = ["id", "type", "merchant_id", "object_type", "object_id", "actor", "data", "created_at"]
        read_only_fields = fields
