"""Row locks, always taken in this order: order → payment → refund → balance (see ledger.py).

`select_for_update(of=("self",))` locks only the named table's row even when related rows are
joined. On SQLite these are plain reads: its IMMEDIATE transactions already serialize writers.
Every locked row remembers what it counts (`payments.counts.snapshot`), so that the event of its
change can add the difference to the daily counts.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

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
_in_progress = Payment.objects.filter(order=OuterRef("pk"), status__in=IN_PROGRESS)
_order_to_pay = compiled(
    lambda: (
        Order.objects.all_with_deleted()
        .select_for_update(of=("self",))
        .select_related("merchant")
        .annotate(
            in_progress_id=Subquery(_in_progress.values("public_id")[:1]),
            in_progress_status=Subquery(_in_progress.values("status")[:1]),
        )
        .filter(pk=Param("pk"))
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
    """The order locked for a new payment, and (public id, status) of a payment of it that is not
    final yet, or None — read in the same statement."""
    order = _order_to_pay.get(pk=pk)
    in_flight = (order.in_progress_id, order.in_progress_status) if order.in_progress_id else None  # type: ignore[attr-defined]
    return snapshot(order), in_flight


def lock_payment(pk: int) -> Payment:
    return snapshot(_payment.get(pk=pk))


def lock_refund(pk: int) -> Refund:
    return snapshot(_refund.get(pk=pk))
