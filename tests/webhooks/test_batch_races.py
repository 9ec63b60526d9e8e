"""Batch claims raced by real threads on PostgreSQL (`SELECT … FOR UPDATE SKIP LOCKED`), each
thread with its own connection, as several worker processes would."""

from __future__ import annotations

from collections import Counter

import pytest

from merchants.models import Merchant
from tests.concurrency.test_races import race
from tests.webhooks.conftest import Receiver, emit, hook_to
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def database_tasks(settings) -> None:
    # Committed events queue their task in the database instead of sending at once: the threads
    # below do the sending.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_racing_batch_claims_take_disjoint_deliveries(merchant: Merchant, threaded_receiver: Receiver) -> None:
    # given: 40 due deliveries
    merchant = hook_to(merchant, threaded_receiver)
    for n in range(40):
        emit(merchant, object_id=f"order_ClaimRaceClaim{n:03d}")

    # when: four claims of 10 at the same instant
    results = race(4, lambda i: services._claim_due(limit=10)[0])

    # then: every delivery claimed once, by one of them
    assert all(isinstance(r, list) for r in results), results
    claimed = [c.delivery_id for claims in results for c in claims]  # type: ignore[attr-defined]
    assert sorted(claimed) == sorted(WebhookDelivery.objects.values_list("pk", flat=True))
    assert set(WebhookDelivery.objects.values_list("attempt_count", flat=True)) == {1}
    tokens = dict(WebhookDelivery.objects.values_list("pk", "claim_token"))
    for claims in results:
        assert {tokens[c.delivery_id] for c in claims} <= {c.token for c in claims}  # type: ignore[attr-defined]


def test_workers_racing_to_send_the_due_deliveries_send_each_once(
    merchant: Merchant, outsider: Merchant, threaded_receiver: Receiver, settings
) -> None:
    # given: 60 due deliveries of two merchants, claimed 10 at a time
    settings.PAYGATE_WEBHOOK_BATCH_SIZE = 10
    receiver = threaded_receiver
    merchants = [hook_to(merchant, receiver), hook_to(outsider, receiver)]
    events = [emit(merchants[n % 2], object_id=f"order_SendRaceSendR{n:03d}") for n in range(60)]

    # when: three workers drain the due deliveries at the same time
    results = race(3, lambda i: services.deliveries_send_due())

    # then: each event arrived once, signed, and each delivery made exactly one attempt
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 60  # type: ignore[arg-type]
    assert Counter(receiver.ids) == Counter({e.public_id: 1 for e in events})
    assert all(r.verified_with for r in receiver.received)
    assert WebhookAttempt.objects.count() == 60
    assert set(WebhookAttempt.objects.values_list("number", flat=True)) == {1}
    assert set(WebhookDelivery.objects.values_list("status", "attempt_count", "claim_token")) == {
        (DeliveryStatus.SUCCEEDED, 1, "")
    }
