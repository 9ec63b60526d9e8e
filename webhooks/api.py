"""Webhooks API: thin views — validate input, call one service or selector, render output.

Who may do what: every role reads (a merchant its own, operators everyone's); merchants and
operators retry deliveries; only the merchant sets its URL and types, sends test events and
rotates its secret (operators answer 403 there).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from merchants.models import Role
from paygate.lib.api import ok
from paygate.lib.permissions import ActionRoles
from paygate.lib.schema import ErrorEnvelopeSerializer
from paygate.lib.viewsets import ScopedViewSet
from webhooks import selectors, services
from webhooks import serializers as s
from webhooks.filters import DeliveryFilter, EventFilter
from webhooks.models import Event, WebhookDelivery

MERCHANTS = frozenset({Role.MERCHANT})
TAGS = ["webhooks"]


class WebhookSettingsViewSet(viewsets.GenericViewSet):
    """The merchant's webhook endpoint: URL, event types, secret, test events."""

    permission_classes = [IsAuthenticated, ActionRoles]
    action_roles = {"update": MERCHANTS, "test": MERCHANTS, "rotate_secret": MERCHANTS}
    pagination_class = None

    @extend_schema(
        tags=TAGS, summary="Webhook settings", responses={200: s.WebhookSettingsOutput, 404: ErrorEnvelopeSerializer},
        description="A merchant's own settings; operators name the merchant with `merchant_id`. "
        "The signing secret is never shown here (see rotate-secret).",
        parameters=[OpenApiParameter("merchant_id", str, description="Operators: whose settings (required for them).")],
    )  # fmt: skip
    def retrieve(self, request: Request) -> Response:
        merchant = selectors.webhook_merchant_for(
            user=request.user, merchant_id=request.query_params.get("merchant_id")
        )
        return ok(s.WebhookSettingsOutput(merchant).data)

    @extend_schema(
        tags=TAGS, summary="Set the webhook URL and event types (merchants)", request=s.WebhookSettingsInput,
        responses={200: s.WebhookSettingsOutput},
        description="The URL must be http(s); outside DEBUG its host must resolve to public addresses only "
        "(error 1021 otherwise). An empty `url` turns webhooks off; empty `event_types` means all types.",
    )  # fmt: skip
    def update(self, request: Request) -> Response:
        data = s.WebhookSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        merchant = services.webhook_settings_update(merchant=request.user.merchant, **data.validated_data)
        return ok(s.WebhookSettingsOutput(merchant).data, message="Webhook settings saved.")

    @extend_schema(
        tags=TAGS, summary="Send a test event (merchants)", request=s.EmptyInput,
        responses={201: s.WebhookDeliveryDetailOutput, 409: ErrorEnvelopeSerializer},
        description="Records a `webhook.test` event and delivers it like any other (whatever event types "
        "were chosen). 409 (error 1022) when no URL is set.",
    )  # fmt: skip
    @action(detail=False, methods=["post"])
    def test(self, request: Request) -> Response:
        s.EmptyInput(data=request.data).is_valid(raise_exception=True)
        delivery = services.webhook_send_test(merchant=request.user.merchant, actor=request.user)
        delivery = selectors.delivery_detail(user=request.user).get(pk=delivery.pk)
        return ok(s.WebhookDeliveryDetailOutput(delivery).data, message="Test event sent.", status_code=201)

    @extend_schema(
        tags=TAGS, summary="Rotate the webhook signing secret (merchants)", request=s.EmptyInput,
        responses={200: s.RotatedSecretOutput},
        description="Answers the new `whsec_…` secret, the only time it is shown. Until "
        "`previous_secret_expires_at` the old secret signs too (two `v1,` signatures), then only the new one.",
    )  # fmt: skip
    @action(detail=False, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request) -> Response:
        s.EmptyInput(data=request.data).is_valid(raise_exception=True)
        rotated = services.webhook_secret_rotate(merchant=request.user.merchant)
        return ok(
            s.RotatedSecretOutput(rotated).data, message="New secret issued. Store it now: it is not shown again."
        )


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="List webhook deliveries"),
    retrieve=extend_schema(
        tags=TAGS, summary="Get a delivery with its attempts", responses={200: s.WebhookDeliveryDetailOutput}
    ),
)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log. Another merchant's delivery answers 404."""

    permission_classes = [IsAuthenticated, ActionRoles]
    serializer_class = s.WebhookDeliveryOutput
    filterset_class = DeliveryFilter
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[A-Za-z0-9_]+"

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        if self.action == "list":
            return selectors.delivery_list(user=self.request.user)
        return selectors.delivery_detail(user=self.request.user)

    def get_serializer_class(self) -> type:
        return s.WebhookDeliveryOutput if self.action == "list" else s.WebhookDeliveryDetailOutput

    @extend_schema(
        tags=TAGS, summary="Send a delivery again now", request=s.EmptyInput,
        responses={200: s.WebhookDeliveryDetailOutput, 409: ErrorEnvelopeSerializer},
        description="Makes the next attempt at once: a retrying delivery's scheduled attempt is brought forward "
        "(the old slot is superseded); a failed or succeeded delivery gets one more attempt (same `webhook-id`, "
        "so receivers can de-duplicate). 409 (error 1023) while an attempt is in flight.",
    )  # fmt: skip
    @action(detail=True, methods=["post"], filterset_class=None)
    def retry(self, request: Request, id: str) -> Response:
        s.EmptyInput(data=request.data).is_valid(raise_exception=True)
        delivery = services.delivery_retry(delivery=self.get_object(), actor=request.user)
        delivery = self.get_queryset().get(pk=delivery.pk)
        return ok(s.WebhookDeliveryDetailOutput(delivery).data, message="Delivery retried.")


@extend_schema_view(
    list=extend_schema(tags=["events"], summary="List events (the audit timeline)"),
    retrieve=extend_schema(tags=["events"], summary="Get an event"),
)
class EventViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = Event
    serializer_class = s.EventOutput
    filterset_class = EventFilter

    def scoped_queryset(self, user: Any) -> QuerySet[Event]:
        return selectors.event_list(user=user)
