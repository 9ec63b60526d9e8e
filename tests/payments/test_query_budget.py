"""The payment flow's hot path: its query budget (a change that adds round trips shows up here), and
the shared output serializers it renders with.

Counted with the immediate task backend, so processing and refunds run inside the requests, and
with routing stats read fresh (the tests' TTL is 0) and the second flow's balance row existing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from paygate.lib.serializers import render
from payments import selectors
from payments.models import Payment
from payments.serializers import OrderOutput, PaymentDetailOutput, PaymentOutput, RefundOutput
from tests.conftest import API
from tests.payments.conftest import card_body, create_order, paid_payment
from webhooks.models import Event

# As measured (JWT auth): lower them when a change saves a query. Each change that moves a figure
# inserts one daily count row (payments.counts): order 1, pay 3 (created, authorized, captured),
# refund 1 (processed).
BUDGET = {"order": 7, "pay": 43, "fetch": 5, "refund": 24}


def counted(call: Callable[[], Any]) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return result, len(queries)


def test_create_order_pay_fetch_refund_stay_within_their_query_budget(merchant_api: APIClient) -> None:
    paid_payment(merchant_api)  # warm: the balance row exists from here on
    counts = {}

    order, counts["order"] = counted(lambda: create_order(merchant_api))
    paid, counts["pay"] = counted(lambda: merchant_api.post(f"{API}/payments/", card_body(order["id"]), format="json"))
    payment = paid.json()["data"]
    fetched, counts["fetch"] = counted(lambda: merchant_api.get(f"{API}/payments/{payment['id']}/"))
    refunded, counts["refund"] = counted(
        lambda: merchant_api.post(f"{API}/refunds/", {"payment_id": payment["id"], "amount": 100}, format="json")
    )

    assert (paid.status_code, payment["status"]) == (201, "captured")
    assert fetched.status_code == 200
    assert (refunded.status_code, refunded.json()["data"]["status"]) == (201, "processed")
    assert all(counts[step] <= limit for step, limit in BUDGET.items()), counts


def test_shared_output_serializers_render_what_a_fresh_one_does(merchant_api: APIClient) -> None:
    paid = paid_payment(merchant_api)
    merchant_api.post(f"{API}/refunds/", {"payment_id": paid["id"], "amount": 100}, format="json")
    payment = selectors.payment_with_details(payment=Payment.objects.get(public_id=paid["id"]))
    refund = payment.refunds.get()

    for serializer, instance in [
        (PaymentDetailOutput, payment), (PaymentOutput, payment), (OrderOutput, payment.order), (RefundOutput, refund),
    ]:  # fmt: skip
        assert render(serializer, instance) == serializer(instance).data
    assert render(PaymentOutput, payment)["provider_attempts"]
    assert Event.objects.filter(object_id=refund.public_id).latest("id").data == RefundOutput(refund).data
