"""Delivery against a real receiver on loopback: signing, retries, failures of every kind, the log."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from werkzeug import Response

from merchants.models import Merchant
from tests.conftest import API
from tests.webhooks.conftest import Receiver, delivery_of, free_port
from webhooks.models import DeliveryStatus, WebhookDelivery

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_event_is_posted_as_signed_json_and_logged(hooked: Merchant, receiver: Receiver, deliver) -> None:
    # when
    event = deliver(hooked, "payment.captured", object_id="pay_CapturedCaptured01")

    # then: one POST, verified by the standardwebhooks library on the raw body
    [request] = receiver.received
    assert request.verified_with == [hooked.webhook_secret]
    assert request.headers["webhook-id"] == event.public_id
    assert request.headers["content-type"] == "application/json"
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    assert request.json == {
        "id": event.public_id,
        "type": "payment.captured",
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"object": {"id": "pay_CapturedCaptured01", "amount": 2599, "currency": "GBP"}},
    }
    delivery = delivery_of(event)
    assert delivery.public_id.startswith("whd_")
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == (DeliveryStatus.SUCCEEDED, 1, None)
    assert delivery.last_response_status == 200
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.response_status, attempt.response_body, attempt.error) == (1, 200, "ok", "")
    assert attempt.url == receiver.url
    assert attempt.duration_ms is not None and attempt.duration_ms < 2000


def test_payment_through_the_api_delivers_each_of_its_events(
    hooked: Merchant, receiver: Receiver, merchant_api, django_capture_on_commit_callbacks
) -> None:
    from payments.providers import ensure_default_profiles

    ensure_default_profiles()
    with django_capture_on_commit_callbacks(execute=True):
        order = merchant_api.post(f"{API}/orders/", {"amount": 2599, "currency": "GBP"}, format="json").json()["data"]
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_api.post(
            f"{API}/payments/",
            {
                "order_id": order["id"],
                "method": "card",
                "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
                "customer": {"name": "Ava Reed", "email": "ava@example.com", "country": "GB"},
            },
            format="json",
        )
    assert response.status_code == 201, response.json()

    types = [r.json["type"] for r in receiver.received]
    assert types[0] == "order.created"
    assert {"payment.created", "payment.authorized", "payment.captured", "order.paid"} <= set(types)
    assert all(r.verified_with for r in receiver.received)
    assert len(set(receiver.ids)) == len(receiver.ids)  # one webhook-id per event
    assert not WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists()


def test_merchant_without_url_gets_no_deliveries(merchant: Merchant, receiver: Receiver, deliver) -> None:
    deliver(merchant)

    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_receiver_failing_once_is_retried_and_both_attempts_are_logged(
    hooked: Merchant, receiver: Receiver, deliver, sweep
) -> None:
    # given: the receiver answers 500, then 200
    receiver.reply(500)
    with time_machine.travel(START, tick=False) as traveller:
        event = deliver(hooked)
        delivery = delivery_of(event)
        assert delivery.status == DeliveryStatus.RETRYING
        assert delivery.next_attempt_at == START + timedelta(seconds=60)

        # when: the retry is not due yet, then it is
        assert sweep().requeued == 0
        traveller.shift(timedelta(seconds=60))
        sweep()

    # then
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == (DeliveryStatus.SUCCEEDED, 2, None)
    attempts = list(delivery.attempts.all())
    assert [(a.number, a.response_status, a.response_body) for a in attempts] == [
        (1, 500, "status 500"),
        (2, 200, "ok"),
    ]
    assert attempts[1].started_at == START + timedelta(seconds=60)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event.public_id
    assert first.body == second.body
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) == 60
    assert first.verified_with and second.verified_with


def test_receiver_always_failing_fails_for_good_after_the_fifth_attempt(
    hooked: Merchant, receiver: Receiver, deliver, sweep
) -> None:
    receiver.default = lambda: Response("down", status=503)
    with time_machine.travel(START, tick=False) as traveller:
        delivery = delivery_of(deliver(hooked))
        # now, 1 min, 5 min, 30 min, 2 h after each previous attempt
        for delay in [60, 300, 1800, 7200]:
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.RETRYING
            assert delivery.next_attempt_at == datetime.now(UTC) + timedelta(seconds=delay)
            traveller.shift(timedelta(seconds=delay - 1))
            sweep()
            assert delivery.attempts.count() == len(receiver.received)  # not a second early
            traveller.shift(timedelta(seconds=1))
            sweep()

        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 5, None)
        traveller.shift(timedelta(days=1))
        sweep()

    assert len(receiver.received) == 5
    assert all(r.verified_with for r in receiver.received)
    assert [a.response_status for a in delivery.attempts.all()] == [503] * 5


def test_a_timeout_is_a_failed_attempt(hooked: Merchant, receiver: Receiver, deliver, settings) -> None:
    settings.PAYGATE_WEBHOOK_TIMEOUT = 0.5

    def slow() -> Response:
        time.sleep(1.5)
        return Response("late", status=200)

    receiver.default = slow
    started = time.monotonic()

    delivery = delivery_of(deliver(hooked))

    assert time.monotonic() - started < 1.4  # gave up at the deadline, did not wait for the answer
    assert delivery.status == DeliveryStatus.RETRYING
    [attempt] = delivery.attempts.all()
    assert (attempt.response_status, attempt.error) == (None, "timeout")
    assert 400 <= attempt.duration_ms < 1400


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    hooked: Merchant, receiver: Receiver, deliver, httpserver
) -> None:
    httpserver.expect_request("/elsewhere").respond_with_data("should never be asked")
    receiver.default = lambda: Response("", status=302, headers={"Location": httpserver.url_for("/elsewhere")})

    delivery = delivery_of(deliver(hooked))

    assert delivery.status == DeliveryStatus.RETRYING
    [attempt] = delivery.attempts.all()
    assert attempt.response_status == 302
    assert attempt.error.startswith("redirect to http") and attempt.error.endswith("not followed")
    assert "/elsewhere" not in [request.path for request, _ in httpserver.log]
    assert len(receiver.received) == 1


def test_a_refused_connection_is_a_failed_attempt(hooked: Merchant, deliver) -> None:
    Merchant.objects.filter(pk=hooked.pk).update(webhook_url=f"http://127.0.0.1:{free_port()}/hook")
    hooked.refresh_from_db()

    delivery = delivery_of(deliver(hooked))

    assert delivery.status == DeliveryStatus.RETRYING
    [attempt] = delivery.attempts.all()
    assert (attempt.response_status, attempt.error) == (None, "connection refused")


def test_a_host_that_does_not_resolve_is_a_failed_attempt(hooked: Merchant, deliver) -> None:
    # .invalid never resolves (RFC 2606)
    Merchant.objects.filter(pk=hooked.pk).update(webhook_url="http://no-such-host.invalid/hook")
    hooked.refresh_from_db()

    delivery = delivery_of(deliver(hooked))

    assert delivery.status == DeliveryStatus.RETRYING
    [attempt] = delivery.attempts.all()
    assert attempt.error.startswith("DNS failure")


def test_only_the_first_bytes_of_the_answer_are_read(hooked: Merchant, receiver: Receiver, deliver, settings) -> None:
    settings.PAYGATE_WEBHOOK_RESPONSE_BODY_LIMIT = 16
    receiver.default = lambda: Response("x" * 1_000_000, status=200)

    delivery = delivery_of(deliver(hooked))

    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts.get().response_body == "x" * 16


def test_a_4xx_answer_is_retried_too(hooked: Merchant, receiver: Receiver, deliver) -> None:
    receiver.reply(410)

    delivery = delivery_of(deliver(hooked))

    assert (delivery.status, delivery.last_response_status) == (DeliveryStatus.RETRYING, 410)


def test_chosen_event_types_filter_deliveries_but_not_test_events(
    hooked: Merchant, receiver: Receiver, deliver, merchant_api, django_capture_on_commit_callbacks
) -> None:
    # given
    response = merchant_api.put(f"{API}/webhooks/", {"url": receiver.url, "event_types": ["order.paid"]}, format="json")
    assert response.status_code == 200
    hooked.refresh_from_db()

    # when
    created = deliver(hooked, "order.created")
    paid = deliver(hooked, "order.paid")
    with django_capture_on_commit_callbacks(execute=True):
        assert merchant_api.post(f"{API}/webhooks/test/", {}, format="json").status_code == 201

    # then
    assert [r.json["type"] for r in receiver.received] == ["order.paid", "webhook.test"]
    assert not WebhookDelivery.objects.filter(event=created).exists()
    assert delivery_of(paid).status == DeliveryStatus.SUCCEEDED


def test_deliveries_go_to_the_url_set_at_send_time(hooked: Merchant, receiver: Receiver, emit_only, sweep) -> None:
    # given: a delivery queued for the old URL, whose task was lost
    event = emit_only(hooked)
    Merchant.objects.filter(pk=hooked.pk).update(webhook_url=receiver.url + "?v=2")

    # when
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=10)):
        sweep()

    # then
    assert delivery_of(event).attempts.get().url == receiver.url + "?v=2"
    assert len(receiver.received) == 1


def test_turning_webhooks_off_fails_pending_deliveries_without_sending(
    hooked: Merchant, receiver: Receiver, emit_only, sweep
) -> None:
    event = emit_only(hooked)
    Merchant.objects.filter(pk=hooked.pk).update(webhook_url="")

    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=10)):
        sweep()

    delivery = delivery_of(event)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts.get().error.startswith("no webhook URL")
    assert receiver.received == []


@pytest.fixture
def emit_only():
    """Emit without running the on-commit queueing: a task lost between commit and queue."""
    from tests.webhooks.conftest import emit

    return emit
