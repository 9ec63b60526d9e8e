"""Every portal URL: logged-out visitors go to log in and back, operators get 403, another
merchant's ids answer 404 — decided by the backend, whatever the page shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

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
