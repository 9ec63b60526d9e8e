"""The delivery task. Thin: the claim, the POST and the retry rules are in webhooks.services."""

from __future__ import annotations

from django.tasks import task

from webhooks import services


@task()
def deliver_webhook(delivery_id: int) -> str | None:
    """Make the delivery's next attempt if it is due (a duplicate or early task does nothing)."""
    return services.delivery_attempt(delivery_id=delivery_id)
