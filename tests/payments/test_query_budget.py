"""The payment flow's query budget: a change that adds round trips to the hot path shows up here.

Counted with the immediate task backend, so processing and refunds run inside the requests, and
with routing stats read fresh (the tests' TTL is 0) and the second flow's balance row existing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import API
from tests.payments.conftest import card_body, create_order, paid_payment

# As measured (JWT auth): lower them when a change saves a query.
BUDGET = {"order": 6, "pay": 40, "fetch": 5, "refund": 23}


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
