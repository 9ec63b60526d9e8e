"""Counts kept as they change: the figures of `merchants/stats/`, `admin/stats/` and
`admin/merchants/` per merchant, UTC day and currency (`DailyCount`), so that all-time and
whole-day figures add up a few rows instead of counting every order and payment.

How they stay right:
- the figures of one row are defined once, here (`order_figures`, `payment_figures`,
  `refund_figures`), and again as SQL aggregates in `tally_rows`, which counts them from the rows
  themselves (the seeder, the migration and `rebuild` use it; tests check both agree);
- the services call `record(obj)` with every event they write (every state change has one): it
  adds what the object's figures are now minus what they were when it was locked (`snapshot`,
  called by `payments.locks`) or zero for a new object — inside a `batch` (every payment service
  runs in one) the deltas of a change are added up and inserted when it ends, one row per key;
- account deletion hides a merchant's orders and payments in bulk, without events:
  `forget_merchant` takes their figures back in one insert.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from paygate.lib.compiled import insert
from payments.models import DailyCount, Order, Payment, PaymentStatus, Refund, RefundStatus

# Counts of rows, and amounts in minor units of the row's currency (never added across currencies).
COUNTS = ("orders", "payments", "successful_payments", "failed_payments", "canceled_payments", "refunds")
AMOUNTS = ("captured", "refunded")
FIGURES = COUNTS + AMOUNTS
# What hiding a merchant's orders and payments takes away (refunds are never hidden).
ORDER_AND_PAYMENT_FIGURES = tuple(name for name in FIGURES if name not in ("refunds", "refunded"))

SUCCESSFUL_STATUSES = (
    PaymentStatus.AUTHORIZED,
    PaymentStatus.CAPTURED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)

# The same figures as aggregates over rows (`tally_rows`, and the stats' part days). Filtered counts
# name `status`, which the analytics indexes hold, so that the database answers from them alone.
ORDER_AGGREGATES = {"orders": Count("*")}
PAYMENT_AGGREGATES = {
    "payments": Count("*"),
    "successful_payments": Count("status", filter=Q(status__in=SUCCESSFUL_STATUSES)),
    "failed_payments": Count("status", filter=Q(status=PaymentStatus.FAILED)),
    "canceled_payments": Count("status", filter=Q(status=PaymentStatus.CANCELED)),
    "captured": Coalesce(Sum("amount_captured"), 0),
}
REFUND_AGGREGATES = {"refunds": Count("*"), "refunded": Coalesce(Sum("amount"), 0)}  # of processed refunds

Key = tuple[int, date, str]  # merchant id, UTC day, currency


def order_figures(order: Any) -> dict[str, int]:
    return {} if order.deleted else {"orders": 1}


def payment_figures(payment: Any) -> dict[str, int]:
    if payment.deleted:
        return {}
    return {
        "payments": 1,
        "successful_payments": int(payment.status in SUCCESSFUL_STATUSES),
        "failed_payments": int(payment.status == PaymentStatus.FAILED),
        "canceled_payments": int(payment.status == PaymentStatus.CANCELED),
        "captured": payment.amount_captured,
    }


def refund_figures(refund: Any) -> dict[str, int]:
    if refund.status != RefundStatus.PROCESSED:
        return {}
    return {"refunds": 1, "refunded": refund.amount}


def _figures(obj: Any) -> dict[str, int]:
    name = obj._meta.model_name
    return {"order": order_figures, "payment": payment_figures, "refund": refund_figures}[name](obj)


def _day(obj: Any) -> date:
    return obj.created_at.astimezone(UTC).date()


def snapshot(obj: Any) -> Any:
    """Remember what a row counts as it is read for a change (called on every locked row)."""
    obj._counted = _figures(obj)
    return obj


class _Batch(threading.local):
    deltas: list[tuple[Key, dict[str, int]]] | None = None


_batch = _Batch()


@contextmanager
def batch() -> Iterator[None]:
    """Write the deltas recorded inside it when it ends, added up per key: one INSERT of one row per
    merchant, day and currency for a whole change (a payment's creation, authorization and capture
    make one row). Used like `webhooks.services.event_batch`, inside the change's transaction; a
    batch inside a batch joins it, and drops its deltas if it ends with an error."""
    if _batch.deltas is not None:
        mark = len(_batch.deltas)
        try:
            yield
        except BaseException:
            del _batch.deltas[mark:]
            raise
        return
    _batch.deltas = []
    try:
        yield
        deltas, _batch.deltas = _batch.deltas, None
        _write(deltas)
    finally:
        _batch.deltas = None


def record(obj: Any) -> None:
    """Add to the counts what `obj`'s change did, in the caller's transaction."""
    now = _figures(obj)
    before = getattr(obj, "_counted", {})
    delta = {name: now.get(name, 0) - before.get(name, 0) for name in FIGURES}
    obj._counted = now
    if not any(delta.values()):
        return
    key = (obj.merchant_id, _day(obj), obj.currency)
    if _batch.deltas is not None:
        _batch.deltas.append((key, delta))
    else:
        _write([(key, delta)])


def _write(deltas: list[tuple[Key, dict[str, int]]]) -> None:
    totals: dict[Key, dict[str, int]] = {}
    for key, delta in deltas:
        figures = totals.setdefault(key, dict.fromkeys(FIGURES, 0))
        for name, value in delta.items():
            figures[name] += value
    rows = [
        DailyCount(merchant_id=merchant_id, day=day, currency=currency, **figures)
        for (merchant_id, day, currency), figures in totals.items()
        if any(figures.values())
    ]
    insert(rows)


def forget_merchant(merchant: Any) -> None:
    """Take back what a merchant's orders and payments count (account deletion hides them all)."""
    figures = ORDER_AND_PAYMENT_FIGURES
    totals = _sums(DailyCount.objects.filter(merchant=merchant), ("day", "currency"), figures)
    DailyCount.objects.bulk_create(
        DailyCount(merchant=merchant, day=row["day"], currency=row["currency"], **{n: -row[n] for n in figures})
        for row in totals
        if any(row[n] for n in figures)
    )


