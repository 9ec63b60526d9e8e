"""The checkout's smaller promises: whom an embedded page reports to, what a payer may type, the
size of checkout.js, and that stock and payment-link events reach the merchant's webhooks."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from merchants import services as merchant_services
from merchants.models import Merchant
from payments.models import Payment
from tests.checkout.conftest import CHECKOUT, card_body, new_order
from tests.payments.test_catalog_api import create_link, create_product
from webhooks.models import WebhookDelivery


def test_an_embedded_page_reports_only_to_an_origin_the_merchant_allows(client: Client, merchant: Merchant) -> None:
    merchant_services.merchant_set_checkout_origins(merchant=merchant, origins=["https://shop.example"])
    order = new_order(merchant)

    allowed = client.get(f"/checkout/{order.public_id}/?embed=1&parent=https://shop.example").content.decode()
    stranger = client.get(f"/checkout/{order.public_id}/?embed=1&parent=https://evil.example").content.decode()
    not_embedded = client.get(f"/checkout/{order.public_id}/?parent=https://shop.example").content.decode()

    assert 'data-embed-parent="https://shop.example"' in allowed
    assert "data-embed-parent" not in stranger and "evil.example" not in stranger
    assert "data-embed-parent" not in not_embedded


def test_a_malformed_upi_id_is_refused_and_nothing_is_written(api: APIClient, merchant: Merchant) -> None:
    order = new_order(merchant, amount=50000, currency="INR")

    for vpa in ("not a vpa", "missing-handle@", "@nohandle", "two@@signs"):
        body = {"order_id": order.public_id, "method": "upi", "vpa": vpa, "customer": {"country": "IN"}}
        response = api.post(f"{CHECKOUT}/payments/", body, format="json")
        assert response.status_code == 400, vpa
        assert "vpa" in response.json()["exception"]["meta"]["fields"], vpa
    assert Payment.objects.count() == 0


def test_checkout_js_stays_under_ten_kilobytes() -> None:
    script = Path(settings.BASE_DIR) / "static" / "paygate" / "checkout.js"
    assert 0 < script.stat().st_size < 10 * 1024


def test_stock_and_payment_link_events_reach_the_merchants_webhooks(
    merchant_api: APIClient, api: APIClient, client: Client, merchant: Merchant
) -> None:
    Merchant.objects.filter(pk=merchant.pk).update(webhook_url="https://hooks.example/paygate")
    product = create_product(merchant_api, stock=1)
    link = create_link(merchant_api, product_id=product["id"])
    client.get(link["url"])
    order = merchant.orders.get()

    assert api.post(f"{CHECKOUT}/payments/", card_body(order.public_id), format="json").status_code == 201

    delivered = set(WebhookDelivery.objects.filter(merchant=merchant).values_list("event__type", flat=True))
    assert {"product.stock_changed", "payment_link.paid", "payment.captured", "order.paid"} <= delivered
