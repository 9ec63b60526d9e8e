"""Pages whose state a worker finishes poll themselves while something is in flight (a payment
processing, a refund pending, a delivery pending or retrying) and stop once it is final: the
server answers the fragment without the polling trigger."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments import services
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.conftest import API
from tests.payments.conftest import card_body, create_order
from tests.webhooks.conftest import Receiver, hook_to, receiver  # noqa: F401 — the receiver fixture
from webhooks import services as hooks
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
POLL = 'hx-trigger="every 2s"'


def fetch(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def poll_of(client: Client, url: str, target: str) -> str:
    """What the page's own poll receives (an htmx request aimed at the polling element)."""
    return fetch(client, url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)


@pytest.fixture
def queued(settings: Any) -> None:
    """The database task queue: the request answers at once and the work waits for a worker."""
    settings.TASKS = DB_TASKS


def settle_payment(public_id: str) -> None:
    """What the worker's task runs."""
    payment = Payment.objects.get(public_id=public_id)
    services.payment_process(payment_id=payment.pk, claim=payment.processing_claim, simulate_latency=False)


def test_a_processing_payment_polls_until_the_worker_finishes_it(
    portal: Client, merchant_api: APIClient, queued: None
) -> None:
    # given a payment the worker has not processed yet
    order = create_order(merchant_api)
    created = merchant_api.post(f"{API}/payments/", card_body(order["id"]), format="json").json()["data"]
    assert created["status"] == "processing"
    url = f"/portal/payments/{created['id']}/"

    # then the page and its poll carry the trigger, aimed at the payment's own panel
    page = fetch(portal, url)
    assert POLL in page and f'id="payment-{created["id"]}"' in page and f'hx-get="{url}"' in page
    assert "this page updates by itself" in page
    polled = poll_of(portal, url, f"payment-{created['id']}")
    assert POLL in polled and "<html" not in polled and "Open full page" not in polled

    # when the worker finishes it, the poll answers the captured payment without the trigger
    settle_payment(created["id"])
    polled = poll_of(portal, url, f"payment-{created['id']}")
    assert POLL not in polled and "Captured" in polled and "Refund payment" in polled
    assert POLL not in fetch(portal, url)


def test_a_pending_refund_polls_until_it_is_processed(portal: Client, paid: dict[str, Any], settings: Any) -> None:
    # given a captured payment, then a refund the worker has not processed yet
    url = f"/portal/payments/{paid['id']}/"
    assert POLL not in fetch(portal, url)
    settings.TASKS = DB_TASKS
    response = portal.post(f"{url}refund/", {"amount": "5.00", "reason": "damaged"}, follow=True)
    assert "it is being processed" in response.content.decode()
    refund = Refund.objects.get(payment__public_id=paid["id"])
    assert refund.status == RefundStatus.PENDING

    # then the detail polls, and its refund form is kept as typed while it does
    page = fetch(portal, url)
    assert POLL in page and f'id="refund-form-{paid["id"]}"' in page and "hx-preserve" in page
    assert POLL in poll_of(portal, url, f"payment-{paid['id']}")

    # when the worker processes the refund, the poll shows it and stops
    services.refund_process(refund_id=refund.pk, simulate_latency=False)
    polled = poll_of(portal, url, f"payment-{paid['id']}")
    assert POLL not in polled
    assert "Partially refunded" in polled and "£20.99 can still be refunded" in polled


def test_the_side_panel_keeps_its_link_to_the_full_page_when_it_polls(
    portal: Client, merchant_api: APIClient, queued: None
) -> None:
    order = create_order(merchant_api)
    created = merchant_api.post(f"{API}/payments/", card_body(order["id"]), format="json").json()["data"]
    url = f"/portal/payments/{created['id']}/"

    panel = poll_of(portal, url, "payment-panel")
    polled = poll_of(portal, f"{url}?panel=1", f"payment-{created['id']}")

    assert f'hx-get="{url}?panel=1"' in panel and "Open full page" in panel
    assert f'hx-get="{url}?panel=1"' in polled and "Open full page" in polled


def test_a_final_payment_does_not_poll(portal: Client, paid: dict[str, Any]) -> None:
    assert Payment.objects.get(public_id=paid["id"]).status == PaymentStatus.CAPTURED

    page = fetch(portal, f"/portal/payments/{paid['id']}/")

    assert POLL not in page and f'id="payment-{paid["id"]}" aria-labelledby="payment-title">' in page


def test_another_merchants_payment_poll_answers_404(portal: Client, rival_paid: dict[str, Any]) -> None:
    response = portal.get(f"/portal/payments/{rival_paid['id']}/", HTTP_HX_REQUEST="true")

    assert response.status_code == 404


@pytest.fixture
def pending_delivery(merchant: Merchant, receiver: Receiver, settings: Any) -> WebhookDelivery:  # noqa: F811
    """A test event's delivery that no worker has sent yet."""
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.TASKS = DB_TASKS
    hook_to(merchant, receiver)
    delivery = hooks.webhook_send_test(merchant=merchant)
    assert delivery.status == DeliveryStatus.PENDING
    return delivery


def test_a_pending_delivery_polls_until_it_is_sent(portal: Client, pending_delivery: WebhookDelivery) -> None:
    url = f"/portal/developers/deliveries/{pending_delivery.public_id}/"
    target = f"delivery-{pending_delivery.public_id}"

    page = fetch(portal, url)
    assert POLL in page and f'id="{target}"' in page and f'hx-get="{url}"' in page
    polled = poll_of(portal, url, target)
    assert POLL in polled and "<html" not in polled and "Pending" in polled

    hooks.delivery_attempt(delivery_id=pending_delivery.pk)  # what the worker runs

    polled = poll_of(portal, url, target)
    assert POLL not in polled and "Succeeded" in polled
    assert POLL not in fetch(portal, url)


def test_the_delivery_log_polls_while_a_delivery_on_the_page_is_open(
    portal: Client, pending_delivery: WebhookDelivery
) -> None:
    page = fetch(portal, "/portal/developers/?status=pending")
    assert POLL in page and 'hx-get="/portal/developers/?status=pending"' in page
    polled = poll_of(portal, "/portal/developers/?status=pending", "deliveries")
    assert POLL in polled and "<html" not in polled and pending_delivery.public_id in polled
    # a page of the log with no open delivery does not poll
    assert POLL not in fetch(portal, "/portal/developers/?status=succeeded")

    hooks.delivery_attempt(delivery_id=pending_delivery.pk)

    polled = poll_of(portal, "/portal/developers/", "deliveries")
    assert POLL not in polled and "Succeeded" in polled


def test_a_retrying_delivery_keeps_polling(
    portal: Client,
    pending_delivery: WebhookDelivery,
    receiver: Receiver,  # noqa: F811
) -> None:
    receiver.reply(500)
    hooks.delivery_attempt(delivery_id=pending_delivery.pk)
    pending_delivery.refresh_from_db()
    assert pending_delivery.status == DeliveryStatus.RETRYING

    assert POLL in fetch(portal, f"/portal/developers/deliveries/{pending_delivery.public_id}/")
    assert POLL in poll_of(portal, "/portal/developers/", "deliveries")


def test_another_merchants_delivery_poll_answers_404(
    client: Client, outsider: Merchant, pending_delivery: WebhookDelivery
) -> None:
    client.force_login(outsider.user)

    response = client.get(f"/portal/developers/deliveries/{pending_delivery.public_id}/", HTTP_HX_REQUEST="true")

    assert response.status_code == 404
