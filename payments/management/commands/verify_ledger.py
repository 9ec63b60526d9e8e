"""verify_ledger: prove every balance equals the sum of its entries and every chain is unbroken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payments.ledger_check import ledger_problems
from payments.models import Balance, LedgerEntry


class Command(BaseCommand):
    help = (
        "Check that each balance equals the sum of its ledger entries and that each entry's "
        "balance_before is the previous entry's balance_after. Exits non-zero and says where if not."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = 0
        for problem in ledger_problems():
            problems += 1
            self.stderr.write(f"LEDGER PROBLEM: {problem}")
        balances, entries = Balance.objects.count(), LedgerEntry.objects.count()
        if problems:
            raise CommandError(f"{problems} ledger problem(s) in {balances} balances and {entries} entries.")
        self.stdout.write(
            self.style.SUCCESS(f"Ledger OK: {balances} balances, {entries} entries, every chain unbroken.")
        )
