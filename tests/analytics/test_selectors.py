"""Each figure on hand-built data with known answers (see the `dataset` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from analytics import selectors
from analytics.selectors import CommandLineOperator, StatsScope, stats_scope
from merchants.models import Merchant, User
from paygate.lib.api import ApiError, ErrorCode
from payments.models import Payment, ProviderProfile
from payments.services import payment_soft_delete
from tests.analytics.conftest import DECLINED, Dataset, as_client, payment, refund

pytestmark = pytest.mark.django_db

EVERYTHING = {"since": datetime(2000, 1, 1, tzinfo=UTC), "until": datetime(2100, 1, 1, tzinfo=UTC)}


def scope_of(viewer: object, merchant: Merchant | None = None, **kwargs: object) -> StatsScope:
    return stats_scope(viewer=viewer, merchant_id=merchant.public_id if merchant else None, **{**EVERYTHING, **kwargs})


def test_volume_is_per_currency_and_never_summed_across_currencies(dataset: Dataset) -> None:
    rows = selectors.payment_volume_by_currency(scope=scope_of(dataset.merchant.user))

    assert rows == [
        {"currency": "EUR", "payments": 2, "successful": 1, "amount": 6500, "captured": 2500, "refunded": 0, "net": 2500},
        {"currency": "GBP", "payments": 3, "successful": 2, "amount": 11000, "captured": 4000, "refunded": 500, "net": 3500},
        {"currency": "USD", "payments": 2, "successful": 1, "amount": 3500, "captured": 2000, "refunded": 2000, "net": 0},
    ]  # fmt: skip


def test_the_dashboards_overview_is_the_three_selectors_from_one_pass(dataset: Dataset, admin_user: User) -> None:
    failed = []
    for scope in (scope_of(dataset.merchant.user), scope_of(admin_user), scope_of(admin_user, currency="GBP")):
        overview = selectors.payment_overview(scope=scope, summary=True)
        assert overview == {
            "summary": selectors.payment_summary(scope=scope),
            "volume": selectors.payment_volume_by_currency(scope=scope),
            "statuses": selectors.payment_status_distribution(scope=scope),
        }
        assert "summary" not in selectors.payment_overview(scope=scope)
        failed.append(overview["summary"]["failed"])
    assert failed[0] > 0 and failed[1] > failed[0]  # failure reasons and other merchants are in it


def test_one_merchant_versus_global(dataset: Dataset, admin_user: User) -> None:
    everyone = selectors.payment_volume_by_currency(scope=scope_of(admin_user))
    outsider_only = selectors.payment_volume_by_currency(scope=scope_of(admin_user, dataset.outsider))

    assert {r["currency"]: r["payments"] for r in everyone} == {"EUR": 2, "GBP": 4, "USD": 3}
    assert {r["currency"]: r["captured"] for r in everyone} == {"EUR": 2500, "GBP": 13999, "USD": 2000}
    assert outsider_only == [
        {"currency": "GBP", "payments": 1, "successful": 1, "amount": 9999, "captured": 9999, "refunded": 0, "net": 9999},
        {"currency": "USD", "payments": 1, "successful": 0, "amount": 100, "captured": 0, "refunded": 0, "net": 0},
    ]  # fmt: skip


def test_a_merchant_scope_is_its_own_whatever_else_is_asked(dataset: Dataset) -> None:
    # given a scope that claims every merchant, built by hand around the merchant's visibility
    forged = StatsScope(viewer=dataset.merchant.user, merchant=None, **EVERYTHING)

    rows = selectors.payment_volume_by_currency(scope=forged)

    assert sum(r["payments"] for r in rows) == 7  # visible_to(viewer) still applies


def test_naming_another_merchant_or_an_unknown_one_is_not_found(dataset: Dataset, admin_user: User) -> None:
    with pytest.raises(ApiError) as other:
        stats_scope(viewer=dataset.merchant.user, merchant_id=dataset.outsider.public_id)
    with pytest.raises(ApiError) as unknown:
        stats_scope(viewer=admin_user, merchant_id="mer_doesnotexist0000")

    assert other.value.error == unknown.value.error == ErrorCode.NOT_FOUND
    assert (
        stats_scope(viewer=dataset.merchant.user, merchant_id=dataset.merchant.public_id).merchant == dataset.merchant
    )


def test_status_distribution_lists_every_status(dataset: Dataset) -> None:
    result = selectors.payment_status_distribution(scope=scope_of(dataset.merchant.user))

    counts = {row["status"]: row["count"] for row in result["statuses"]}
    assert result["total"] == 7
    assert counts == {
        "created": 0, "processing": 0, "review": 1, "authorized": 0, "captured": 2, "partially_refunded": 1,
        "refunded": 1, "failed": 2, "canceled": 0,
    }  # fmt: skip
    assert {row["status"]: row["share"] for row in result["statuses"]}["captured"] == round(2 / 7, 4)


def test_failure_reasons(dataset: Dataset, finance_user: User) -> None:
    mine = selectors.payment_failure_reasons(scope=scope_of(dataset.merchant.user))
    everyone = selectors.payment_failure_reasons(scope=scope_of(finance_user))

    assert mine == {
        "failed": 2,
        "reasons": [
            {"reason": "CARD_DECLINED", "count": 1, "share": 0.5},
            {"reason": "INSUFFICIENT_FUNDS", "count": 1, "share": 0.5},
        ],
    }
    assert everyone["reasons"][0] == {"reason": "CARD_DECLINED", "count": 2, "share": round(2 / 3, 4)}


def test_summary_of_the_processing_engine(dataset: Dataset) -> None:
    summary = selectors.payment_summary(scope=scope_of(dataset.merchant.user))

    assert {k: summary[k] for k in ("total", "successful", "failed", "refunded", "in_review", "canceled")} == {
        "total": 7, "successful": 4, "failed": 2, "refunded": 2, "in_review": 1, "canceled": 0,
    }  # fmt: skip
    assert summary["success_rate"] == round(4 / 6, 4)
    assert [r["reason"] for r in summary["failure_reasons"]] == ["CARD_DECLINED", "INSUFFICIENT_FUNDS"]
    assert summary["fallback"] == {"payments": 7, "fallbacks": 1, "rate": round(1 / 7, 4)}


def test_fallback_rate_counts_payments_not_attempts(dataset: Dataset, admin_user: User) -> None:
    fallback = selectors.payment_fallback_rate(scope=scope_of(admin_user))
    attempts = Payment.objects.get(public_id=dataset.payments["eur_fallback"]["id"]).attempts.all()

    assert len({a.provider for a in attempts}) == 2
    assert fallback == {"payments": 9, "fallbacks": 1, "rate": round(1 / 9, 4)}


def test_provider_success_by_region_and_currency(dataset: Dataset) -> None:
    scope = scope_of(dataset.merchant.user)

    rates = selectors.attempt_success_by_provider(scope=scope)
    by_region, by_currency = rates["by_region"], rates["by_currency"]

    # 8 attempts: one per payment, two for the fallback (the first one failed).
    assert sum(r["attempts"] for r in by_region) == sum(r["attempts"] for r in by_currency) == 8
    assert sum(r["successful"] for r in by_region) == 5
    assert {r["region"] for r in by_region} == {"eu", "na"}
    na = [r for r in by_region if r["region"] == "na"]
    assert sum(r["attempts"] for r in na) == 2 and sum(r["successful"] for r in na) == 1
    usd = [r for r in by_currency if r["currency"] == "USD"]
    assert sum(r["attempts"] for r in usd) == 2
    for row in by_region + by_currency:
        assert row["success_rate"] == round(row["successful"] / row["attempts"], 4)


def test_provider_latency_average_and_percentiles(merchant: Merchant) -> None:
    # given one provider whose latency is exactly its mean (no jitter), changed between payments
    ProviderProfile.objects.exclude(name="stripe").update(enabled=False)
    api = as_client(merchant.user)
    for latency in (100, 200, 300, 400):
        ProviderProfile.objects.filter(name="stripe").update(latency_mean_ms=latency, latency_jitter_ms=0)
        payment(api, 1000, "GBP")

    rows = selectors.attempt_latency_by_provider(scope=scope_of(merchant.user))

    # percentile_cont: p50 halfway between 200 and 300; p95 at 0.95 × 3 = 2.85 → 300 + 0.85 × 100
    assert rows == [{"provider": "stripe", "attempts": 4, "avg_ms": 250.0, "p50_ms": 250.0, "p95_ms": 385.0}]


def test_empty_range_answers_zeros_not_errors(dataset: Dataset) -> None:
    scope = scope_of(
        dataset.merchant.user, since=datetime(2001, 1, 1, tzinfo=UTC), until=datetime(2001, 1, 3, tzinfo=UTC)
    )

    assert selectors.payment_volume_by_currency(scope=scope) == []
    assert selectors.attempt_latency_by_provider(scope=scope) == []
    assert selectors.payment_failure_reasons(scope=scope) == {"failed": 0, "reasons": []}
    summary = selectors.payment_summary(scope=scope)
    assert summary["total"] == 0 and summary["success_rate"] is None
    assert summary["fallback"] == {"payments": 0, "fallbacks": 0, "rate": None}
    days = selectors.payment_daily_series(scope=scope)
    assert [d["date"] for d in days] == [date(2001, 1, 1), date(2001, 1, 2)]
    assert days[0] == {
        "date": date(2001, 1, 1), "payments": 0, "successful": 0, "failed": 0, "success_rate": None,
        "volume": [], "refunds": 0, "refunded": [],
    }  # fmt: skip


def test_daily_series_counts_days_refunds_and_currencies_apart(merchant: Merchant, travel) -> None:
    api = as_client(merchant.user)
    with travel(datetime(2026, 1, 10, 9, 0, tzinfo=UTC)):
        payment(api, 1000, "GBP")
        payment(api, 500, "GBP")
        payment(api, 800, "EUR", DECLINED)
    with travel(datetime(2026, 1, 12, 23, 30, tzinfo=UTC)):
        usd = payment(api, 2000, "USD", country="US")
        refund(api, usd["id"], 700)

    days = selectors.payment_daily_series(
        scope=scope_of(merchant.user, since=datetime(2026, 1, 10, tzinfo=UTC), until=datetime(2026, 1, 13, tzinfo=UTC))
    )

    assert days == [
        {"date": date(2026, 1, 10), "payments": 3, "successful": 2, "failed": 1, "success_rate": round(2 / 3, 4),
         "volume": [{"currency": "GBP", "amount": 1500}], "refunds": 0, "refunded": []},
        {"date": date(2026, 1, 11), "payments": 0, "successful": 0, "failed": 0, "success_rate": None,
         "volume": [], "refunds": 0, "refunded": []},
        {"date": date(2026, 1, 12), "payments": 1, "successful": 1, "failed": 0, "success_rate": 1.0,
         "volume": [{"currency": "USD", "amount": 2000}], "refunds": 1,
         "refunded": [{"currency": "USD", "amount": 700}]},
    ]  # fmt: skip


def test_date_range_bounds_are_since_inclusive_until_exclusive(merchant: Merchant, travel) -> None:
    api = as_client(merchant.user)
    with travel(datetime(2026, 3, 1, 0, 0, tzinfo=UTC)):
        payment(api, 1000, "GBP")
    with travel(datetime(2026, 3, 2, 0, 0, tzinfo=UTC)):
        payment(api, 2000, "GBP")

    scope = scope_of(merchant.user, since=datetime(2026, 3, 1, tzinfo=UTC), until=datetime(2026, 3, 2, tzinfo=UTC))

    assert selectors.payment_volume_by_currency(scope=scope)[0]["amount"] == 1000


def test_currency_filter_narrows_every_figure(dataset: Dataset) -> None:
    scope = scope_of(dataset.merchant.user, currency="USD")

    assert [r["currency"] for r in selectors.payment_volume_by_currency(scope=scope)] == ["USD"]
    assert selectors.payment_summary(scope=scope)["total"] == 2
    assert {r["currency"] for r in selectors.attempt_success_by_provider(scope=scope)["by_currency"]} == {"USD"}


def test_soft_deleted_payments_leave_the_payment_figures(dataset: Dataset, admin_user: User) -> None:
    deleted = Payment.objects.get(public_id=dataset.payments["gbp_captured"]["id"])
    payment_soft_delete(payment=deleted, actor=admin_user)

    rows = selectors.payment_volume_by_currency(scope=scope_of(dataset.merchant.user))

    assert {r["currency"]: r["payments"] for r in rows}["GBP"] == 2


def test_merchant_stats(dataset: Dataset) -> None:
    stats = selectors.merchant_stats(scope=stats_scope(viewer=dataset.merchant.user))

    assert stats == {
        "orders": 7, "payments": 7, "successful_payments": 4, "failed_payments": 2, "canceled_payments": 0,
        "refunds": 2, "refunded": [{"currency": "GBP", "amount": 500}, {"currency": "USD", "amount": 2000}],
        "balance": [
            # captures net of fees (2.9 % + 30), minus refunds; the fee is not returned on a refund
            {"currency": "EUR", "available": 2500 - 103},
            {"currency": "GBP", "available": (1000 - 59) + (3000 - 117) - 500},
            {"currency": "USD", "available": 2000 - 88 - 2000},
        ],
    }  # fmt: skip


def test_platform_stats_global_and_for_one_merchant(dataset: Dataset, admin_user: User, finance_user: User) -> None:
    everyone = selectors.platform_stats(scope=stats_scope(viewer=finance_user))
    outsider = selectors.platform_stats(scope=stats_scope(viewer=admin_user, merchant_id=dataset.outsider.public_id))

    assert {k: everyone[k] for k in ("merchants", "admins", "finance_users", "orders", "payments", "failed_payments",
                                      "refunds")} == {
        "merchants": 2, "admins": 1, "finance_users": 1, "orders": 9, "payments": 9, "failed_payments": 3, "refunds": 2,
    }  # fmt: skip
    assert {k: outsider[k] for k in ("merchants", "orders", "payments", "successful_payments", "refunds")} == {
        "merchants": 1, "orders": 2, "payments": 2, "successful_payments": 1, "refunds": 0,
    }  # fmt: skip


def test_command_line_viewer_sees_everything(dataset: Dataset) -> None:
    scope = stats_scope(viewer=CommandLineOperator(), **EVERYTHING)

    assert selectors.payment_summary(scope=scope)["total"] == 9


def test_reversed_or_too_long_ranges_are_refused() -> None:
    with pytest.raises(ApiError) as reversed_:
        selectors.date_range_check(since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ApiError) as too_long:
        selectors.date_range_check(
            since=datetime(2024, 1, 1, tzinfo=UTC), until=datetime(2026, 1, 1, tzinfo=UTC), max_days=366
        )

    assert reversed_.value.error == ErrorCode.INVALID_DATE_RANGE
    assert too_long.value.error == ErrorCode.DATE_RANGE_TOO_LONG


def test_daily_series_adds_counted_whole_days_to_part_days_counted_from_the_rows(merchant: Merchant, travel) -> None:
    # given: payments on three days, one just after the period ends
    api = as_client(merchant.user)
    with travel(datetime(2026, 1, 10, 9, 0, tzinfo=UTC)):
        payment(api, 1000, "GBP")
    with travel(datetime(2026, 1, 11, 12, 0, tzinfo=UTC)):
        payment(api, 800, "EUR", DECLINED)
        gbp = payment(api, 300, "GBP")
        refund(api, gbp["id"], 100)
    with travel(datetime(2026, 1, 12, 23, 30, tzinfo=UTC)):
        payment(api, 2000, "USD", country="US")
    with travel(datetime(2026, 1, 12, 23, 50, tzinfo=UTC)):
        payment(api, 5000, "USD", country="US")

    # when: a period that starts and ends inside a day (only 11 Jan is whole)
    days = selectors.payment_daily_series(
        scope=scope_of(
            merchant.user,
            since=datetime(2026, 1, 10, 8, 0, tzinfo=UTC),
            until=datetime(2026, 1, 12, 23, 45, tzinfo=UTC),
        )
    )

    # then: the whole day from the daily counts, the part days from the rows, as one series
    assert [(d["date"].day, d["payments"], d["successful"], d["failed"]) for d in days] == [
        (10, 1, 1, 0), (11, 2, 1, 1), (12, 1, 1, 0)
    ]  # fmt: skip
    assert [d["volume"] for d in days] == [
        [{"currency": "GBP", "amount": 1000}], [{"currency": "GBP", "amount": 300}], [{"currency": "USD", "amount": 2000}]
    ]  # fmt: skip
    assert (days[1]["refunds"], days[1]["refunded"]) == (1, [{"currency": "GBP", "amount": 100}])
