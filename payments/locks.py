"""Row locks, always taken in this order: order → payment → refund → balance (see ledger.py).

`select_for_update(of=("self",))` locks only the named table's row even when related rows are
joined. On SQLite these are plain reads: its IMMEDIATE transactions already serialize writers.
Every locked row remembers what it counts (`payments.counts.snapshot`), so that the event of its
change can add the difference to the daily counts.
"""

from __future__ import annotations

from paygate.lib.compiled import Param, compiled
from payments.counts import snapshot
from payments.models import Order, Payment, PaymentStatus, Refund

IN_PROGRESS = [PaymentStatus.CREATED, PaymentStatus.PROCESSING, PaymentStatus.REVIEW, PaymentStatus.AUTHORIZED]


# Compiled once (paygate.lib.compiled): every payment and refund takes one or two of these locks.
_order = compiled(
    lambda: (
        Order.objects.all_with_deleted()
        .select_for_update(of=("self",))
        .select_related("merchant")
        .filter(pk=Param("pk"))
    )
)
_in_progress = compiled(
    lambda: (
        Payment.objects.only("public_id", "status")
        .filter(order_id=Param("order_id"), status__in=IN_PROGRESS)
        .order_by()[:1]
    )
)
# The order is joined (not locked) for the payment's snapshots, which show its public id.
_payment = compiled(
    lambda: (
        Payment.objects.all_with_deleted()
        .select_for_update(of=("self",))
        .select_related("merchant", "order")
        .filter(pk=Param("pk"))
    )
)
_refund = compiled(
    lambda: Refund.objects.select_for_update(of=("self",)).select_related("merchant", "payment").filter(pk=Param("pk"))
)


def lock_order(pk: int) -> Order:
    return snapshot(_order.get(pk=pk))


def lock_order_to_pay(pk: int) -> tuple[Order, tuple[str, str] | None]:
    """The order locked for a new payment (or its cancel), and (public id, status) of a payment of
    it that is not final yet, or None.

    The payment is read after the lock, in a statement of its own: on PostgreSQL (READ COMMITTED) a
    statement that waited for the lock still reads other tables as they were when it began, so a
    payment created by the transaction it waited for would be missed — read in one statement, six
    payers racing on one manual-capture order each got a payment authorized. Every change that
    starts a payment (`payment_create`, `payment_retry`) holds this lock, so none begins before
    this transaction commits."""
    order = _order.get(pk=pk)
    payment = _in_progress.first(order_id=pk)
    return snapshot(order), (payment.public_id, payment.status) if payment is not None else None


def lock_payment(pk: int) -> Payment:
    return snapshot(_payment.get(pk=pk))


def lock_refund(pk: int) -> Refund:
    return snapshot(_refund.get(pk=pk))
