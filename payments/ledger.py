"""The ledger: every balance change is an entry chained by balance_before/balance_after.

`post_entries` runs inside the caller's transaction, on a balance row the caller locked with
`lock_balance` (the last lock in the documented order merchant → order → payment → refund → balance).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from merchants.models import Merchant
from payments.models import Balance, LedgerEntry, Payment, Payout, Refund


def lock_balance(*, merchant: Merchant, currency: str) -> Balance:
    balances = Balance.objects.select_for_update()
    try:
        return balances.get(merchant=merchant, currency=currency)
    except Balance.DoesNotExist:  # the first entry in this currency
        Balance.objects.get_or_create(merchant=merchant, currency=currency)
        return balances.get(merchant=merchant, currency=currency)


def post_entries(
    *,
    balance: Balance,
    moves: Sequence[tuple[str, int]],
    reference: str,
    payment: Payment | None = None,
    refund: Refund | None = None,
    payout: Payout | None = None,
) -> list[LedgerEntry]:
    """Post one entry per `(type, amount)` to a locked balance, chained in that order: one UPDATE of
    the balance and one INSERT for all of them (a capture posts its amount and its fee)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger entries are posted inside the service's transaction")
    entries = []
    for type, amount in moves:
        before = balance.available
        balance.available = before + amount
        entries.append(
            LedgerEntry(
                merchant_id=balance.merchant_id,
                balance=balance,
                currency=balance.currency,
                type=type,
                amount=amount,
                balance_before=before,
                balance_after=balance.available,
                reference=reference,
                payment=payment,
                refund=refund,
                payout=payout,
            )
        )
    balance.save(update_fields=["available", "updated_at"])
    if len(entries) == 1:
        entries[0].save(force_insert=True)
    else:
        LedgerEntry.objects.bulk_create(entries)
    return entries