def _sums(queryset: models.QuerySet, keys: Iterable[str], figures: Iterable[str] = FIGURES) -> models.QuerySet:
    return queryset.values(*keys).annotate(**{n: Coalesce(Sum(n), 0) for n in figures}).order_by(*keys)


# --- counting from the rows -------------------------------------------------------------------------


def tally_rows(
    *, order_model: Any, payment_model: Any, refund_model: Any, merchant_ids: list[int] | None = None
) -> dict[Key, dict[str, int]]:
    """The counts computed from the rows themselves (also with a migration's historical models);
    every key has a row behind it, so none adds up to nothing."""
    day = TruncDate("created_at", tzinfo=UTC)
    tally: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))

    def rows(model: Any, **filters: Any) -> models.QuerySet:
        queryset = model._base_manager.filter(**filters)
        if merchant_ids is not None:
            queryset = queryset.filter(merchant_id__in=merchant_ids)
        return queryset.annotate(day=day).values("merchant_id", "day", "currency").order_by()

    for model, filters, aggregates in (
        (order_model, {"deleted": False}, ORDER_AGGREGATES),
        (payment_model, {"deleted": False}, PAYMENT_AGGREGATES),
        (refund_model, {"status": RefundStatus.PROCESSED}, REFUND_AGGREGATES),
    ):
        for row in rows(model, **filters).annotate(**aggregates):
            figures = tally[row["merchant_id"], row["day"], row["currency"]]
            for name in aggregates:
                figures[name] += row[name]
    return dict(tally)


def tally_table(*, merchant_ids: list[int] | None = None) -> dict[Key, dict[str, int]]:
    """The counts as the table holds them, one entry per key, keys that add up to nothing left out."""
    queryset = DailyCount.objects.all()
    if merchant_ids is not None:
        queryset = queryset.filter(merchant_id__in=merchant_ids)
    return {
        (row["merchant_id"], row["day"], row["currency"]): {name: row[name] for name in FIGURES}
        for row in _sums(queryset, ("merchant_id", "day", "currency"))
        if any(row[name] for name in FIGURES)
    }


@transaction.atomic
def rebuild(*, merchant_ids: list[int] | None = None) -> int:
    """Count everything again from the rows (after a bulk load; or to repair). Returns the rows
    written. Run it while nothing else writes those merchants' orders, payments or refunds."""
    tally = tally_rows(order_model=Order, payment_model=Payment, refund_model=Refund, merchant_ids=merchant_ids)
    existing = DailyCount.objects.all()
    if merchant_ids is not None:
        existing = existing.filter(merchant_id__in=merchant_ids)
    existing.delete()
    created = DailyCount.objects.bulk_create(
        (
            DailyCount(merchant_id=merchant_id, day=day, currency=currency, folded=True, **figures)
            for (merchant_id, day, currency), figures in tally.items()
        ),
        batch_size=2_000,
    )
    return len(created)


# --- compaction -------------------------------------------------------------------------------------


def compact(*, max_keys: int = 500) -> int:
    """Fold the rows of every key that got deltas into one; returns the rows removed. Reads only
    the deltas (a partial index), not the whole table. Safe to run anywhere at any time: rows
    another compaction holds are skipped (`SKIP LOCKED`), and readers see the rows before or
    after, never between."""
    removed = 0
    while True:
        with transaction.atomic():
            keys = list(
                DailyCount.objects.filter(folded=False)
                .values_list("merchant_id", "day", "currency")
                .distinct()
                .order_by()[:max_keys]
            )
            if not keys:
                return removed
            match = Q()
            for merchant_id, day, currency in keys:
                match |= Q(merchant_id=merchant_id, day=day, currency=currency)
            rows = list(DailyCount.objects.select_for_update(skip_locked=True).filter(match))
            sums: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
            for row in rows:
                figures = sums[row.merchant_id, row.day, row.currency]
                for name in FIGURES:
                    figures[name] += getattr(row, name)
            DailyCount.objects.filter(pk__in=[row.pk for row in rows]).delete()
            kept = DailyCount.objects.bulk_create(
                DailyCount(merchant_id=merchant_id, day=day, currency=currency, folded=True, **figures)
                for (merchant_id, day, currency), figures in sums.items()
                if any(figures.values())
            )
            removed += len(rows) - len(kept)
            if len(keys) < max_keys or not rows:
                return removed
