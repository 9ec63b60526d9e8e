"""The ledger: every balance change is an entry chained by balance_before/balance_after.

`post_entries` runs inside the caller's transaction; its UPDATE of the balance row is the last lock
in the documented order merchant → order → payment → refund → balance (`lock_balance` takes it
earlier, for a caller that must read the balance before deciding).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone

from merchants.models import Merchant
from paygate.lib.compiled import insert
from payments.models import Balance, LedgerEntry, Payment, Payout, Refund


def lock_balance(*, merchant: Merchant, currency: str) -> Balance:
    balances = Balance.objects.select_for_update()
    try:
        return balances.get(merchant=merchant, currency=currency)
    except Balance.DoesNotExist:  # the first entry in this currency
        Balance.objects.get_or_create(merchant=merchant, currency=currency)
        return balances.get(merchant=merchant, currency=currency)


def _add_to_balance(*, merchant_id: int, currency: str, amount: int) -> tuple[int, int]:
    """Add `amount` to the balance row, locking it, in one statement (UPDATE … RETURNING); creates
    the row for the merchant's first entry in this currency. Returns (balance id, available after)."""
    table = connection.ops.quote_name(Balance._meta.db_table)
    sql = (
        f"UPDATE {table} SET available = available + %s, updated_at = %s "  # noqa: S608 — the model's own table name
        "WHERE merchant_id = %s AND currency = %s RETURNING id, available"
    )
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [amount, timezone.now(), merchant_id, currency])
            row = cursor.fetchone()
        if row is not None:
            return row[0], row[1]
        Balance.objects.get_or_create(merchant_id=merchant_id, currency=currency)
    raise RuntimeError("the balance row vanished")  # pragma: no cover — balances are never deleted


def post_entries(
    *,
    merchant_id: int,
    currency: str,
    moves: Sequence[tuple[str, int]],
    reference: str,
    balance: Balance | None = None,
    payment: Payment | None = None,
    refund: Refund | None = None,
    payout: Payout | None = None,
) -> list[LedgerEntry]:
    """Post one entry per `(type, amount)`, chained in that order: one UPDATE of the balance and one
    INSERT for all of them (a capture posts its amount and its fee). The UPDATE locks the balance
    row; a caller that had to read it first (a payout checks it) passes the row it locked."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger entries are posted inside the service's transaction")
    total = sum(amount for _, amount in moves)
    if balance is not None:
        balance.available += total
        balance.save(update_fields=["available", "updated_at"])
        balance_id, after = balance.pk, balance.available
    else:
        balance_id, after = _add_to_balance(merchant_id=merchant_id, currency=currency, amount=total)
    available = after - total
    entries = []
    for type, amount in moves:
        entries.append(
            LedgerEntry(
                merchant_id=merchant_id,
                balance_id=balance_id,
                currency=currency,
                type=type,
                amount=amount,
                balance_before=available,
                balance_after=available + amount,
                reference=reference,
                payment=payment,
                refund=refund,
                payout=payout,
            )
        )
        available += amount
    return insert(entries)
