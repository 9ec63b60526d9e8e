"""Canceling an order while its payer pays it: the order's lock lets exactly one of them happen."""

from __future__ import annotations

import pytest

from merchants.models import Merchant
from payments import services
from payments.models import Order, OrderStatus, Payment
from payments.providers import ensure_default_profiles
from tests.concurrency.test_races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _providers(settings) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


@pytest.mark.parametrize("auto_capture", [True, False])
def test_cancel_and_pay_racing_on_one_order_never_both_happen(merchant: Merchant, auto_capture: bool) -> None:
    # given orders, each with one thread canceling it and one paying it at the same instant
    merchant.auto_capture = auto_capture
    merchant.save()
    orders = [services.order_create(merchant=merchant, amount=5_000, currency="USD") for _ in range(6)]
    card = services.CardDetails(number="4242424242424242", exp_month=12, exp_year=2030)

    def work(i: int) -> object:
        order = orders[i // 2]
        if i % 2:
            return services.order_cancel(order=order)
        return services.payment_create(order=order, method="card", region="na", card=card)

    # when they race
    results = race(2 * len(orders), work)

    # then each order is either canceled with no payment, or paid for with the cancel refused (409)
    assert not any(isinstance(r, Exception) and getattr(r, "error", None) is None for r in results), results
    for index, order in enumerate(orders):
        order.refresh_from_db()
        paid_for, canceled = results[2 * index], results[2 * index + 1]
        payments = Payment.objects.filter(order=order).count()
        if order.status == OrderStatus.CANCELED:
            assert isinstance(canceled, Order) and payments == 0
            assert getattr(paid_for, "error", None) is not None and paid_for.error.status == 409  # type: ignore[union-attr]
        else:
            assert isinstance(paid_for, Payment) and payments == 1
            assert getattr(canceled, "error", None) is not None and canceled.error.status == 409  # type: ignore[union-attr]


def test_payers_racing_on_a_manual_capture_order_make_one_payment(merchant: Merchant) -> None:
    # given an order whose payment stays authorized (in progress) until the merchant captures it
    merchant.auto_capture = False
    merchant.save()
    order = services.order_create(merchant=merchant, amount=2599, currency="GBP")
    card = services.CardDetails(number="4242424242424242", exp_month=12, exp_year=2030)

    # when six payers pay it at the same instant
    results = race(6, lambda i: services.payment_create(order=order, method="card", region="eu", card=card))

    # then one payment is authorized and the others are told one is in progress
    assert sum(isinstance(r, Payment) for r in results) == 1, results
    refusals = [r for r in results if not isinstance(r, Payment)]
    assert all(getattr(r, "meta", {}).get("payment_status") == "authorized" for r in refusals), refusals
    assert Payment.objects.filter(order=order).count() == 1
