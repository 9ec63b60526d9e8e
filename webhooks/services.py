"""Webhook state changes: events and their deliveries, settings and secrets, retries, the sweep.

How a delivery travels (DESIGN §9):
- `event_record` writes the event and, when the merchant wants it, its `WebhookDelivery`, in the
  transaction of the change; the delivery task is queued when that transaction commits, so the
  HTTP call never runs inside it. A queueing that is lost (the process died right after commit)
  is made good by `deliveries_sweep`.
- `delivery_attempt` (the task) claims the attempt with a compare-and-set UPDATE, POSTs with no
  transaction open, then records the answer (and logs the attempt) in a short transaction
  guarded by the claim. However many tasks run for a delivery, each attempt is made once; a
  worker that dies mid-send leaves a claim that lapses, and the sweep takes it back.
- Failures are retried on PAYGATE_WEBHOOK_RETRY_SCHEDULE by re-queueing the task with
  `run_after` (the task backend has no retries of its own), then the delivery fails for good.
Delivery is at least once: a receiver deduplicates on `webhook-id` (the event id).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, PositiveSmallIntegerField, Q, When
from django.utils import timezone

from merchants.keys import new_webhook_secret
from merchants.models import Merchant
from paygate.lib.api import ApiError, ErrorCode
from webhooks import signing, transport
from webhooks.debugger import diagnose
from webhooks.events import TEST_EVENT_TYPE, wants_event
from webhooks.models import (
    OPEN_STATUSES,
    BinRequest,
    DeliveryStatus,
    Event,
    RequestBin,
    WebhookAttempt,
    WebhookDelivery,
)
from webhooks.safety import UrlRefused, check_url_for_save

logger = logging.getLogger("paygate.webhooks")

ABANDONED = "abandoned: the worker stopped before the attempt finished"
NO_URL = "no webhook URL is set (webhooks were turned off)"
NO_SECRET = "no signing secret; rotate the webhook secret"  # noqa: S105 — a message, not a secret


# --- events and their deliveries ----------------------------------------------------------------


class _Batch(threading.local):
    events: list[Event] | None = None


_batch = _Batch()


@contextmanager
def event_batch() -> Iterator[None]:
    """Write the events recorded inside it together when it ends: one INSERT for the events and one
    for their deliveries instead of one each per event. Use it with the transaction of the change
    and inside it (`payments.services.change` does), so that the rows are written before the
    commit. A batch inside a batch joins it; when the inner one ends with an error (its savepoint is
    rolled back) the events it recorded are dropped with it."""
    if _batch.events is not None:
        mark = len(_batch.events)
        try:
            yield
        except BaseException:
            del _batch.events[mark:]
            raise
        return
    _batch.events = []
    try:
        yield
        events, _batch.events = _batch.events, None
        _write_events(events)
    finally:
        _batch.events = None


def event_record(
    *,
    merchant: Merchant,
    type: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    payment: Any = None,
    actor: Any = None,
) -> Event:
    """Write the event row — the audit timeline entry and the webhook outbox entry in one — and,
    if the merchant has a webhook URL and wants this type, its delivery. Inside an `event_batch`
    both are written when the batch ends (the event has no primary key until then)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are written in the same transaction as the change they record")
    event = Event(
        merchant=merchant,
        type=type,
        object_type=object_type,
        object_id=object_id,
        data=data,
        payment=payment,
        actor=getattr(actor, "public_id", "") if actor is not None else "",
    )
    if _batch.events is not None:
        _batch.events.append(event)
    else:
        _write_events([event])
    return event


def _wants_delivery(event: Event) -> bool:
    merchant = event.merchant
    return bool(merchant.webhook_url) and wants_event(event_types=merchant.webhook_event_types or [], type=event.type)


def _write_events(events: list[Event]) -> None:
    if not events:
        return
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        Event.objects.bulk_create(events)
    wanted = [event for event in events if _wants_delivery(event)]
    if len(wanted) == 1:
        delivery_create(event=wanted[0], merchant=wanted[0].merchant)
    elif wanted:
        _deliveries_create(wanted)


def _delivery_schedule() -> tuple[datetime, datetime, bool]:
    """When a new delivery's first attempt is due, and whether its task can be queued now."""
    now = timezone.now()
    first_at = now + timedelta(seconds=settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE[0])
    return now, first_at, first_at <= now or _can_defer()


