"""Ledger verification: each balance equals the sum of its entries, and each entry's
balance_before is the previous entry's balance_after (ordered by id, starting from 0)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Sum

from payments.models import Balance, LedgerEntry


@dataclass(frozen=True)
class LedgerProblem:
    balance_id: int
    merchant: str
    currency: str
    message: str

    def __str__(self) -> str:
        return f"{self.merchant} {self.currency} (balance {self.balance_id}): {self.message}"


def ledger_problems(*, chunk_size: int = 5_000) -> Iterator[LedgerProblem]:
    sums = dict(
        LedgerEntry.objects.values_list("balance_id").annotate(total=Sum("amount")).values_list("balance_id", "total")
    )
    for balance in Balance.objects.select_related("merchant").order_by("pk").iterator(chunk_size=500):
        merchant, currency = balance.merchant.public_id, balance.currency
        total = sums.pop(balance.pk, 0) or 0
        if total != balance.available:
            yield LedgerProblem(
                balance.pk, merchant, currency, f"balance is {balance.available} but its entries sum to {total}"
            )
        previous_after = 0
        entries = (
            LedgerEntry.objects.filter(balance_id=balance.pk)
            .order_by("pk")
            .values_list("public_id", "amount", "balance_before", "balance_after")
        )
        for public_id, amount, before, after in entries.iterator(chunk_size=chunk_size):
            if before != previous_after:
                yield LedgerProblem(
                    balance.pk, merchant, currency,
                    f"entry {public_id} starts at {before} but the previous entry ended at {previous_after}",
                )  # fmt: skip
            if after != before + amount:
                yield LedgerProblem(
                    balance.pk, merchant, currency, f"entry {public_id}: {before} + {amount} != {after}"
                )
            previous_after = after
        if previous_after != balance.available:
            yield LedgerProblem(
                balance.pk, merchant, currency,
                f"the last entry ends at {previous_after} but the balance is {balance.available}",
            )  # fmt: skip
    for balance_id in sums:
        yield LedgerProblem(balance_id, "?", "?", "entries point at a balance that does not exist")
