"""The delivery tasks. Thin: the claims, the POSTs and the retry rules are in webhooks.services."""

from __future__ import annotations

from django.tasks import task

from webhooks import services


@task()
def deliver_due_webhooks() -> int:
    """Send every delivery that is due, in batches (queued once per committed transaction that
    wrote or rescheduled deliveries; a task that finds nothing due does nothing)."""
    return services.deliveries_send_due()


@task()
def deliver_webhook(delivery_id: int) -> str | None:
    """Make one delivery's next attempt if it is due (a duplicate or early task does nothing).
    Nothing queues it any more; it is kept for tasks queued before an upgrade."""
    return services.delivery_attempt(delivery_id=delivery_id)
