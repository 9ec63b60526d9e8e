"""Every webhooks endpoint: scoping (outsider → 404), roles (403), bad input (400, nothing changed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from merchants.models import Merchant
from tests.conftest import API
from tests.webhooks.conftest import Receiver, delivery_of
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery

SETTINGS = f"{API}/webhooks/"
DELIVERIES = f"{API}/webhooks/deliveries/"


def assert_error(response: Any, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["exception"]["code"] == code
    return body["exception"]


@pytest.fixture
def failed(hooked: Merchant, receiver: Receiver, deliver, settings) -> WebhookDelivery:
    """A delivery of the merchant that failed for good."""
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.reply(500)
    delivery = delivery_of(deliver(hooked, "order.paid"))
    assert delivery.status == DeliveryStatus.FAILED
    return delivery


@pytest.fixture
def rival_delivery(outsider: Merchant, receiver: Receiver, deliver) -> WebhookDelivery:
    outsider = services.webhook_settings_update(merchant=outsider, url=receiver.url, event_types=[])
    return delivery_of(deliver(outsider, "refund.processed", object_id="rfnd_RivalRivalRival1"))


# --- settings -----------------------------------------------------------------------------------


def test_merchant_reads_and_sets_its_webhook_settings(merchant: Merchant, merchant_api: APIClient) -> None:
    assert merchant_api.get(SETTINGS).json()["data"] == {
        "merchant_id": merchant.public_id,
        "url": "",
        "event_types": [],
        "enabled": True,
        "previous_secret_expires_at": None,
    }

    response = merchant_api.put(
        SETTINGS,
        {"url": "https://hooks.example.com/paygate", "event_types": ["payment.captured", "refund.processed"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["message"] == "Webhook settings saved."
    data = merchant_api.get(SETTINGS).json()["data"]
    assert (data["url"], data["event_types"]) == (
        "https://hooks.example.com/paygate",
        ["payment.captured", "refund.processed"],
    )


def test_an_empty_url_turns_webhooks_off(hooked: Merchant, merchant_api: APIClient, deliver) -> None:
    assert merchant_api.put(SETTINGS, {"url": ""}, format="json").status_code == 200

    hooked.refresh_from_db()
    deliver(hooked)

    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "hooks.example.com/no-scheme"}, "url"),
        ({"url": "https://user:pass@hooks.example.com/"}, "url"),
        ({"url": "http://[not-an-ip/"}, "url"),
        ({"url": "https://hooks.example.com/" + "x" * 500}, "url"),
        ({"url": "https://hooks.example.com/", "event_types": ["payment.exploded"]}, "event_types"),
        ({"url": "https://hooks.example.com/", "event_types": "payment.captured"}, "event_types"),
        ({"url": "https://hooks.example.com/", "event_types": ["webhook.test"]}, "event_types"),
        ({"url": "https://hooks.example.com/", "secret": "whsec_mine"}, "secret"),
        ({"event_types": []}, "url"),
        ({"url": None}, "url"),
    ],
)
def test_bad_settings_answer_400_and_change_nothing(
    hooked: Merchant, merchant_api: APIClient, body: dict[str, Any], field: str
) -> None:
    before = merchant_api.get(SETTINGS).json()["data"]

    exception = assert_error(merchant_api.put(SETTINGS, body, format="json"), 400, 1008)

    assert field in exception["meta"]["fields"]
    assert merchant_api.get(SETTINGS).json()["data"] == before


@pytest.mark.parametrize("role_api", ["finance_api", "admin_api"])
def test_operators_cannot_set_a_merchants_webhook_settings(
    hooked: Merchant, role_api: str, request: pytest.FixtureRequest
) -> None:
    api = request.getfixturevalue(role_api)

    assert_error(api.put(SETTINGS, {"url": "https://hooks.example.com/"}, format="json"), 403, 1004)
    hooked.refresh_from_db()
    assert hooked.webhook_url.startswith("http://localhost")


@pytest.mark.parametrize("role_api", ["finance_api", "admin_api"])
def test_operators_read_a_merchants_settings_by_merchant_id(
    hooked: Merchant, role_api: str, request: pytest.FixtureRequest
) -> None:
    api = request.getfixturevalue(role_api)

    assert api.get(SETTINGS, {"merchant_id": hooked.public_id}).json()["data"]["url"] == hooked.webhook_url
    assert_error(api.get(SETTINGS), 400, 1008)
    assert_error(api.get(SETTINGS, {"merchant_id": "mer_NoSuchMerchant0001"}), 404, 1009)


def test_a_merchant_only_ever_reads_its_own_settings(hooked: Merchant, outsider_api: APIClient) -> None:
    data = outsider_api.get(SETTINGS, {"merchant_id": hooked.public_id}).json()["data"]

    assert data["merchant_id"] != hooked.public_id
    assert data["url"] == ""


def test_webhooks_endpoints_need_authentication(api: APIClient) -> None:
    assert_error(api.get(SETTINGS), 401, 1001)
    assert_error(api.get(DELIVERIES), 401, 1001)
    assert_error(api.post(f"{SETTINGS}rotate-secret/", {}, format="json"), 401, 1001)


# --- test events and rotation -------------------------------------------------------------------


@pytest.mark.parametrize("role_api", ["finance_api", "admin_api"])
def test_operators_cannot_send_test_events_or_rotate_secrets(
    hooked: Merchant, role_api: str, request: pytest.FixtureRequest
) -> None:
    api = request.getfixturevalue(role_api)
    secret = hooked.webhook_secret

    assert_error(api.post(f"{SETTINGS}test/", {}, format="json"), 403, 1004)
    assert_error(api.post(f"{SETTINGS}rotate-secret/", {}, format="json"), 403, 1004)

    hooked.refresh_from_db()
    assert hooked.webhook_secret == secret
    assert not WebhookDelivery.objects.exists()


def test_test_and_rotate_refuse_unknown_fields(hooked: Merchant, merchant_api: APIClient) -> None:
    secret = hooked.webhook_secret

    assert_error(merchant_api.post(f"{SETTINGS}test/", {"type": "order.paid"}, format="json"), 400, 1008)
    assert_error(merchant_api.post(f"{SETTINGS}rotate-secret/", {"secret": "whsec_x"}, format="json"), 400, 1008)

    hooked.refresh_from_db()
    assert hooked.webhook_secret == secret
    assert not WebhookDelivery.objects.exists()


def test_rotation_stores_the_new_secret_and_answers_it_once(hooked: Merchant, merchant_api: APIClient) -> None:
    old = hooked.webhook_secret

    data = merchant_api.post(f"{SETTINGS}rotate-secret/", {}, format="json").json()["data"]

    hooked.refresh_from_db()
    assert hooked.webhook_secret == data["secret"]
    assert hooked.webhook_previous_secret == old
    settings_data = merchant_api.get(SETTINGS).json()["data"]
    assert settings_data["previous_secret_expires_at"] == data["previous_secret_expires_at"]
    assert "secret" not in settings_data


# --- deliveries ---------------------------------------------------------------------------------


def test_merchant_lists_only_its_own_deliveries(
    failed: WebhookDelivery, rival_delivery: WebhookDelivery, merchant_api: APIClient
) -> None:
    data = merchant_api.get(DELIVERIES).json()["data"]

    assert [d["id"] for d in data["results"]] == [failed.public_id]
    assert data["total"] == 1
    row = data["results"][0]
    assert row["event_id"] == failed.event.public_id
    assert (row["event_type"], row["status"], row["attempt_count"], row["last_response_status"]) == (
        "order.paid",
        "failed",
        1,
        500,
    )


@pytest.mark.parametrize("role_api", ["finance_api", "admin_api"])
def test_operators_see_every_merchants_deliveries(
    failed: WebhookDelivery, rival_delivery: WebhookDelivery, role_api: str, request: pytest.FixtureRequest
) -> None:
    api = request.getfixturevalue(role_api)

    ids = {d["id"] for d in api.get(DELIVERIES).json()["data"]["results"]}
    one = api.get(DELIVERIES, {"merchant_id": rival_delivery.merchant.public_id}).json()["data"]["results"]

    assert ids == {failed.public_id, rival_delivery.public_id}
    assert [d["id"] for d in one] == [rival_delivery.public_id]
    assert api.get(f"{DELIVERIES}{failed.public_id}/").status_code == 200


def test_deliveries_filter_by_status_event_type_and_date(
    failed: WebhookDelivery, hooked: Merchant, deliver, admin_api: APIClient
) -> None:
    ok = delivery_of(deliver(hooked, "payment.captured"))

    def ids(**params: str) -> list[str]:
        response = admin_api.get(DELIVERIES, params)
        assert response.status_code == 200, response.json()
        return [d["id"] for d in response.json()["data"]["results"]]

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert ids(status="failed") == [failed.public_id]
    assert ids(status="succeeded") == [ok.public_id]
    assert ids(event_type="payment.captured") == [ok.public_id]
    assert ids(event_id=failed.event.public_id) == [failed.public_id]
    assert set(ids(created_after=yesterday, created_before=tomorrow)) == {ok.public_id, failed.public_id}
    assert ids(created_after=tomorrow) == []


@pytest.mark.parametrize(
    "params", [{"status": "exploded"}, {"event_type": "nope"}, {"created_after": "yesterday"}, {"limit": "500"}]
)
def test_bad_delivery_filters_answer_400(failed: WebhookDelivery, merchant_api: APIClient, params: dict) -> None:
    assert_error(merchant_api.get(DELIVERIES, params), 400, 1008)


def test_delivery_detail_has_every_attempt_and_the_payload(failed: WebhookDelivery, merchant_api: APIClient) -> None:
    data = merchant_api.get(f"{DELIVERIES}{failed.public_id}/").json()["data"]

    assert data["payload"]["id"] == failed.event.public_id
    assert data["payload"]["data"]["object"]["id"] == "order_TestTestTest0001"
    [attempt] = data["attempts"]
    assert attempt["number"] == 1
    assert (attempt["response_status"], attempt["response_body"], attempt["error"]) == (500, "status 500", "")
    assert attempt["duration_ms"] >= 0


def test_another_merchants_delivery_answers_404(rival_delivery: WebhookDelivery, merchant_api: APIClient) -> None:
    assert_error(merchant_api.get(f"{DELIVERIES}{rival_delivery.public_id}/"), 404, 1009)
    assert_error(merchant_api.post(f"{DELIVERIES}{rival_delivery.public_id}/retry/", {}, format="json"), 404, 1009)
    assert_error(merchant_api.get(f"{DELIVERIES}whd_NoSuchDelivery0001/"), 404, 1009)


def test_outsider_cannot_see_or_retry_the_merchants_failed_delivery(
    failed: WebhookDelivery, outsider_api: APIClient
) -> None:
    assert outsider_api.get(DELIVERIES).json()["data"]["total"] == 0
    assert_error(outsider_api.get(f"{DELIVERIES}{failed.public_id}/"), 404, 1009)
    assert_error(outsider_api.post(f"{DELIVERIES}{failed.public_id}/retry/", {}, format="json"), 404, 1009)

    failed.refresh_from_db()
    assert (failed.status, failed.attempt_count) == (DeliveryStatus.FAILED, 1)


@pytest.mark.parametrize("role_api", ["finance_api", "admin_api"])
def test_operators_retry_any_merchants_failed_delivery(
    failed: WebhookDelivery,
    role_api: str,
    request: pytest.FixtureRequest,
    receiver: Receiver,
    django_capture_on_commit_callbacks,
) -> None:
    api = request.getfixturevalue(role_api)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{DELIVERIES}{failed.public_id}/retry/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["message"] == "Delivery retried."
    failed.refresh_from_db()
    assert (failed.status, failed.attempt_count) == (DeliveryStatus.SUCCEEDED, 2)


def test_retry_refuses_unknown_fields(failed: WebhookDelivery, merchant_api: APIClient) -> None:
    assert_error(merchant_api.post(f"{DELIVERIES}{failed.public_id}/retry/", {"now": True}, format="json"), 400, 1008)

    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_deliveries_cannot_be_created_changed_or_deleted_through_the_api(
    failed: WebhookDelivery, merchant_api: APIClient
) -> None:
    assert_error(merchant_api.post(DELIVERIES, {}, format="json"), 405, 1031)
    assert_error(merchant_api.delete(f"{DELIVERIES}{failed.public_id}/"), 405, 1031)
    assert_error(merchant_api.patch(SETTINGS, {"url": ""}, format="json"), 405, 1031)


@pytest.mark.parametrize(
    "query", ["created_after=0778-11-08T14%3A27%3A10%2B21%3A30", "created_before=9999-12-31T23:59:59-05:00"]
)
def test_delivery_dates_at_the_edges_of_time_are_400(merchant_api: APIClient, query: str) -> None:
    assert_error(merchant_api.get(f"{DELIVERIES}?{query}"), 400, 1008)
