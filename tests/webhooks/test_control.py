"""What merchants and operators control: secret rotation, SSRF refusal, manual retry, test events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from werkzeug import Response

from merchants.models import Merchant
from tests.conftest import API
from tests.webhooks.conftest import Receiver, delivery_of
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery


def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(
    hooked: Merchant, receiver: Receiver, merchant_api, deliver
) -> None:
    old_secret = hooked.webhook_secret
    now = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(now, tick=False) as traveller:
        # given: a rotation (the only time the new secret is shown)
        response = merchant_api.post(f"{API}/webhooks/rotate-secret/", {}, format="json")
        assert response.status_code == 200
        new_secret = response.json()["data"]["secret"]
        assert new_secret.startswith("whsec_") and new_secret != old_secret
        expires = (now + timedelta(hours=24)).isoformat().replace("+00:00", "Z")
        assert response.json()["data"]["previous_secret_expires_at"] == expires
        receiver.secrets = [new_secret, old_secret]
        hooked.refresh_from_db()

        # when: an event inside the window, and one after it
        deliver(hooked, "order.created")
        traveller.shift(timedelta(hours=24, seconds=1))
        deliver(hooked, "order.paid")

    # then
    during, after = receiver.received
    assert len(during.signatures) == 2 and all(sig.startswith("v1,") for sig in during.signatures)
    assert during.verified_with == [new_secret, old_secret]
    assert len(after.signatures) == 1
    assert after.verified_with == [new_secret]


def test_rotation_window_of_zero_drops_the_old_secret_at_once(
    hooked: Merchant, receiver: Receiver, merchant_api, deliver, settings
) -> None:
    settings.PAYGATE_WEBHOOK_ROTATION_HOURS = 0
    old_secret = hooked.webhook_secret

    new_secret = merchant_api.post(f"{API}/webhooks/rotate-secret/", {}, format="json").json()["data"]["secret"]
    receiver.secrets = [new_secret, old_secret]
    hooked.refresh_from_db()
    deliver(hooked)

    assert receiver.received[0].verified_with == [new_secret]


def test_a_wrong_secret_does_not_verify(hooked: Merchant, receiver: Receiver, deliver) -> None:
    deliver(hooked)
    request = receiver.received[0]

    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB").verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):  # a body changed in transit
        Webhook(hooked.webhook_secret).verify(request.body.replace(b"2599", b"9999"), request.headers)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_urls_resolving_to_private_addresses_are_refused_at_save(
    merchant: Merchant, merchant_api, settings, url
) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = False
    before = merchant_api.get(f"{API}/webhooks/").json()["data"]

    response = merchant_api.put(f"{API}/webhooks/", {"url": url}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["exception"]["code"] == 1021
    assert "url" in body["exception"]["meta"]["fields"]
    assert merchant_api.get(f"{API}/webhooks/").json()["data"] == before


def test_a_host_that_does_not_resolve_is_refused_at_save_outside_debug(merchant_api, settings) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = False

    response = merchant_api.put(f"{API}/webhooks/", {"url": "https://no-such-host.invalid/hook"}, format="json")

    assert response.status_code == 400
    assert response.json()["exception"]["code"] == 1021


def test_debug_allows_private_urls(merchant_api, settings) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = False
    settings.DEBUG = True

    response = merchant_api.put(f"{API}/webhooks/", {"url": "http://127.0.0.1:9/hook"}, format="json")

    assert response.status_code == 200


def test_a_private_url_is_refused_at_send_too(hooked: Merchant, receiver: Receiver, deliver, settings) -> None:
    # given: a loopback URL saved while allowed, then the setting turned off
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = False

    # when
    delivery = delivery_of(deliver(hooked))

    # then: nothing reached the receiver
    assert receiver.received == []
    assert delivery.status == DeliveryStatus.RETRYING
    attempt = delivery.attempts.get()
    assert attempt.error.startswith("URL refused:") and "private" in attempt.error
    assert attempt.response_status is None


def test_merchant_retries_a_failed_delivery(
    hooked: Merchant, receiver: Receiver, deliver, merchant_api, django_capture_on_commit_callbacks, settings
) -> None:
    # given: a delivery that failed for good (one attempt allowed)
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.reply(500)
    delivery = delivery_of(deliver(hooked))
    assert delivery.status == DeliveryStatus.FAILED

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_api.post(f"{API}/webhooks/deliveries/{delivery.public_id}/retry/", {}, format="json")

    # then (the attempt runs once the retry commits: here, after the answer was rendered)
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "retrying"
    data = merchant_api.get(f"{API}/webhooks/deliveries/{delivery.public_id}/").json()["data"]
    assert (data["status"], data["attempt_count"], data["max_attempts"]) == ("succeeded", 2, 2)
    assert [a["response_status"] for a in data["attempts"]] == [500, 200]
    assert receiver.ids == [delivery.event.public_id] * 2


def test_a_failed_manual_retry_fails_again_without_further_retries(
    hooked: Merchant, receiver: Receiver, deliver, django_capture_on_commit_callbacks, settings, sweep
) -> None:
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.default = lambda: Response("no", status=500)
    delivery = delivery_of(deliver(hooked))

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(delivery=delivery)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1)):
        sweep()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.FAILED, 2)
    assert len(receiver.received) == 2


def test_retrying_a_delivery_waiting_for_its_next_slot_sends_it_now_and_supersedes_the_slot(
    hooked: Merchant, receiver: Receiver, deliver, merchant_api, django_capture_on_commit_callbacks, settings, sweep
) -> None:
    # given: the first attempt failed and the next one is an hour away
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0, 3600, 3600]
    receiver.reply(500)
    delivery = delivery_of(deliver(hooked))
    assert delivery.status == DeliveryStatus.RETRYING
    slot = delivery.next_attempt_at

    # when: the merchant fixed its endpoint and retries now
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_api.post(f"{API}/webhooks/deliveries/{delivery.public_id}/retry/", {}, format="json")

    # then: sent at once, and the old slot sends nothing more
    assert response.status_code == 200, response.json()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.max_attempts) == (DeliveryStatus.SUCCEEDED, 2, 3)
    with time_machine.travel(slot + timedelta(minutes=1)):
        sweep()
    assert receiver.ids == [delivery.event.public_id] * 2
    assert delivery.attempts.count() == 2


def test_a_succeeded_delivery_can_be_sent_again_with_the_same_webhook_id(
    hooked: Merchant, receiver: Receiver, deliver, merchant_api, django_capture_on_commit_callbacks
) -> None:
    delivery = delivery_of(deliver(hooked))
    assert delivery.status == DeliveryStatus.SUCCEEDED

    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_api.post(f"{API}/webhooks/deliveries/{delivery.public_id}/retry/", {}, format="json")

    assert response.status_code == 200
    data = merchant_api.get(f"{API}/webhooks/deliveries/{delivery.public_id}/").json()["data"]
    assert (data["status"], data["attempt_count"], data["max_attempts"]) == ("succeeded", 2, 2)
    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == delivery.event.public_id
    assert again.verified_with == [hooked.webhook_secret]


def test_a_delivery_with_an_attempt_in_flight_is_not_retried(hooked: Merchant, deliver, merchant_api) -> None:
    delivery = delivery_of(deliver(hooked))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.RETRYING, claim_token="x" * 32)

    response = merchant_api.post(f"{API}/webhooks/deliveries/{delivery.public_id}/retry/", {}, format="json")

    assert response.status_code == 409
    exception = response.json()["exception"]
    assert exception["code"] == 1023
    assert exception["meta"] == {"current_state": "retrying", "in_flight": True, "action": "retry"}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.claim_token) == ("retrying", 1, "x" * 32)


def test_retries_that_race_make_one_attempt_each_slot(
    hooked: Merchant, receiver: Receiver, deliver, django_capture_on_commit_callbacks, settings
) -> None:
    # given: a retrying delivery, and three retries whose tasks all run after they committed
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0, 3600]
    receiver.reply(500)
    delivery = delivery_of(deliver(hooked))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        for _ in range(3):
            services.delivery_retry(delivery=delivery)

    # when: the three queued tasks run
    for callback in queued:
        callback()

    # then: one of them claimed the attempt; the others found nothing due
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.SUCCEEDED, 2)
    assert len(receiver.received) == 2


def test_merchant_sends_a_test_event(
    hooked: Merchant, receiver: Receiver, merchant_api, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_api.post(f"{API}/webhooks/test/", {}, format="json")

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("whd_") and data["event_type"] == "webhook.test"
    [request] = receiver.received
    assert request.verified_with == [hooked.webhook_secret]
    assert request.json["type"] == "webhook.test"
    assert request.json["data"]["object"]["merchant_id"] == hooked.public_id
    assert request.headers["webhook-id"] == data["event_id"]
    assert WebhookDelivery.objects.get(public_id=data["id"]).status == DeliveryStatus.SUCCEEDED


def test_a_test_event_needs_a_url(merchant: Merchant, merchant_api) -> None:
    response = merchant_api.post(f"{API}/webhooks/test/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["exception"]["code"] == 1022
    assert not WebhookDelivery.objects.exists()


def test_webhooks_turned_off_keep_their_settings_and_deliver_nothing_new(
    hooked: Merchant, receiver: Receiver, merchant_api, deliver
) -> None:
    before = delivery_of(deliver(hooked))
    settings_in = {"url": receiver.url, "event_types": ["order.created"], "enabled": False}

    response = merchant_api.put(f"{API}/webhooks/", settings_in, format="json")

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["url"], data["event_types"], data["enabled"]) == (receiver.url, ["order.created"], False)
    assert merchant_api.get(f"{API}/webhooks/").json()["data"]["enabled"] is False
    hooked.refresh_from_db()
    event = deliver(hooked)
    assert not WebhookDelivery.objects.filter(event=event).exists()
    refused = merchant_api.post(f"{API}/webhooks/test/", {}, format="json")
    assert refused.status_code == 409 and "turned off" in refused.json()["exception"]["message"]
    assert list(WebhookDelivery.objects.all()) == [before]
    assert len(receiver.received) == 1

    # On again (the default when `enabled` is left out): the kept URL and types work at once.
    merchant_api.put(f"{API}/webhooks/", {"url": receiver.url, "event_types": ["order.created"]}, format="json")
    hooked.refresh_from_db()
    assert hooked.webhooks_enabled and delivery_of(deliver(hooked)).status == DeliveryStatus.SUCCEEDED
    assert len(receiver.received) == 2


def test_enabled_must_be_a_boolean(hooked: Merchant, merchant_api) -> None:
    response = merchant_api.put(f"{API}/webhooks/", {"url": hooked.webhook_url, "enabled": "sometimes"}, format="json")

    assert response.status_code == 400 and "enabled" in response.json()["exception"]["meta"]["fields"]
    hooked.refresh_from_db()
    assert hooked.webhooks_enabled


def test_the_secret_is_never_shown_except_by_rotation(hooked: Merchant, merchant_api, deliver, admin_api) -> None:
    delivery = delivery_of(deliver(hooked))
    pages = [
        merchant_api.get(f"{API}/webhooks/"),
        merchant_api.get(f"{API}/webhooks/deliveries/"),
        merchant_api.get(f"{API}/webhooks/deliveries/{delivery.public_id}/"),
        merchant_api.get(f"{API}/events/"),
        merchant_api.get(f"{API}/me/"),
        admin_api.get(f"{API}/webhooks/", {"merchant_id": hooked.public_id}),
    ]

    secret = hooked.webhook_secret.removeprefix("whsec_")
    for page in pages:
        assert page.status_code == 200
        assert secret not in page.content.decode()
        assert "whsec_" not in page.content.decode()
