"""verify_counts: prove the daily counts equal what the orders, payments and refunds say."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from merchants.models import Merchant
from payments import counts
from payments.models import Order, Payment, Refund

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check that the daily counts the stats read (per merchant, UTC day and currency) equal the counts of "
        "the rows themselves. Exits non-zero and says where if not; --repair counts those merchants again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--repair", action="store_true", help="recount the merchants whose counts differ")

    def handle(self, *args: Any, repair: bool, **options: Any) -> None:
        table = counts.tally_table()
        rows = counts.tally_rows(order_model=Order, payment_model=Payment, refund_model=Refund)
        wrong = sorted(key for key in table.keys() | rows.keys() if table.get(key) != rows.get(key))
        if not wrong:
            self.stdout.write(self.style.SUCCESS(f"Counts OK: {len(rows)} merchant-days, equal to the rows."))
            return
        names = dict(Merchant._base_manager.filter(pk__in={key[0] for key in wrong}).values_list("pk", "public_id"))
        for merchant_id, day, currency in wrong[:SHOWN]:
            kept = table.get((merchant_id, day, currency), {})
            real = rows.get((merchant_id, day, currency), {})
            differ = ", ".join(
                f"{name} {kept.get(name, 0)} (rows: {real.get(name, 0)})"
                for name in counts.FIGURES
                if kept.get(name, 0) != real.get(name, 0)
            )
            self.stderr.write(f"COUNTS DIFFER: {names[merchant_id]} {day} {currency}: {differ}")
        if len(wrong) > SHOWN:
            self.stderr.write(f"… and {len(wrong) - SHOWN} more.")
        if repair:
            merchants = sorted({key[0] for key in wrong})
            counts.rebuild(merchant_ids=merchants)
            self.stdout.write(self.style.SUCCESS(f"Recounted {len(merchants)} merchant(s) from their rows."))
            return
        raise CommandError(f"{len(wrong)} merchant-day(s) differ from the rows; --repair recounts them.")
