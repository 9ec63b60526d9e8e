"""The delivery log on the Developers page filters by status and by event type (the query string
holds the filters, so the full page and the htmx swap show the same rows)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from merchants.models import Merchant
from tests.webhooks.conftest import Receiver, emit, hook_to, receiver  # noqa: F401 — the receiver fixture
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(merchant: Merchant, receiver: Receiver, settings: Any) -> dict[str, WebhookDelivery]:  # noqa: F811
    """Three deliveries: a test event sent (succeeded), an order event refused (retrying) and a
    payment event not sent yet (pending)."""
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    merchant = hook_to(merchant, receiver)
    sent = services.webhook_send_test(merchant=merchant)
    refused = emit(merchant, "order.created", "order_LogLogLogLog0001").delivery
    waiting = emit(merchant, "payment.captured", "pay_LogLogLogLog0001").delivery
    services.delivery_attempt(delivery_id=sent.pk)
    receiver.reply(500)
    services.delivery_attempt(delivery_id=refused.pk)
    found = {d.pk: d.status for d in WebhookDelivery.objects.all()}
    assert found == {sent.pk: "succeeded", refused.pk: "retrying", waiting.pk: "pending"}
    return {"succeeded": sent, "retrying": refused, "pending": waiting}


def shown(client: Client, query: str, **headers: str) -> set[str]:
    response = client.get(f"/portal/developers/?{query}", **headers)
    assert response.status_code == 200
    page = response.content.decode()
    return {d.public_id for d in WebhookDelivery.objects.all() if d.public_id in page}


def ids(log: dict[str, WebhookDelivery], *names: str) -> set[str]:
    return {log[name].public_id for name in names}


@pytest.mark.parametrize("status", [s.value for s in DeliveryStatus if s != DeliveryStatus.FAILED])
def test_the_log_filters_by_status(portal: Client, log: dict[str, WebhookDelivery], status: str) -> None:
    assert shown(portal, f"status={status}") == ids(log, status)
    assert shown(portal, f"status={status}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="deliveries") == ids(log, status)


def test_the_log_filters_by_event_type(portal: Client, log: dict[str, WebhookDelivery]) -> None:
    assert shown(portal, "event_type=webhook.test") == ids(log, "succeeded")
    assert shown(portal, "event_type=payment.captured") == ids(log, "pending")
    assert shown(portal, "event_type=order.created&status=retrying") == ids(log, "retrying")
    assert shown(portal, "event_type=order.created&status=succeeded") == set()


def test_no_filter_or_an_unknown_status_shows_every_delivery(portal: Client, log: dict[str, WebhookDelivery]) -> None:
    every = ids(log, "succeeded", "retrying", "pending")

    assert shown(portal, "") == every
    assert shown(portal, "status=bogus") == every


def test_a_filter_that_matches_nothing_says_so(portal: Client, log: dict[str, WebhookDelivery]) -> None:
    response = portal.get("/portal/developers/?status=failed")

    assert b"No deliveries match these filters" in response.content
    assert "selected>Failed</option>" in response.content.decode()


def test_the_log_shows_only_the_merchants_own_deliveries(
    client: Client, outsider: Merchant, log: dict[str, WebhookDelivery]
) -> None:
    client.force_login(outsider.user)

    assert shown(client, "") == set()
