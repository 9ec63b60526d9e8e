"""Domain events (the audit timeline and the webhook outbox) and the log of their deliveries."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from merchants.models import Merchant, ScopedQuerySet
from paygate.lib.ids import PublicIdField, unique_public_id
from paygate.lib.models import TimeStampedModel


class Event(models.Model):
    """Written by the services in the same transaction as the change it records."""

    public_id = PublicIdField(prefix="evt")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="events", db_index=False)
    type = models.CharField(max_length=48)
    object_type = models.CharField(max_length=16)
    object_id = models.CharField(max_length=40, help_text="Public id of the object.")
    data = models.JSONField(help_text="The object as the API showed it right after the change.")
    # A payment's timeline (`GET payments/{id}/`) reads its events through this key. It names the
    # model by string, so webhooks imports nothing from payments: see docs/layers.md.
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    actor = models.CharField(max_length=40, blank=True, help_text="Public id of the user who caused it, if any.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        # A merchant's events, a payment's timeline, an object's events (`?object_id=`), and the
        # events of a type, newest first (`?type=`; rare types must not scan millions of rows).
        indexes = [
            models.Index(fields=["merchant", "-created_at"]),
            models.Index(fields=["payment", "id"]),
            models.Index(fields=["object_id"], name="event_object_idx"),
            models.Index(fields=["type", "-created_at"], name="event_type_idx"),
            # One merchant's events of a type, newest first (`?type=` as a merchant, or an operator
            # with `merchant_id`): the portal's event timeline. See migration 0005.
            models.Index(fields=["merchant", "type", "-created_at"], name="event_merchant_type_idx"),
        ]
        constraints = [unique_public_id()]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"


# Deliveries that still have an attempt to make.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class WebhookDelivery(TimeStampedModel):
    """One event on its way to one merchant's URL: the state of its retries and their log.

    Created with the event, in its transaction. An attempt is claimed by writing `claim_token`
    and `claimed_until` with a compare-and-set UPDATE (webhooks.services), so that however many
    workers hold a task for it, one sends; a claim whose worker died expires and the sweep
    (`retry_webhooks`) takes it back. `queued_at` says when a task was last queued for it, so the
    sweep re-queues only deliveries whose task was lost.
    """

    public_id = PublicIdField(prefix="whd")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="webhook_deliveries", db_index=False)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="delivery")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(help_text="Attempts allowed; a manual retry adds one.")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["merchant", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
            # The sweep's work queue: only open deliveries are in it.
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=["pending", "retrying"]), name="delivery_due_idx"
            ),
        ]
        constraints = [unique_public_id()]

    def __str__(self) -> str:
        return self.public_id


class WebhookAttempt(models.Model):
    """One POST of a delivery, logged when its answer (or error) is in — or by the sweep, as
    abandoned, when the worker making it died."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    url = models.CharField(max_length=500)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first bytes of the answer.")
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]
        # A second worker can never log (or make) the same attempt: the claim prevents it, and
        # this constraint would refuse it.
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300 and not self.error


class RequestBin(models.Model):
    """A merchant's inbox served by PayGate itself: point the webhook URL at `/bin/<token>/` and
    watch deliveries arrive before having a server. The token is the only way in; the requests it
    records are shown only to its merchant."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="request_bin")
    token = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"request bin of {self.merchant_id}"


class BinRequest(models.Model):
    """One request a bin received, with its signature check. Each bin keeps the newest
    REQUEST_BIN_KEEP; the oldest are dropped as new ones arrive."""

    bin = models.ForeignKey(RequestBin, on_delete=models.CASCADE, related_name="requests")
    received_at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=8)
    headers = models.JSONField()
    body = models.TextField(help_text="The first REQUEST_BIN_BODY_LIMIT characters.")
    body_truncated = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    verification = models.CharField(max_length=300, help_text="Why it verifies, or the first check that fails.")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["bin", "-id"])]

    def __str__(self) -> str:
        return f"{self.method} to bin {self.bin_id} at {self.received_at}"
