"""janitor: pick up work that a killed worker or a lost task left behind, and fold the daily counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from payments.counts import compact
from payments.services import stuck_work_sweep
from webhooks.services import deliveries_sweep


class Command(BaseCommand):
    help = (
        "Re-queue payments stuck in processing and refunds stuck pending past PAYGATE_STUCK_AFTER_SECONDS, "
        "expire idempotency keys, sweep webhook deliveries (as retry_webhooks does) and fold the daily counts' "
        "rows into one per merchant, day and currency. Safe to run every "
        "minute from cron, on any number of machines."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = stuck_work_sweep()
        hooks = deliveries_sweep()
        folded = compact()
        self.stdout.write(
            f"janitor: re-queued {result.payments} payment(s), {result.refunds} refund(s), "
            f"{hooks.requeued} webhook delivery(ies); took back {hooks.released} abandoned webhook attempt(s); "
            f"expired {result.idempotency_keys} idempotency key(s); folded {folded} daily count row(s)"
        )
