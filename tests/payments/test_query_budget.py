"""The payment flow's hot path: its query budget (a change that adds round trips shows up here), and
the shared output serializers it renders with.

Counted as production runs it: a merchant's API key, every service's transaction a real one (so
the count is what a request sends, BEGIN and COMMIT aside), routing stats cached for the default
10 s (warmed by a first flow), and the immediate task backend, so processing and the refund run
inside the requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from merchants.models import Merchant
from paygate.lib.serializers import render
from payments import selectors
from payments.models import Payment
from payments.serializers import OrderOutput, PaymentDetailOutput, PaymentOutput, RefundOutput
from tests.conftest import API
from tests.payments.conftest import card_body, create_order, paid_payment
from webhooks.models import Event

# As measured: lower them when a change saves a query. A change's events are one INSERT, and so
# are its daily count deltas (`payments.services.change`); provider profiles and routing stats come
# from the cache. order: key, order, count, event. pay: key, order (scoped, id only), order locked,
# any payment in progress (read after the lock, not in its statement: payments/locks.py says why),
# payment, order, attempt, payment, balance (UPDATE … RETURNING),
# ledger (capture and fee), order, count, events, the answer's timeline. fetch: key, payment,
# attempts, refunds, events. refund: key, payment (scoped, id only), payment locked, refunds so
# far, refund, refund, payment, balance, ledger, attempts (the payment's snapshot), count, events.
BUDGET = {"order": 4, "pay": 14, "fetch": 5, "refund": 12}
FLOW_BUDGET = 40  # the performance issue's ceiling for a whole flow (35 now)


def counted(call: Callable[[], Any]) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    # BEGIN and COMMIT aside: SQLite's connection logs them, PostgreSQL's does not.
    return result, sum(q["sql"] not in ("BEGIN IMMEDIATE", "BEGIN", "COMMIT") for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_create_order_pay_fetch_refund_stay_within_their_query_budget(merchant: Merchant, settings: Any) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 10
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)
    paid_payment(client)  # warm: the balance row and the routing stats exist from here on
    counts = {}

    order, counts["order"] = counted(lambda: create_order(client))
    paid, counts["pay"] = counted(lambda: client.post(f"{API}/payments/", card_body(order["id"]), format="json"))
    payment = paid.json()["data"]
    fetched, counts["fetch"] = counted(lambda: client.get(f"{API}/payments/{payment['id']}/"))
    refunded, counts["refund"] = counted(
        lambda: client.post(f"{API}/refunds/", {"payment_id": payment["id"], "amount": 100}, format="json")
    )

    assert (paid.status_code, payment["status"]) == (201, "captured")
    assert [entry["type"] for entry in payment["timeline"]] == [
        "payment.created",
        "payment.authorized",
        "payment.captured",
    ]
    assert fetched.status_code == 200 and fetched.json()["data"] == payment
    assert (refunded.status_code, refunded.json()["data"]["status"]) == (201, "processed")
    assert all(counts[step] <= limit for step, limit in BUDGET.items()), counts
    assert sum(counts.values()) <= FLOW_BUDGET, counts


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
