"""retry_webhooks: make good what dead workers and lost tasks left behind (run it from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webhooks.services import deliveries_sweep


class Command(BaseCommand):
    help = (
        "Sweep webhook deliveries: take back attempts whose worker died (claim lapsed) and queue again "
        "every due delivery whose task was lost. Never sends twice what a live worker is sending, so it is "
        "safe to run from cron every minute, on several machines at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="Deliveries handled per round (default 1000).")

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        released = requeued = 0
        while True:
            result = deliveries_sweep(limit=batch)
            released += result.released
            requeued += result.requeued
            if result.released < batch and result.requeued < batch:
                break
        self.stdout.write(
            f"Webhooks: {released} abandoned attempt(s) taken back, {requeued} delivery(ies) queued again."
        )
