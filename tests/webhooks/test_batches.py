"""Deliveries sent in batches: one task per transaction, batch claims, concurrent sends with a
per-receiver bound, outcomes recorded together, claims too short to start given back."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from pytest_httpserver import HTTPServer
from werkzeug import Response

from merchants.models import Merchant
from tests.webhooks.conftest import Received, Receiver, emit, hook_to
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DRAIN_TASK = "webhooks.tasks.deliver_due_webhooks"


def events_for(merchant: Merchant, count: int, prefix: str) -> list[str]:
    """`count` committed events, each with its delivery, none sent (their queueing never runs)."""
    return [emit(merchant, object_id=f"order_{prefix}{n:04d}").public_id for n in range(count)]


def object_id(received: Received) -> str:
    return json.loads(received.body)["data"]["object"]["id"]


# --- queueing -----------------------------------------------------------------------------------


def test_a_transaction_writing_several_deliveries_queues_one_task(
    hooked: Merchant, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = DATABASE_TASKS

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(5):
            emit(hooked, object_id=f"order_OneTaskOneTask{n:02d}")

    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [DRAIN_TASK]
    assert not WebhookDelivery.objects.filter(queued_at__isnull=True).exists()


def test_enqueue_takes_several_ids_and_queues_one_task_per_run_after(
    db: None, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = DATABASE_TASKS
    later = datetime.now(UTC) + timedelta(minutes=5)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.enqueue_deliveries_on_commit([1, 2, 3], None)
        services.enqueue_deliveries_on_commit([4], later)
        services.enqueue_deliveries_on_commit([5, 6], later)
        services.enqueue_deliveries_on_commit([], None)  # nothing to queue

    now, deferred = DBTaskResult.objects.order_by("-run_after")  # "at once" is stored as the far future
    assert now.task_path == deferred.task_path == DRAIN_TASK
    assert deferred.run_after == later and now.run_after > later


def test_a_rolled_back_savepoint_does_not_swallow_the_next_enqueue(
    db: None, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = DATABASE_TASKS

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            services.enqueue_deliveries_on_commit([1], None)
            1 / 0  # noqa: B018 — the savepoint rolls back, and its on-commit callback with it
        services.enqueue_deliveries_on_commit([2], None)

    assert DBTaskResult.objects.count() == 1


# --- claims -------------------------------------------------------------------------------------


def test_a_claim_takes_at_most_its_quota_of_one_merchant_and_none_of_a_busy_one(
    hooked: Merchant, outsider: Merchant, receiver: Receiver
) -> None:
    # given: 5 due deliveries for each of two merchants
    outsider = hook_to(outsider, receiver)
    events_for(hooked, 5, "QuotaQuotaQuA")
    events_for(outsider, 5, "QuotaQuotaQuB")

    # when
    claims, more = services._claim_due(limit=10, per_merchant=3)
    busy_claims, _ = services._claim_due(limit=10, per_merchant=3, busy={hooked.pk})

    # then: 3 of each, with more left; then only the merchant that was not busy
    assert sorted(c.merchant_id for c in claims) == [hooked.pk] * 3 + [outsider.pk] * 3
    assert more
    assert [c.merchant_id for c in busy_claims] == [outsider.pk] * 2
    assert len({c.token for c in claims}) == 1
    assert WebhookDelivery.objects.filter(attempt_count=1).exclude(claim_token="").count() == 8


def test_a_batch_mixing_success_failure_and_timeout_is_sent_at_once_and_recorded(
    merchant: Merchant, threaded_receiver: Receiver, settings
) -> None:
    # given: four due deliveries, whose receiver answers 200, 200, 500, and too late
    settings.PAYGATE_WEBHOOK_TIMEOUT = 0.5
    receiver = threaded_receiver
    merchant = hook_to(merchant, receiver)
    answers = {"order_MixedMixedOk01": 200, "order_MixedMixedOk02": 200, "order_MixedMixedFail": 500}

    def respond(received: Received) -> Response:
        status = answers.get(object_id(received))
        if status is None:
            time.sleep(1.5)
            status = 200
        return Response(f"status {status}", status=status)

    receiver.respond = respond
    for name in [*answers, "order_MixedMixedSlow"]:
        emit(merchant, object_id=name)

    # when
    started = time.monotonic()
    made = services.deliveries_send_due()
    elapsed = time.monotonic() - started

    # then: sent side by side (one timeout, not the sum of the answers), each once and signed
    assert made == 4
    assert elapsed < 1.4
    assert sorted(object_id(r) for r in receiver.received) == sorted([*answers, "order_MixedMixedSlow"])
    assert all(r.verified_with for r in receiver.received)
    outcome = {
        d.event.object_id: (d.status, d.attempt_count, d.last_response_status, d.last_error, d.claim_token)
        for d in WebhookDelivery.objects.select_related("event")
    }
    assert outcome == {
        "order_MixedMixedOk01": (DeliveryStatus.SUCCEEDED, 1, 200, "", ""),
        "order_MixedMixedOk02": (DeliveryStatus.SUCCEEDED, 1, 200, "", ""),
        "order_MixedMixedFail": (DeliveryStatus.RETRYING, 1, 500, "", ""),
        "order_MixedMixedSlow": (DeliveryStatus.RETRYING, 1, None, "timeout", ""),
    }
    attempts = WebhookAttempt.objects.all()
    assert sorted((a.number, a.response_status or 0, a.error) for a in attempts) == [
        (1, 0, "timeout"),
        (1, 200, ""),
        (1, 200, ""),
        (1, 500, ""),
    ]
    assert len({a.started_at for a in attempts}) == 1  # one claim
    for delivery in WebhookDelivery.objects.filter(status=DeliveryStatus.RETRYING):
        assert delivery.next_attempt_at == delivery.attempts.get().finished_at + timedelta(seconds=60)


def test_a_slow_receiver_holds_only_its_share_and_does_not_hold_up_the_others(
    merchant: Merchant, outsider: Merchant, threaded_server: HTTPServer, settings
) -> None:
    # given: one merchant's receiver takes a second per answer, another's answers at once; the
    # slow one's deliveries are due first
    settings.PAYGATE_WEBHOOK_CONCURRENCY = 4
    settings.PAYGATE_WEBHOOK_CONCURRENCY_PER_RECEIVER = 2
    slow = Receiver(threaded_server, path="/slow")
    fast = Receiver(threaded_server, path="/fast")
    slow.default = lambda: (time.sleep(1.0), Response("ok"))[1]
    events_for(hook_to(merchant, slow), 6, "SlowSlowSlow")
    events_for(hook_to(outsider, fast), 12, "FastFastFast")

    # when
    made = services.deliveries_send_due()

    # then: every event arrived once; the slow receiver never had more than its 2 at a time, and
    # the fast one's were all sent and recorded before the slow one's first answers came back
    assert made == 18
    assert len(set(slow.ids)) == len(slow.ids) == 6 and len(set(fast.ids)) == len(fast.ids) == 12
    assert slow.max_in_flight == 2
    finished = {
        m.pk: sorted(WebhookAttempt.objects.filter(delivery__merchant=m).values_list("finished_at", flat=True))
        for m in (merchant, outsider)
    }
    assert finished[outsider.pk][-1] < finished[merchant.pk][0]
    assert finished[merchant.pk][-1] - finished[merchant.pk][0] >= timedelta(seconds=1.5)  # 3 waves of 2
    assert not WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists()


def test_an_attempt_whose_claim_is_too_short_to_start_is_given_back_unsent(
    hooked: Merchant, receiver: Receiver, settings
) -> None:
    # given: two claimed attempts that waited for a thread until their claim had less than a
    # timeout (2 s) plus the margin to run
    events_for(hooked, 2, "TooLateTooLat")
    now = datetime.now(UTC)
    with time_machine.travel(now, tick=False) as traveller:
        claims, _ = services._claim_due(limit=10)
        traveller.shift(timedelta(seconds=settings.PAYGATE_WEBHOOK_CLAIM_SECONDS - 2.5))
        dispatcher = services._Dispatcher()
        dispatcher.add(claims)

        # when
        too_late = dispatcher.start()
        services._release_unsent(too_late)

    # then: nothing sent, nothing logged, the deliveries as they were before the claim
    assert too_late == claims and dispatcher.outstanding() == 0
    assert receiver.received == [] and not WebhookAttempt.objects.exists()
    states = WebhookDelivery.objects.values_list("status", "attempt_count", "claim_token", "last_attempt_at")
    assert list(states) == [(DeliveryStatus.PENDING, 0, "", None)] * 2
    # and the next claim sends them as attempt 1
    assert services.deliveries_send_due() == 2
    assert sorted(WebhookAttempt.objects.values_list("number", "response_status")) == [(1, 200), (1, 200)]


def test_a_task_out_of_time_hands_the_rest_to_a_new_task(
    hooked: Merchant, receiver: Receiver, settings, monkeypatch: Any
) -> None:
    # given: 5 due deliveries, batches of 2, and no time to claim more than once
    settings.TASKS = DATABASE_TASKS
    settings.PAYGATE_WEBHOOK_BATCH_SIZE = 2
    monkeypatch.setattr(services, "DRAIN_SECONDS", 0.0)
    events_for(hooked, 5, "OutOfTimeOutO")

    # when
    made = services.deliveries_send_due()

    # then: one batch sent, and a task queued for the rest
    assert made == 2 and len(receiver.received) == 2
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [DRAIN_TASK]
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3


def test_with_nothing_due_a_task_does_nothing(hooked: Merchant, receiver: Receiver, settings) -> None:
    settings.TASKS = DATABASE_TASKS
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [60]  # the first attempt is a minute away
    events_for(hooked, 2, "NotDueNotDueN")

    assert services.deliveries_send_due() == 0
    assert receiver.received == [] and not DBTaskResult.objects.exists()


def test_deliveries_are_never_sent_inside_a_transaction(hooked: Merchant, receiver: Receiver) -> None:
    events_for(hooked, 1, "InsideInsideI")

    with pytest.raises(RuntimeError, match="never sent inside a transaction"), transaction.atomic():
        services.deliveries_send_due()

    assert receiver.received == []
