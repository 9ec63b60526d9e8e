"""Every portal URL: logged-out visitors go to log in and back, operators get 403, another
merchant's ids answer 404 — decided by the backend, whatever the page shows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from payments.models import Payment
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

PAGES = [
    "/portal/",
    "/portal/payments/",
    "/portal/orders/",
    "/portal/orders/new/",
    "/portal/balance/",
    "/portal/developers/",
    "/portal/account/",
    "/portal/password/",
    "/portal/developers/debugger/",
    "/portal/developers/request-bin/",
    "/portal/products/",
]
ACTIONS = [
    "/portal/balance/payouts/",
    "/portal/developers/api-key/rotate/",
    "/portal/developers/webhooks/",
    "/portal/developers/webhooks/secret/rotate/",
    "/portal/developers/webhooks/test/",
    "/portal/account/delete/",
    "/portal/developers/request-bin/use/",
    "/portal/developers/debugger/",
    "/portal/developers/checkout/",
    "/portal/products/new/",
    "/portal/payment-links/new/",
]


def object_urls(payment: dict[str, Any], delivery: str) -> tuple[list[str], list[str]]:
    pay_id, order_id = payment["id"], payment["order_id"]
    pages = [f"/portal/payments/{pay_id}/", f"/portal/orders/{order_id}/", f"/portal/developers/deliveries/{delivery}/"]
    actions = [f"/portal/payments/{pay_id}/{action}/" for action in ("capture", "cancel", "refund", "retry")] + [
        f"/portal/developers/deliveries/{delivery}/retry/"
    ]
    return pages, actions


@pytest.fixture
def rival_delivery(outsider, rival_paid, settings) -> str:
    from webhooks import services

    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    services.webhook_settings_update(merchant=outsider, url="http://127.0.0.1:9/hook", event_types=[])
    return services.webhook_send_test(merchant=outsider).public_id


@pytest.mark.parametrize("url", PAGES)
def test_a_logged_out_visitor_is_sent_to_log_in_and_back(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/portal/login/?next={url}"


@pytest.mark.parametrize("url", ACTIONS)
def test_a_logged_out_post_changes_nothing(client: Client, url: str) -> None:
    assert client.post(url).status_code == 302


@pytest.mark.parametrize("role", ["admin", "finance"])
def test_operators_get_403_on_every_portal_url(
    client: Client, role: str, admin_user, finance_user, paid: dict, merchant
) -> None:
    client.force_login(admin_user if role == "admin" else finance_user)
    delivery = WebhookDelivery.objects.first()
    pages, actions = object_urls(paid, delivery.public_id if delivery else "whd_none")

    for url in PAGES + pages:
        assert client.get(url).status_code == 403, url
    for url in ACTIONS + actions:
        assert client.post(url).status_code == 403, url


def test_another_merchants_ids_answer_404_and_change_nothing(
    portal: Client, rival_paid: dict, rival_delivery: str
) -> None:
    from payments.models import Payment

    pages, actions = object_urls(rival_paid, rival_delivery)
    delivery_before = WebhookDelivery.objects.values().get(public_id=rival_delivery)

    for url in pages:
        assert portal.get(url).status_code == 404, url
    for url in actions:
        assert portal.post(url, {"amount": "1.00"}).status_code == 404, url
    assert Payment.objects.get(public_id=rival_paid["id"]).status == "captured"
    assert WebhookDelivery.objects.values().get(public_id=rival_delivery) == delivery_before


def test_unknown_ids_answer_404(portal: Client) -> None:
    for url in ("/portal/payments/pay_nope/", "/portal/orders/order_nope/", "/portal/developers/deliveries/whd_x/"):
        assert portal.get(url).status_code == 404


@pytest.fixture
def catalog_urls(merchant) -> list[str]:
    """The merchant's product and payment link actions, by id."""
    from payments import catalog

    product = catalog.product_create(merchant=merchant, name="Mug", price=900, currency="GBP", stock=2)
    link = catalog.payment_link_create(merchant=merchant, product=product)
    return [
        f"/portal/products/{product.public_id}/stock/",
        f"/portal/products/{product.public_id}/delete/",
        f"/portal/payment-links/{link.public_id}/deactivate/",
    ]


def catalog_state() -> list[tuple]:
    from payments.models import PaymentLink, Product

    products = list(Product.objects.all_with_deleted().values_list("public_id", "stock", "deleted"))
    return products + list(PaymentLink.objects.values_list("public_id", "active"))


def test_a_logged_out_visitor_is_sent_to_log_in_from_urls_with_ids(client: Client, paid: dict, catalog_urls) -> None:
    pages, actions = object_urls(paid, "whd_none")
    before = catalog_state()

    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"/portal/login/?next={url}", url
    for url in actions + catalog_urls:
        response = client.post(url, {"stock": "0", "amount": "1.00"})
        assert response.status_code == 302 and response["Location"] == f"/portal/login/?next={url}", url
    assert catalog_state() == before
    assert Payment.objects.get(public_id=paid["id"]).status == "captured"


@pytest.mark.parametrize("role", ["admin", "finance"])
def test_operators_get_403_on_the_product_and_payment_link_urls(
    client: Client, role: str, admin_user, finance_user, catalog_urls
) -> None:
    client.force_login(admin_user if role == "admin" else finance_user)
    before = catalog_state()

    for url in catalog_urls:
        assert client.post(url, {"stock": "0"}).status_code == 403, url
    assert catalog_state() == before


NONCE = re.compile(r"script-src [^;]*'nonce-([^']+)'")


@pytest.mark.parametrize("url", ["/portal/", "/portal/payments/", "/portal/developers/", "/portal/login/"])
def test_portal_pages_send_a_csp_with_a_fresh_nonce_that_their_scripts_carry(portal: Client, url: str) -> None:
    visitor = Client() if url == "/portal/login/" else portal  # the log-in page is for the logged out
    first, second = visitor.get(url), visitor.get(url)

    nonces = []
    for response in (first, second):
        assert response.status_code == 200
        header = response["Content-Security-Policy"]
        assert "default-src 'self'" in header and "'unsafe-inline'" not in header.split("script-src")[1].split(";")[0]
        nonce = NONCE.search(header).group(1)
        nonces.append(nonce)
        scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert nonces[0] != nonces[1]  # a new nonce for every response