def _deliveries_create(events: list[Event]) -> None:
    now, first_at, queued = _delivery_schedule()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            merchant=event.merchant,
            event=event,
            max_attempts=len(settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE),
            next_attempt_at=first_at,
            queued_at=now if queued else None,
        )
        for event in events
    )
    if queued:
        for delivery in deliveries:
            _enqueue_on_commit(delivery.pk, first_at)


def delivery_create(*, event: Event, merchant: Merchant) -> WebhookDelivery:
    """Runs in the event's transaction; the task is queued once it commits."""
    now, first_at, queued = _delivery_schedule()
    delivery = WebhookDelivery.objects.create(
        merchant=merchant,
        event=event,
        max_attempts=len(settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE),
        next_attempt_at=first_at,
        queued_at=now if queued else None,
    )
    if queued:
        _enqueue_on_commit(delivery.pk, first_at)
    return delivery


def _enqueue_on_commit(delivery_id: int, run_after: datetime | None) -> None:
    # robust: the change is committed already; a failed enqueue is logged and the sweep makes it good.
    transaction.on_commit(partial(_enqueue, delivery_id, run_after), robust=True)


def _can_defer() -> bool:
    """Whether the task backend can hold a task until `run_after`. The immediate backend (tests)
    cannot: a later retry is then left unqueued (`queued_at` empty) and the sweep queues it when due."""
    from webhooks.tasks import deliver_webhook  # tasks import services

    return deliver_webhook.get_backend().supports_defer


def _enqueue(delivery_id: int, run_after: datetime | None) -> None:
    from webhooks.tasks import deliver_webhook

    task = deliver_webhook
    if run_after is not None and run_after > timezone.now():
        if not _can_defer():
            return
        task = task.using(run_after=run_after)
    task.enqueue(delivery_id)


