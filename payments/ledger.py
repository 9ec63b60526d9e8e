"""The ledger: every balance change is an entry chained by balance_before/balance_after.

`post_entry` must run inside the caller's transaction; it locks the balance row (the last lock in
the documented order merchant → order → payment → refund → balance).
"""

from __future__ import annotations

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


def post_entry(
    *,
    merchant: Merchant,
    currency: str,
    type: str,
    amount: int,
    reference: str,
    payment: Payment | None = None,
    refund: Refund | None = None,
    payout: Payout | None = None,
    balance: Balance | None = None,
) -> LedgerEntry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post_entry must run inside the service's transaction")
    balance = balance or lock_balance(merchant=merchant, currency=currency)
    before = balance.available
    balance.available = before + amount
    balance.save(update_fields=["available", "updated_at"])
    return LedgerEntry.objects.create(
        merchant=merchant,
        balance=balance,
        currency=currency,
        type=type,
        amount=amount,
        balance_before=before,
        balance_after=balance.available,
        reference=reference,
        payment=payment,
        refund=refund,
        payout=payout,
    )
