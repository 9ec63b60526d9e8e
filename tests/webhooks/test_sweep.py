"""Never lost, never doubled by us: claims, lapsed claims, lost tasks and the `retry_webhooks` sweep."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from merchants.models import Merchant
from tests.webhooks.conftest import Receiver, delivery_of, emit
from webhooks import services, transport
from webhooks.models import DeliveryStatus


def test_a_delivery_whose_task_was_lost_is_queued_again_by_the_sweep(
    hooked: Merchant, receiver: Receiver, sweep
) -> None:
    # given: the event committed but its task was never queued (the process died in between)
    now = datetime.now(UTC)
    with time_machine.travel(now, tick=False) as traveller:
        event = emit(hooked)

        # when: the sweep runs before and after PAYGATE_WEBHOOK_REQUEUE_AFTER_SECONDS
        early = sweep()
        traveller.shift(timedelta(seconds=301))
        late = sweep()

    # then
    assert (early.requeued, late.requeued) == (0, 1)
    assert receiver.ids == [event.public_id]
    assert delivery_of(event).status == DeliveryStatus.SUCCEEDED


def test_a_claim_left_by_a_dead_worker_is_taken_back_and_sent_again(
    hooked: Merchant, receiver: Receiver, sweep
) -> None:
    now = datetime.now(UTC)
    with time_machine.travel(now, tick=False) as traveller:
        # given: a worker claimed the first attempt, then died before recording it
        event = emit(hooked)
        assert services._claim_attempt(delivery_of(event).pk) is not None

        # when: the claim is still live, then it has lapsed, then the retry is due
        assert sweep() == services.SweepResult(released=0, requeued=0)
        traveller.shift(timedelta(seconds=31))
        assert sweep() == services.SweepResult(released=1, requeued=0)
        traveller.shift(timedelta(seconds=60))
        assert sweep() == services.SweepResult(released=0, requeued=1)

    # then: the abandoned attempt is logged, and the event arrived
    delivery = delivery_of(event)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [(a.number, a.error, a.response_status) for a in delivery.attempts.all()] == [
        (1, services.ABANDONED, None),
        (2, "", 200),
    ]
    assert receiver.ids == [event.public_id]


def test_of_two_tasks_for_one_delivery_only_one_claims_the_attempt(hooked: Merchant) -> None:
    delivery = delivery_of(emit(hooked))

    first = services._claim_attempt(delivery.pk)
    second = services._claim_attempt(delivery.pk)

    assert first is not None and second is None
    delivery.refresh_from_db()
    assert delivery.attempt_count == 1
    assert delivery.claim_token == first.token


def test_a_task_for_a_finished_or_not_yet_due_delivery_does_nothing(
    hooked: Merchant, receiver: Receiver, deliver
) -> None:
    receiver.reply(500)
    delivery = delivery_of(deliver(hooked))  # attempt 1 failed; attempt 2 due in a minute

    assert services.delivery_attempt(delivery_id=delivery.pk) is None  # not due
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2)):
        assert services.delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED
        assert services.delivery_attempt(delivery_id=delivery.pk) is None  # finished

    assert len(receiver.received) == 2


def test_an_answer_arriving_after_the_claim_lapsed_changes_nothing(hooked: Merchant, sweep) -> None:
    now = datetime.now(UTC)
    with time_machine.travel(now, tick=False) as traveller:
        delivery = delivery_of(emit(hooked))
        claim = services._claim_attempt(delivery.pk)
        traveller.shift(timedelta(seconds=31))
        sweep()  # takes the claim back: attempt 1 abandoned, attempt 2 scheduled

        status = services._record(claim, transport.SendResult(200, b"ok", "", 5), give_up=False)

    assert status is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempts.get().error == services.ABANDONED


def test_webhooks_are_never_sent_inside_a_transaction(hooked: Merchant) -> None:
    delivery = delivery_of(emit(hooked))

    with pytest.raises(RuntimeError, match="never sent inside a transaction"), transaction.atomic():
        services.delivery_attempt(delivery_id=delivery.pk)


def test_retry_webhooks_command_sweeps_and_reports(
    hooked: Merchant, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    events = [emit(hooked, object_id=f"order_LostLostLost000{n}") for n in range(3)]
    out = io.StringIO()

    with (
        time_machine.travel(datetime.now(UTC) + timedelta(minutes=10)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("retry_webhooks", "--batch", "2", stdout=out)

    assert "0 abandoned attempt(s) taken back, 3 delivery(ies) queued again" in out.getvalue()
    assert sorted(receiver.ids) == sorted(e.public_id for e in events)
