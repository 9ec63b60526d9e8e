"""Domain events: the audit timeline of every object and the outbox that webhooks are sent from."""

from __future__ import annotations

from django.db import models

from merchants.models import Merchant
from paygate.lib.ids import PublicIdField
from payments.models import ScopedQuerySet


class Event(models.Model):
    """Written by the services in the same transaction as the change it records."""

    public_id = PublicIdField(prefix="evt")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=48, db_index=True)
    object_type = models.CharField(max_length=16)
    object_id = models.CharField(max_length=40, db_index=True, help_text="Public id of the object.")
    data = models.JSONField(help_text="The object as the API showed it right after the change.")
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.CharField(max_length=40, blank=True, help_text="Public id of the user who caused it, if any.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"]), models.Index(fields=["payment", "id"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"
