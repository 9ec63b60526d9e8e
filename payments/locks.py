"""Row locks, always taken in this order: order → payment → refund → balance (see ledger.py).

`select_for_update(of=("self",))` locks only the named table's row even when related rows are
joined. On SQLite these are plain reads: its IMMEDIATE transactions already serialize writers.
Every locked row remembers what it counts (`payments.counts.snapshot`), so that the event of its
change can add the difference to the daily counts.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from payments.counts import snapshot
from payments.models import Order, Payment, PaymentStatus, Refund

IN_PROGRESS = [PaymentStatus.CREATED, PaymentStatus.PROCESSING, PaymentStatus.REVIEW, PaymentStatus.AUTHORIZED]


def lock_order(pk: int) -> Order:
    return snapshot(
        Order.objects.all_with_deleted().select_for_update(of=("self",)).select_related("merchant").get(pk=pk)
    )


def lock_order_to_pay(pk: int) -> tuple[Order, tuple[str, str] | None]:
    """The order locked for a new payment, and (public id, status) of a payment of it that is not
    final yet, or None — read in the same statement."""
    in_progress = Payment.objects.filter(order=OuterRef("pk"), status__in=IN_PROGRESS)
    order = (
        Order.objects.all_with_deleted()
        .select_for_update(of=("self",))
        .select_related("merchant")
        .annotate(
            in_progress_id=Subquery(in_progress.values("public_id")[:1]),
            in_progress_status=Subquery(in_progress.values("status")[:1]),
        )
        .get(pk=pk)
    )
    in_flight = (order.in_progress_id, order.in_progress_status) if order.in_progress_id else None  # type: ignore[attr-defined]
    return snapshot(order), in_flight


def lock_payment(pk: int) -> Payment:
    # The order is joined (not locked) for the payment's snapshots, which show its public id.
    payments = Payment.objects.all_with_deleted().select_for_update(of=("self",))
    return snapshot(payments.select_related("merchant", "order").get(pk=pk))


def lock_refund(pk: int) -> Refund:
    return snapshot(Refund.objects.select_for_update(of=("self",)).select_related("merchant", "payment").get(pk=pk))
