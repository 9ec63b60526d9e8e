"""Real threads racing on PostgreSQL row locks. Each thread has its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from merchants.models import Merchant
from paygate.lib.api import ApiError
from payments import counts, services
from payments.models import DailyCount, Order, Payment, PaymentStatus, Refund, RefundStatus
from payments.providers import ensure_default_profiles
from tests.conftest import API
from tests.payments.conftest import card_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _providers(settings) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


def race(n: int, work: Callable[[int], object]) -> list[object]:
    """Start n threads at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test inspects
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def captured_payment(merchant: Merchant, amount: int = 10_000, auto_capture: bool = True) -> Payment:
    merchant.auto_capture = auto_capture
    merchant.save()
    order = services.order_create(merchant=merchant, amount=amount, currency="USD")
    card = services.CardDetails(number="4242424242424242", exp_month=12, exp_year=2030)
    payment = services.payment_create(order=order, method="card", region="na", card=card)
    payment.refresh_from_db()
    return payment


def assert_ledger_ok() -> None:
    call_command("verify_ledger", stdout=StringIO())


def test_concurrent_partial_refunds_never_exceed_the_captured_amount(merchant: Merchant) -> None:
    payment = captured_payment(merchant, 10_000)

    results = race(12, lambda i: services.refund_create(payment=payment, amount=1_000))

    refunds = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, ApiError)]
    assert len(refunds) == 10 and len(refused) == 2
    payment.refresh_from_db()
    assert payment.amount_refunded == 10_000 and payment.status == PaymentStatus.REFUNDED
    assert Refund.objects.filter(status=RefundStatus.PROCESSED).count() == 10
    assert_ledger_ok()


def test_concurrent_capture_and_cancel_leave_one_outcome(merchant: Merchant) -> None:
    payment = captured_payment(merchant, auto_capture=False)
    assert payment.status == PaymentStatus.AUTHORIZED

    def act(i: int) -> object:
        if i % 2:
            return services.payment_capture(payment=payment)
        return services.payment_cancel(payment=payment)

    results = race(8, act)

    winners = [r for r in results if isinstance(r, Payment)]
    assert len(winners) == 1
    assert all(isinstance(r, ApiError) for r in results if r not in winners)
    payment.refresh_from_db()
    assert payment.status in (PaymentStatus.CAPTURED, PaymentStatus.CANCELED)
    assert payment.ledger_entries.count() == (2 if payment.status == PaymentStatus.CAPTURED else 0)
    assert_ledger_ok()


def test_concurrent_requests_with_one_idempotency_key_make_one_payment(merchant: Merchant, client_for) -> None:
    order = services.order_create(merchant=merchant, amount=2599, currency="GBP")
    token_client = client_for(merchant.user)
    auth = token_client._credentials

    def request(i: int) -> int:
        client = APIClient()
        client.credentials(**auth)
        response = client.post(
            f"{API}/payments/", card_body(order.public_id), format="json", HTTP_IDEMPOTENCY_KEY="same-key"
        )
        return response.status_code

    statuses = race(8, request)

    assert Payment.objects.count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert_ledger_ok()


def test_concurrent_payments_for_one_order_make_one_payment(merchant: Merchant) -> None:
    order = services.order_create(merchant=merchant, amount=2599, currency="GBP")
    card = services.CardDetails(number="4242424242424242", exp_month=12, exp_year=2030)

    results = race(
        6,
        lambda i: services.payment_create(order=Order.objects.get(pk=order.pk), method="card", region="eu", card=card),
    )

    assert sum(isinstance(r, Payment) for r in results) == 1
    order.refresh_from_db()
    assert order.amount_paid == 2599
    assert_ledger_ok()


def test_concurrent_payouts_never_overdraw(merchant: Merchant) -> None:
    captured_payment(merchant, 10_000)  # available: 10000 - fee
    available = merchant.balances.get(currency="USD").available

    results = race(10, lambda i: services.payout_create(merchant=merchant, amount=available // 4, currency="USD"))

    assert sum(not isinstance(r, Exception) for r in results) == 4
    assert merchant.balances.get(currency="USD").available == available - 4 * (available // 4)
    assert_ledger_ok()


def test_compactions_racing_each_other_and_writers_keep_every_count(merchant: Merchant) -> None:
    for i in range(60):
        services.order_create(merchant=merchant, amount=100 + i, currency=("USD", "EUR", "GBP")[i % 3])

    def work(i: int) -> int:
        if i < 3:  # writers: each order adds a count row while the compactions run
            for n in range(20):
                services.order_create(merchant=merchant, amount=1_000 + n, currency="USD")
            return 0
        return counts.compact(max_keys=1)  # one key a transaction: many chances to interleave

    results = race(6, work)

    assert not [r for r in results if isinstance(r, Exception)], results
    counts.compact()
    assert DailyCount.objects.count() == len(counts.tally_table()) == 3
    assert counts.tally_table() == counts.tally_rows(order_model=Order, payment_model=Payment, refund_model=Refund)
    assert sum(f["orders"] for f in counts.tally_table().values()) == 120
