"""The daily counts that the stats add up: kept by the services with every change, equal at every
step to what the rows themselves count, folded by the janitor, rebuilt by the seeder."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from analytics import selectors
from analytics.selectors import stats_scope
from merchants.models import Merchant, User
from payments import counts, services
from payments.models import DailyCount, Order, Payment, Refund
from tests.analytics.conftest import Dataset, as_client, payment, refund
from tests.conftest import API

DECLINED, RETRYABLE, REVIEW = "4000000000000002", "4000000000000119", "4000000000004954"


def from_rows(merchant_ids: list[int] | None = None) -> dict:
    return counts.tally_rows(order_model=Order, payment_model=Payment, refund_model=Refund, merchant_ids=merchant_ids)


def assert_counts_match_rows() -> None:
    assert counts.tally_table() == from_rows()


def test_the_counts_follow_every_change(merchant: Merchant, finance_user: User, admin_user: User) -> None:
    api = as_client(merchant.user)
    assert_counts_match_rows()

    captured = payment(api, 1000, "GBP")
    refund(api, captured["id"], 400)
    assert_counts_match_rows()
    refund(api, captured["id"])  # the rest: refunded in full
    declined = payment(api, 1500, "USD", DECLINED, country="US")
    held = payment(api, 7000, "GBP", REVIEW)
    rejected = payment(api, 7100, "GBP", REVIEW)
    assert_counts_match_rows()

    services.payment_review(payment=Payment.objects.get(public_id=held["id"]), approve=True, actor=finance_user)
    services.payment_review(payment=Payment.objects.get(public_id=rejected["id"]), approve=False, actor=finance_user)
    assert_counts_match_rows()

    merchant.auto_capture = False
    merchant.save()
    authorized = payment(api, 2000, "EUR")
    to_cancel = payment(api, 2100, "EUR")
    assert (authorized["status"], to_cancel["status"]) == ("authorized", "authorized")
    services.payment_capture(payment=Payment.objects.get(public_id=authorized["id"]), amount=1500)
    services.payment_cancel(payment=Payment.objects.get(public_id=to_cancel["id"]))
    assert_counts_match_rows()

    retried = payment(api, 900, "EUR", RETRYABLE)
    assert retried["status"] == "failed"
    services.payment_retry(payment=Payment.objects.get(public_id=retried["id"]))
    assert_counts_match_rows()

    services.payment_soft_delete(payment=Payment.objects.get(public_id=declined["id"]), actor=admin_user)
    services.payment_soft_delete(payment=Payment.objects.get(public_id=captured["id"]), actor=admin_user)
    assert_counts_match_rows()
    services.payment_restore(payment=Payment.objects.all_with_deleted().get(public_id=captured["id"]), actor=admin_user)
    order = services.order_create(merchant=merchant, amount=500, currency="INR")
    services.order_soft_delete(order=order, actor=admin_user)
    assert_counts_match_rows()
    services.order_restore(order=order, actor=admin_user)
    assert_counts_match_rows()

    figures = counts.tally_table()
    assert sum(f["payments"] for f in figures.values()) == 6  # seven made, the declined one deleted
    assert sum(f["refunds"] for f in figures.values()) == 2
    assert {(key[2], f["captured"]) for key, f in figures.items() if f["captured"]} == {("GBP", 8000), ("EUR", 1500)}


def test_deleting_an_account_takes_its_orders_and_payments_out(dataset: Dataset, merchant_api: APIClient) -> None:
    assert_counts_match_rows()
    assert merchant_api.delete(f"{API}/me/").status_code == 200
    assert_counts_match_rows()
    mine = counts.tally_table(merchant_ids=[dataset.merchant.pk])
    # Its refunds stay counted, as the rows say: refunds are never hidden.
    assert {key: (f["payments"], f["orders"], f["refunds"]) for key, f in mine.items()} == {
        key: (0, 0, f["refunds"]) for key, f in mine.items()
    }
    assert sum(f["refunds"] for f in mine.values()) == 2


def test_the_janitor_folds_each_key_into_one_row(dataset: Dataset) -> None:
    before = counts.tally_table()
    keys = DailyCount.objects.values("merchant_id", "day", "currency").distinct().count()
    assert DailyCount.objects.count() > keys

    call_command("janitor", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert DailyCount.objects.count() == keys
    assert not DailyCount.objects.filter(folded=False).exists()
    assert counts.tally_table() == before
    assert counts.compact() == 0


def test_keys_that_add_up_to_nothing_are_folded_away(merchant: Merchant, admin_user: User) -> None:
    order = services.order_create(merchant=merchant, amount=500, currency="GBP")
    services.order_soft_delete(order=order, actor=admin_user)
    assert DailyCount.objects.count() == 2
    assert counts.compact() == 2
    assert not DailyCount.objects.exists()


def test_rebuild_counts_again_from_the_rows(dataset: Dataset) -> None:
    before = counts.tally_table()
    DailyCount.objects.filter(merchant=dataset.merchant).delete()
    DailyCount.objects.create(
        merchant=dataset.outsider, day=datetime(2020, 1, 1, tzinfo=UTC).date(), currency="GBP", orders=5
    )

    assert counts.rebuild(merchant_ids=[dataset.merchant.pk]) > 0
    assert counts.tally_table(merchant_ids=[dataset.merchant.pk]) == from_rows([dataset.merchant.pk])
    counts.rebuild()
    assert counts.tally_table() == before


def test_seeded_data_is_counted(merchant: Merchant) -> None:
    call_command("seed_demo", "--force", "--payments", "120", "--seed", "3", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert DailyCount.objects.exists()
    assert_counts_match_rows()


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (None, None),  # all time: the counts alone
        ("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z"),  # whole days: the counts alone
        ("2026-03-01T12:00:00Z", "2026-03-03T06:00:00Z"),  # part days at both ends, a whole day between
        ("2026-03-02T08:00:00Z", "2026-03-02T20:00:00Z"),  # inside one day: the rows alone
        ("2026-03-01T23:00:00+05:00", None),  # an offset: UTC days still
        (None, "2026-03-03T06:00:00Z"),
    ],
)
def test_stats_of_any_period_add_counts_and_rows_right(
    merchant: Merchant, admin_user: User, travel, since, until
) -> None:
    api = as_client(merchant.user)
    for moment, amount in [
        ("2026-03-01T10:00:00Z", 1000), ("2026-03-01T18:00:00Z", 1100), ("2026-03-02T09:00:00Z", 1200),
        ("2026-03-02T21:00:00Z", 1300), ("2026-03-03T05:00:00Z", 1400), ("2026-03-03T07:00:00Z", 1500),
    ]:  # fmt: skip
        with travel(datetime.fromisoformat(moment)):
            made = payment(api, amount, "GBP")
            if amount in (1100, 1400):
                refund(api, made["id"], 100)
    with travel(datetime.fromisoformat("2026-03-03T08:00:00Z")):
        payment(api, 1600, "GBP", DECLINED)
    DailyCount.objects.update(orders=0)  # were the counts read where they should not be, this shows

    bounds = {k: datetime.fromisoformat(v) if v else None for k, v in {"since": since, "until": until}.items()}
    stats = selectors.platform_stats(scope=stats_scope(viewer=admin_user, **bounds))
    with_rows_only = Payment.objects.all()
    if bounds["since"]:
        with_rows_only = with_rows_only.filter(created_at__gte=bounds["since"])
    if bounds["until"]:
        with_rows_only = with_rows_only.filter(created_at__lt=bounds["until"])
    whole_days = selectors._split_days(stats_scope(viewer=admin_user, **bounds))[1]
    assert stats["payments"] == with_rows_only.count()
    assert stats["failed_payments"] == with_rows_only.filter(status="failed").count()
    assert stats["refunds"] == Refund.objects.filter(payment__in=with_rows_only).count()
    # Orders were zeroed in the counts: a period with whole days shows fewer than the rows.
    assert (stats["orders"] < with_rows_only.count()) == (whole_days is not None and stats["payments"] > 0)


class TodaysModels:
    """The models that migration reads and writes, as they are now: its `analytics.DailyCount` has
    since moved to payments (payments 0008), table and all."""

    def get_model(self, app_label: str, model_name: str) -> Any:
        return apps.get_model("payments" if model_name == "DailyCount" else app_label, model_name)


def test_the_migration_counts_the_rows_already_there(dataset: Dataset) -> None:
    migration = import_module("analytics.migrations.0002_count_existing_rows")
    DailyCount.objects.all().delete()

    migration.count_existing_rows(TodaysModels(), schema_editor=None)

    assert_counts_match_rows()
    assert DailyCount.objects.count() == len(counts.tally_table())


def test_verify_counts_passes_names_a_difference_and_repairs_it(dataset: Dataset) -> None:
    out = StringIO()
    call_command("verify_counts", stdout=out)
    assert "Counts OK" in out.getvalue()

    row = DailyCount.objects.filter(merchant=dataset.merchant, payments__gt=0).first()
    total = counts.tally_table()[dataset.merchant.pk, row.day, row.currency]["payments"]
    DailyCount.objects.filter(pk=row.pk).update(payments=row.payments + 2)
    err = StringIO()
    with pytest.raises(CommandError, match="1 merchant-day"):
        call_command("verify_counts", stdout=StringIO(), stderr=err)
    difference = f"{dataset.merchant.public_id} {row.day} {row.currency}: payments {total + 2} (rows: {total})"
    assert difference in err.getvalue()

    call_command("verify_counts", "--repair", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("verify_counts", stdout=out)
    assert "Counts OK" in out.getvalue()
