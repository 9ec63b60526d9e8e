"""Django admin: events and deliveries are listed, filtered, searched, read-only, and retried."""

from __future__ import annotations

import pytest
from django.test import Client

from merchants.models import Merchant, User
from tests.webhooks.conftest import Receiver, delivery_of
from webhooks.models import DeliveryStatus, WebhookDelivery

CHANGELIST = "/admin/webhooks/webhookdelivery/"


@pytest.fixture
def failed(hooked: Merchant, receiver: Receiver, deliver, settings) -> WebhookDelivery:
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.reply(500)
    return delivery_of(deliver(hooked, "payment.failed"))


@pytest.fixture
def staff(admin_user: User, finance_user: User, request: pytest.FixtureRequest) -> dict[str, Client]:
    clients = {}
    for user in (admin_user, finance_user):
        client = Client()
        client.force_login(user)
        clients[user.role] = client
    return clients


@pytest.mark.parametrize("role", ["admin", "finance"])
def test_staff_list_filter_search_and_open_deliveries_and_events(
    failed: WebhookDelivery, staff: dict[str, Client], role: str
) -> None:
    client = staff[role]

    listing = client.get(CHANGELIST, {"status__exact": "failed", "q": failed.public_id})
    detail = client.get(f"{CHANGELIST}{failed.pk}/change/")
    events = client.get("/admin/webhooks/event/", {"q": failed.event.public_id})

    assert listing.status_code == 200 and failed.public_id in listing.content.decode()
    assert detail.status_code == 200 and "status 500" in detail.content.decode()  # the attempt inline
    assert 'name="status"' not in detail.content.decode()  # read-only
    assert events.status_code == 200 and failed.event.public_id in events.content.decode()
    assert client.get(f"{CHANGELIST}add/").status_code == 403


@pytest.mark.parametrize("role", ["admin", "finance"])
def test_staff_retry_failed_deliveries_from_the_admin(
    failed: WebhookDelivery, staff: dict[str, Client], role: str, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = staff[role].post(
            CHANGELIST, {"action": "retry_deliveries", "_selected_action": [failed.pk]}, follow=True
        )

    assert response.status_code == 200
    assert "1 deliveries queued for an attempt now." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempt_count) == (DeliveryStatus.SUCCEEDED, 2)


def test_the_admin_resends_a_succeeded_delivery_and_skips_one_in_flight(
    hooked: Merchant, deliver, staff: dict[str, Client], django_capture_on_commit_callbacks
) -> None:
    sent = delivery_of(deliver(hooked))  # succeeded
    in_flight = delivery_of(deliver(hooked))
    WebhookDelivery.objects.filter(pk=in_flight.pk).update(claim_token="a-worker-is-sending")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff["admin"].post(
            CHANGELIST, {"action": "retry_deliveries", "_selected_action": [sent.pk, in_flight.pk]}, follow=True
        )

    page = response.content.decode()
    assert "1 deliveries queued for an attempt now." in page
    assert "1 skipped: an attempt is in flight." in page
    sent.refresh_from_db()
    in_flight.refresh_from_db()
    assert (sent.status, sent.attempt_count) == (DeliveryStatus.SUCCEEDED, 2)
    assert (in_flight.status, in_flight.attempt_count) == (DeliveryStatus.SUCCEEDED, 1)


def test_the_admin_never_shows_webhook_secrets(failed: WebhookDelivery, staff: dict[str, Client]) -> None:
    merchant = failed.merchant
    pages = [
        staff["admin"].get(f"/admin/merchants/merchant/{merchant.pk}/change/"),
        staff["admin"].get(f"{CHANGELIST}{failed.pk}/change/"),
        staff["admin"].get(f"/admin/webhooks/event/{failed.event.pk}/change/"),
    ]

    for page in pages:
        assert page.status_code == 200
        assert merchant.webhook_secret.removeprefix("whsec_") not in page.content.decode()