# --- one attempt: claim, send, record -----------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    delivery_id: int
    token: str
    number: int
    max_attempts: int
    started_at: datetime
    url: str
    msg_id: str
    body: str
    secrets: list[str]


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Make the delivery's next attempt if it is due and no one else is making it.

    Returns the delivery's new status, or None when there was nothing to do (not due, claimed by
    another worker, finished). Never holds a transaction or a lock while sending.
    """
    claim = _claim_attempt(delivery_id)
    if claim is None:
        return None
    result, give_up = _send(claim)
    return _record(claim, result, give_up=give_up)


def _claim_attempt(delivery_id: int) -> _Claim | None:
    now = timezone.now()
    token = secrets.token_hex(16)
    # Compare-and-set, one UPDATE (atomic on its own): of several workers holding a task for this
    # delivery, one matches the row and the others match nothing. A lapsed claim is taken back
    # only by the sweep, which logs its attempt as abandoned.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=OPEN_STATUSES, claim_token="", next_attempt_at__lte=now
    ).update(
        claim_token=token,
        claimed_until=now + timedelta(seconds=settings.PAYGATE_WEBHOOK_CLAIM_SECONDS),
        queued_at=None,
        attempt_count=F("attempt_count") + 1,
        last_attempt_at=now,
        updated_at=now,
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("event", "merchant").get(pk=delivery_id)
    if delivery.claim_token != token:
        return None  # lapsed and taken back already: cannot happen within a claim's lifetime
    merchant = delivery.merchant
    return _Claim(
        delivery_id=delivery_id,
        token=token,
        number=delivery.attempt_count,
        max_attempts=delivery.max_attempts,
        started_at=now,
        url="" if merchant.deleted else merchant.webhook_url,
        msg_id=delivery.event.public_id,
        body=signing.body_of(delivery.event),
        secrets=signing.signing_secrets(merchant, now=now),
    )


def _inside_transaction() -> bool:
    """Inside a `transaction.atomic` block — leaving aside a test case's own wrapping block, which
    Django marks for its `durable` check, so that tests enforce the rule too."""
    blocks = getattr(transaction.get_connection(), "atomic_blocks", [])
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def _send(claim: _Claim) -> tuple[transport.SendResult, bool]:
    """The POST, outside any transaction. Returns the result and whether retrying is pointless."""
    if not claim.url:
        return transport.SendResult(None, b"", NO_URL, 0), True
    if not claim.secrets:
        return transport.SendResult(None, b"", NO_SECRET, 0), True
    if _inside_transaction():
        raise RuntimeError("webhooks are never sent inside a transaction (its locks would be held)")
    timestamp = timezone.now()
    headers = signing.signed_headers(msg_id=claim.msg_id, timestamp=timestamp, body=claim.body, secrets=claim.secrets)
    result = transport.post(
        claim.url,
        body=claim.body.encode(),
        headers=headers,
        connect_timeout=settings.PAYGATE_WEBHOOK_CONNECT_TIMEOUT,
        total_timeout=settings.PAYGATE_WEBHOOK_TIMEOUT,
        body_limit=settings.PAYGATE_WEBHOOK_RESPONSE_BODY_LIMIT,
    )
    return result, False


def _next_state(*, succeeded: bool, number: int, max_attempts: int, now: datetime, give_up: bool = False) -> dict:
    """After attempt `number`: done, failed for good, or retrying after the schedule's delay."""
    if succeeded:
        return {"status": DeliveryStatus.SUCCEEDED, "next_attempt_at": None}
    if give_up or number >= max_attempts:
        return {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    schedule = settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE
    delay = schedule[min(number, len(schedule) - 1)]
    return {"status": DeliveryStatus.RETRYING, "next_attempt_at": now + timedelta(seconds=delay)}


def _body_text(body: bytes) -> str:
    # PostgreSQL text cannot hold NUL; the log is for people, so undecodable bytes become U+FFFD.
    return body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _record(claim: _Claim, result: transport.SendResult, *, give_up: bool) -> str | None:
    now = timezone.now()
    state = _next_state(
        succeeded=result.succeeded, number=claim.number, max_attempts=claim.max_attempts, now=now, give_up=give_up
    )
    retrying = state["status"] == DeliveryStatus.RETRYING
    queued = retrying and (state["next_attempt_at"] <= now or _can_defer())
    with transaction.atomic():
        kept = WebhookDelivery.objects.filter(pk=claim.delivery_id, claim_token=claim.token).update(
            **state,
            claim_token="",
            claimed_until=None,
            queued_at=now if queued else None,
            last_response_status=result.status,
            last_error=result.error,
            updated_at=now,
        )
        if not kept:
            # The claim lapsed while we were sending and the sweep took the delivery back (it
            # logged this attempt as abandoned and scheduled another): at least once, not lost.
            logger.warning("webhook delivery %s: answer arrived after its claim lapsed", claim.delivery_id)
            return None
        WebhookAttempt.objects.create(
            delivery_id=claim.delivery_id,
            number=claim.number,
            url=claim.url,
            started_at=claim.started_at,
            finished_at=now,
            duration_ms=result.duration_ms,
            response_status=result.status,
            response_body=_body_text(result.body),
            error=result.error,
        )
        if queued:
            _enqueue_on_commit(claim.delivery_id, state["next_attempt_at"])
    return state["status"]


# --- the sweep: nothing lost --------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    released: int  # claims of dead workers taken back
    requeued: int  # due deliveries whose task was lost, queued again


def deliveries_sweep(*, now: datetime | None = None, limit: int = 1000) -> SweepResult:
    """Make good what dead workers and lost tasks left behind. Safe to run any time, anywhere, as
    often as you like (`retry_webhooks` from cron every minute):

    - a claim past `claimed_until` belonged to a worker that died mid-attempt: the attempt is
      logged as abandoned and the delivery is scheduled like after any failed attempt;
    - a delivery that is due, not claimed, and whose task has not run
      PAYGATE_WEBHOOK_REQUEUE_AFTER_SECONDS after it was queued (or that has no task) is queued
      again. A duplicate task is harmless: only one claims the attempt.
    """
    now = now or timezone.now()
    return SweepResult(
        released=_release_lapsed_claims(now=now, limit=limit), requeued=_requeue_lost(now=now, limit=limit)
    )


def _release_lapsed_claims(*, now: datetime, limit: int) -> int:
    lapsed = (
        WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, claimed_until__lt=now)
        .exclude(claim_token="")
        .select_related("merchant")[:limit]
    )
    released = 0
    for delivery in list(lapsed):
        number = delivery.attempt_count
        state = _next_state(succeeded=False, number=number, max_attempts=delivery.max_attempts, now=now)
        with transaction.atomic():
            taken = WebhookDelivery.objects.filter(
                pk=delivery.pk, claim_token=delivery.claim_token, claimed_until__lt=now
            ).update(
                **state,
                claim_token="",
                claimed_until=None,
                queued_at=None,  # no task holds it now: _requeue_lost queues it when due
                last_response_status=None,
                last_error=ABANDONED,
                updated_at=now,
            )
            if not taken:
                continue  # its worker finished after all, or another sweep was first
            WebhookAttempt.objects.create(
                delivery=delivery,
                number=number,
                url=delivery.merchant.webhook_url,
                started_at=delivery.last_attempt_at or now,
                finished_at=now,
                error=ABANDONED,
            )
            released += 1
    return released


