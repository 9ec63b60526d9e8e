"""Payments explorer: every merchant's payments filtered like the API (plus a merchant), the
detail, Record provider attempt for a payment stuck in processing, Soft delete / Restore."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments.models import Payment, PaymentStatus, ProviderAttempt
from tests.conftest import API
from tests.payments.conftest import create_order, pay

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _stuck(paid) -> Payment:
    payment = paid(number="4000000000000002")
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PROCESSING, failure_reason="")
    return payment


def test_explorer_lists_every_merchants_payments_and_filters_by_merchant_like_the_api(
    paid, outsider: Merchant, outsider_api: APIClient, finance: Client, finance_api: APIClient
) -> None:
    mine = paid()
    theirs = Payment.objects.get(public_id=pay(outsider_api, create_order(outsider_api)["id"])["id"])

    everyone = finance.get("/ops/payments/").content.decode()
    one = finance.get("/ops/payments/", {"merchant_id": outsider.public_id}).context["payments"].rows

    assert mine.public_id in everyone and theirs.public_id in everyone
    api = finance_api.get(f"{API}/payments/", {"merchant_id": outsider.public_id}).json()["data"]["results"]
    assert [p.public_id for p in one] == [p["id"] for p in api] == [theirs.public_id]


def test_filters_match_the_api(paid, finance: Client, finance_api: APIClient) -> None:
    paid(1000, "USD")
    paid(5000, "USD", "4000000000000002")
    paid(2599, "GBP")

    page = finance.get("/ops/payments/", {"currency": "USD", "status": "failed", "amount_min": "20.00"})
    api = finance_api.get(f"{API}/payments/", {"currency": "USD", "status": "failed", "amount_min": 2000}).json()

    assert [p.public_id for p in page.context["payments"].rows] == [p["id"] for p in api["data"]["results"]]
    assert len(api["data"]["results"]) == 1


def test_a_bad_filter_shows_its_error_and_keeps_what_was_typed(finance: Client) -> None:
    html = finance.get("/ops/payments/", {"amount_min": "abc"}).content.decode()

    assert "Min amount:" in html and 'value="abc"' in html


def test_finance_records_a_successful_attempt_for_a_stuck_payment(paid, finance: Client, finance_user) -> None:
    stuck = _stuck(paid)
    assert "Record provider attempt" in finance.get(f"/ops/payments/{stuck.public_id}/").content.decode()

    response = finance.post(
        f"/ops/payments/{stuck.public_id}/attempts/", {"provider": "adyen", "result": "success", "latency_ms": 120}
    )

    stuck.refresh_from_db()
    assert stuck.status == PaymentStatus.CAPTURED and stuck.provider == "adyen"
    attempt = ProviderAttempt.objects.filter(payment=stuck, manual=True).get()
    assert (attempt.latency_ms, attempt.recorded_by) == (120, finance_user)
    assert _messages(response) == ["Attempt recorded: the payment is now captured."]


def test_a_bad_attempt_shows_errors_beside_the_fields_and_keeps_the_input(paid, finance: Client) -> None:
    stuck = _stuck(paid)

    response = finance.post(
        f"/ops/payments/{stuck.public_id}/attempts/", {"provider": "adyen", "result": "failure", "latency_ms": "-5"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_latency_ms_error"' in html and 'value="-5"' in html
    stuck.refresh_from_db()
    assert stuck.status == PaymentStatus.PROCESSING


def test_recording_an_attempt_on_a_decided_payment_is_refused_with_a_message(paid, finance: Client) -> None:
    done = paid()

    response = finance.post(
        f"/ops/payments/{done.public_id}/attempts/", {"provider": "adyen", "result": "success", "latency_ms": 1}
    )

    assert "Nothing was changed: Attempts can only be recorded for payments in processing" in _messages(response)[0]


def test_admin_soft_deletes_and_restores_a_payment(paid, admin: Client, merchant_api: APIClient) -> None:
    payment = paid()

    deleted = admin.post(f"/ops/payments/{payment.public_id}/delete/")

    assert "deleted" in _messages(deleted)[0]
    assert merchant_api.get(f"{API}/payments/{payment.public_id}/").status_code == 404
    detail = admin.get(f"/ops/payments/{payment.public_id}/").content.decode()
    assert "Restore payment" in detail

    restored = admin.post(f"/ops/payments/{payment.public_id}/restore/")

    assert _messages(restored) == [f"Payment {payment.public_id} restored."]
    assert merchant_api.get(f"{API}/payments/{payment.public_id}/").status_code == 200


def test_finance_does_not_see_the_delete_button(paid, finance: Client) -> None:
    payment = paid()

    assert "Soft delete payment" not in finance.get(f"/ops/payments/{payment.public_id}/").content.decode()


def test_unknown_payment_is_404(finance: Client) -> None:
    assert finance.get("/ops/payments/pay_00000000000000000000/").status_code == 404


def test_list_and_detail_query_counts_are_held(paid, finance: Client, django_assert_max_num_queries) -> None:
    for _ in range(6):
        last = paid()

    with django_assert_max_num_queries(5):
        finance.get("/ops/payments/")
    with django_assert_max_num_queries(8):
        finance.get(f"/ops/payments/{last.public_id}/")
