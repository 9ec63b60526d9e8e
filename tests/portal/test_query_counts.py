"""Detail and tool pages read a bounded number of queries: the count does not grow with the rows
they show (payments of an order, attempts of a delivery, requests in the bin, products and links)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments import catalog
from tests.payments.conftest import create_order, pay
from tests.portal.test_tools import signed_request
from tests.webhooks.conftest import Receiver, emit, hook_to, receiver  # noqa: F401 — the receiver fixture
from webhooks import services as hooks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

DECLINED = "4000000000000002"


def queries(request: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200, response.status_code
    return len(captured)


def test_the_order_detail_reads_as_many_queries_for_one_payment_as_for_six(
    portal: Client, merchant_api: APIClient
) -> None:
    order = create_order(merchant_api)
    pay(merchant_api, order["id"], DECLINED)
    url = f"/portal/orders/{order['id']}/"
    few = queries(lambda: portal.get(url))

    for _ in range(4):
        pay(merchant_api, order["id"], DECLINED)
    paid = pay(merchant_api, order["id"])
    many = queries(lambda: portal.get(url))

    assert paid["status"] == "captured" and paid["id"] in portal.get(url).content.decode()
    assert many == few and many <= 8, (few, many)


def test_the_delivery_detail_reads_as_many_queries_for_one_attempt_as_for_five(
    portal: Client,
    merchant: Merchant,
    receiver: Receiver,  # noqa: F811
    settings: Any,
) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0, 0, 0, 0, 0, 0]  # every retry due at once
    delivery = hooks.webhook_send_test(merchant=hook_to(merchant, receiver))
    receiver.reply(500, 500, 500, 500)
    hooks.delivery_attempt(delivery_id=delivery.pk)
    url = f"/portal/developers/deliveries/{delivery.public_id}/"
    few = queries(lambda: portal.get(url))

    for _ in range(4):
        hooks.delivery_attempt(delivery_id=delivery.pk)
    many = queries(lambda: portal.get(url))

    assert WebhookDelivery.objects.get(pk=delivery.pk).attempt_count == 5
    assert many == few and many <= 7, (few, many)


def test_the_request_bin_reads_as_many_queries_for_one_request_as_for_six(
    client: Client, portal: Client, merchant: Merchant
) -> None:
    token = hooks.request_bin_open(merchant=merchant).token

    def receive() -> None:
        headers, body = signed_request(merchant)
        hooks.request_bin_record(token=token, method="POST", headers=headers, body=body.encode())

    receive()
    few = queries(lambda: portal.get("/portal/developers/request-bin/"))
    polled = queries(lambda: portal.get("/portal/developers/request-bin/", HTTP_HX_REQUEST="true"))

    for _ in range(5):
        receive()
    many = queries(lambda: portal.get("/portal/developers/request-bin/"))

    assert many == few and many <= 6, (few, many)
    assert queries(lambda: portal.get("/portal/developers/request-bin/", HTTP_HX_REQUEST="true")) == polled


def test_the_debugger_reads_a_bounded_number_of_queries(portal: Client, merchant: Merchant) -> None:
    headers, body = signed_request(merchant)
    form = {"headers": "\n".join(f"{k}: {v}" for k, v in headers.items()), "body": body, "secret": ""}
    page = queries(lambda: portal.get("/portal/developers/debugger/"))
    few = queries(lambda: portal.post("/portal/developers/debugger/", form))

    for n in range(5):
        emit(merchant, object_id=f"order_QueryCountQuery{n:02d}")
    many = queries(lambda: portal.post("/portal/developers/debugger/", form))

    assert page <= 4, page
    assert many == few and many <= 6, (few, many)


def test_the_products_page_reads_as_many_queries_for_one_product_as_for_six(portal: Client, merchant: Merchant) -> None:
    def add(n: int) -> None:
        product = catalog.product_create(merchant=merchant, name=f"Mug {n}", price=900, currency="GBP", stock=n)
        catalog.payment_link_create(merchant=merchant, product=product, description=f"Mug {n}")
        catalog.payment_link_create(merchant=merchant, amount=1500 + n, currency="JPY")

    add(0)
    few = queries(lambda: portal.get("/portal/products/"))

    for n in range(1, 6):
        add(n)
    many = queries(lambda: portal.get("/portal/products/"))

    assert "Mug 5" in portal.get("/portal/products/").content.decode()
    assert many == few and many <= 6, (few, many)