def _requeue_lost(*, now: datetime, limit: int) -> int:
    stale = now - timedelta(seconds=settings.PAYGATE_WEBHOOK_REQUEUE_AFTER_SECONDS)
    lost = WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, claim_token="", next_attempt_at__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale, next_attempt_at__lt=stale)
    )
    with transaction.atomic():
        # SKIP LOCKED: concurrent sweeps share the work instead of queueing the same rows twice.
        ids = list(
            lost.order_by("next_attempt_at").select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
        )
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(queued_at=now)
        for pk in ids:
            _enqueue_on_commit(pk, None)
    return len(ids)


# --- control: retry, settings, secret, test event -----------------------------------------------


@transaction.atomic
def delivery_retry(*, delivery: WebhookDelivery, actor: Any = None) -> WebhookDelivery:
    """Make the delivery's next attempt now (merchant API, operators, admin action).

    - `pending` or `retrying`: the scheduled attempt is brought forward to now. The task queued for
      the old slot finds the delivery no longer due (or finished) when it runs, and does nothing.
    - `failed` or `succeeded`: one more attempt is allowed and made now; a succeeded delivery is
      sent again with the same `webhook-id`, so receivers can de-duplicate.
    - an attempt in flight (claimed by a worker): refused, so a delivery never has two in flight.
    One compare-and-set UPDATE decides, and the attempt itself is claimed like any other, so
    however many retries race, each attempt is made once.
    """
    now = timezone.now()
    finished = [DeliveryStatus.FAILED, DeliveryStatus.SUCCEEDED]
    updated = WebhookDelivery.objects.filter(pk=delivery.pk, claim_token="").update(
        status=DeliveryStatus.RETRYING,
        max_attempts=Case(
            When(status__in=finished, then=F("attempt_count") + 1),
            default=F("max_attempts"),
            output_field=PositiveSmallIntegerField(),
        ),
        next_attempt_at=now,
        queued_at=now,
        updated_at=now,
    )
    if not updated:
        current = WebhookDelivery.objects.values_list("status", flat=True).get(pk=delivery.pk)
        raise ApiError(
            "An attempt of this delivery is in flight; retry once it has finished.",
            error=ErrorCode.WEBHOOK_DELIVERY_NOT_RETRYABLE,
            meta={"current_state": current, "in_flight": True, "action": "retry"},
        )
    logger.info("webhook delivery %s retried by %s", delivery.public_id, getattr(actor, "public_id", "system"))
    _enqueue_on_commit(delivery.pk, None)
    return delivery


def webhook_settings_update(*, merchant: Merchant, url: str, event_types: list[str]) -> Merchant:
    """Set where the merchant's webhooks go (empty = nowhere) and which types (empty = all).

    The URL is vetted (SSRF rule, which may resolve its host) before the transaction, so no
    lock is held during a DNS look-up; a refused URL changes nothing.
    """
    if url:
        try:
            check_url_for_save(url)
        except UrlRefused as exc:
            raise ApiError(
                str(exc), error=ErrorCode.WEBHOOK_URL_NOT_ALLOWED, meta={"fields": {"url": [str(exc)]}}
            ) from None
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        merchant.webhook_url = url
        merchant.webhook_event_types = list(dict.fromkeys(event_types))
        fields = ["webhook_url", "webhook_event_types", "updated_at"]
        if not merchant.webhook_secret:
            merchant.webhook_secret = new_webhook_secret()
            fields.append("webhook_secret")
        merchant.save(update_fields=fields)
    return merchant


