"""Row locks, always taken in this order: order → payment → refund → balance (see ledger.py).

`select_for_update(of=("self",))` locks only the named table's row even when related rows are
joined. On SQLite these are plain reads: its IMMEDIATE transactions already serialize writers.
Every locked row remembers what it counts (`payments.counts.snapshot`), so that the event of its
change can add the difference to the daily counts.
"""

from __future__ import annotations

from payments.counts import snapshot
from payments.models import Order, Payment, Refund


def lock_order(pk: int) -> Order:
    return snapshot(
        Order.objects.all_with_deleted().select_for_update(of=("self",)).select_related("merchant").get(pk=pk)
    )


def lock_payment(pk: int) -> Payment:
    # The order is joined (not locked) for the payment's snapshots, which show its public id.
    payments = Payment.objects.all_with_deleted().select_for_update(of=("self",))
    return snapshot(payments.select_related("merchant", "order").get(pk=pk))


def lock_refund(pk: int) -> Refund:
    return snapshot(Refund.objects.select_for_update(of=("self",)).select_related("merchant", "payment").get(pk=pk))
