from __future__ import annotations

from django.db import models

from merchants.models import Merchant, ScopedQuerySet


class DailyCount(models.Model):
    """What one merchant's orders, payments and refunds of one UTC day and currency add up to.

    Written by the services in the transaction of each change, as a delta (a payment authorized:
    successful_payments +1; deleted: everything it counted −1): rows are only ever inserted, so no
    two writers wait for each other. Several rows of one key add up; `manage.py janitor` folds the
    keys that got deltas into one row each (`analytics.counts.compact`). The day is that of each
    row's own `created_at`, as the stats count rows: a payment created yesterday and reviewed
    today changes yesterday's counts; a refund counts on the day it was asked for.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.BigIntegerField(default=0)
    payments = models.BigIntegerField(default=0)
    successful_payments = models.BigIntegerField(default=0)
    failed_payments = models.BigIntegerField(default=0)
    canceled_payments = models.BigIntegerField(default=0)
    captured = models.BigIntegerField(default=0)  # minor units of `currency`
    refunds = models.BigIntegerField(default=0)  # processed refunds
    refunded = models.BigIntegerField(default=0)  # minor units of `currency`
    # False for a delta the services wrote; True for a key's sum written by a fold or a recount.
    folded = models.BooleanField(default=False)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "day", "currency"], name="dailycount_merchant_idx"),
            models.Index(fields=["day"], name="dailycount_day_idx"),
            # The janitor's work list: only the deltas written since it last ran.
            models.Index(fields=["id"], condition=models.Q(folded=False), name="dailycount_delta_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.day} {self.currency}"