@dataclass(frozen=True)
class RotatedSecret:
    """The new secret exists in clear only in this object, once."""

    secret: str
    previous_secret_expires_at: datetime | None


@transaction.atomic
def webhook_secret_rotate(*, merchant: Merchant) -> RotatedSecret:
    """A new signing secret. The old one keeps signing next to it for PAYGATE_WEBHOOK_ROTATION_HOURS
    (two `v1,` signatures), so receivers can switch without losing a webhook; then only the new."""
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    window = timedelta(hours=settings.PAYGATE_WEBHOOK_ROTATION_HOURS)
    if merchant.webhook_secret and window:
        merchant.webhook_previous_secret = merchant.webhook_secret
        merchant.webhook_previous_secret_expires_at = timezone.now() + window
    else:
        merchant.webhook_previous_secret = ""
        merchant.webhook_previous_secret_expires_at = None
    merchant.webhook_secret = new_webhook_secret()
    merchant.save(
        update_fields=[
            "webhook_secret",
            "webhook_previous_secret",
            "webhook_previous_secret_expires_at",
            "updated_at",
        ]
    )
    return RotatedSecret(
        secret=merchant.webhook_secret, previous_secret_expires_at=merchant.webhook_previous_secret_expires_at
    )


@transaction.atomic
def webhook_send_test(*, merchant: Merchant, actor: Any = None) -> WebhookDelivery:
    """Record a `webhook.test` event and deliver it (whatever event types the merchant chose)."""
    merchant = Merchant.objects.get(pk=merchant.pk)
    if not merchant.webhook_url:
        raise ApiError("Set a webhook URL before sending a test event.", error=ErrorCode.WEBHOOK_NOT_CONFIGURED)
    event = event_record(
        merchant=merchant,
        type=TEST_EVENT_TYPE,
        object_type="test",
        object_id=merchant.public_id,
        data={"merchant_id": merchant.public_id, "message": "A test webhook from PayGate."},
        actor=actor,
    )
    return event.delivery


# --- request bin ----------------------------------------------------------------------------------

REQUEST_BIN_KEEP = 50
REQUEST_BIN_BODY_LIMIT = 64 * 1024
# Only these headers are kept: what a developer needs to see, never a cookie or credentials.
REQUEST_BIN_HEADERS = ("content-type", "content-length", "user-agent", "webhook-id", "webhook-timestamp",
                       "webhook-signature")  # fmt: skip


def request_bin_open(*, merchant: Merchant) -> RequestBin:
    """The merchant's bin, made on first use."""
    bin_, _ = RequestBin.objects.get_or_create(merchant=merchant, defaults={"token": secrets.token_urlsafe(24)})
    return bin_


@transaction.atomic
def request_bin_record(*, token: str, method: str, headers: dict[str, str], body: bytes) -> BinRequest | None:
    """Record a request sent to a bin and check its signature with the merchant's secrets; None
    for an unknown token. The bin is locked while the oldest requests are dropped, so concurrent
    requests never leave more than REQUEST_BIN_KEEP."""
    bin_ = RequestBin.objects.select_for_update().select_related("merchant").filter(token=token).first()
    if bin_ is None or bin_.merchant.deleted:
        return None
    text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    kept = {name: headers[name] for name in REQUEST_BIN_HEADERS if name in headers}
    merchant = bin_.merchant
    checks = [
        diagnose(headers=kept, body=text, secret=secret, merchant=merchant)
        for secret in signing.signing_secrets(merchant, now=timezone.now())
    ]
    verified = next((d for d in checks if d.verified), None)
    summary = "Verified with your signing secret." if verified else (checks[0].summary if checks else NO_SECRET)
    entry = BinRequest.objects.create(
        bin=bin_,
        method=method[:8],
        headers=kept,
        body=text[:REQUEST_BIN_BODY_LIMIT],
        body_truncated=len(text) > REQUEST_BIN_BODY_LIMIT,
        verified=verified is not None,
        verification=summary[:300],
    )
    stale = BinRequest.objects.filter(bin=bin_).order_by("-id").values_list("pk", flat=True)[REQUEST_BIN_KEEP:]
    BinRequest.objects.filter(pk__in=list(stale)).delete()
    return entry
