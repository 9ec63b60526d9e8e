"""Webhook state changes: events and their deliveries, settings and secrets, retries, the sweep.

How a delivery travels (DESIGN §9):
- `event_record` writes the event and, when the merchant wants it, its `WebhookDelivery`, in the
  transaction of the change. `enqueue_deliveries_on_commit` queues one `deliver_due_webhooks`
  task when that transaction commits — one however many deliveries it wrote — so the HTTP call
  never runs inside it. A queueing that is lost (the process died right after commit) is made
  good by `deliveries_sweep`.
- The task (`deliveries_send_due`) sends whatever is due, in batches: a short transaction claims
  up to PAYGATE_WEBHOOK_BATCH_SIZE deliveries with a compare-and-set UPDATE (claim token and
  `claimed_until`) on rows locked with SKIP LOCKED, reading their events and merchants in the
  same query; the POSTs go out on a thread pool with no transaction open, a bounded number per
  merchant; the answers are recorded (and the attempts logged) in short transactions, a batch
  at a time, each row guarded by its claim. However many tasks run, each attempt is made once; a
  worker that dies mid-send leaves claims that lapse, and the sweep takes them back.
- Failures are retried on PAYGATE_WEBHOOK_RETRY_SCHEDULE by queueing a task with `run_after`
  (the task backend has no retries of its own), then the delivery fails for good.
Delivery is at least once: a receiver deduplicates on `webhook-id` (the event id).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, PositiveSmallIntegerField, Q, When
from django.utils import timezone

from merchants.keys import new_webhook_secret
from merchants.models import Merchant, User
from paygate.lib.api import ApiError, ErrorCode
from paygate.lib.compiled import insert
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
    payment: Any = None,  # a payments.Payment: that app sits above this one, so it is not imported
    actor: User | None = None,
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
    return (
        merchant.webhooks_enabled
        and bool(merchant.webhook_url)
        and wants_event(event_types=merchant.webhook_event_types or [], type=event.type)
    )


def _write_events(events: list[Event]) -> None:
    """The events, then the deliveries of those their merchants want: one INSERT each."""
    if not events:
        return
    insert(events)
    wanted = [event for event in events if _wants_delivery(event)]
    if wanted:
        _deliveries_create(wanted)


def _deliveries_create(events: list[Event]) -> None:
    """Runs in the events' transaction; their sending is queued once it commits."""
    now = timezone.now()
    first_at = now + timedelta(seconds=settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE[0])
    queued = first_at <= now or _can_defer()
    deliveries = insert(
        [
            WebhookDelivery(
                merchant=event.merchant,
                event=event,
                max_attempts=len(settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE),
                next_attempt_at=first_at,
                queued_at=now if queued else None,
            )
            for event in events
        ]
    )
    if queued:
        enqueue_deliveries_on_commit([delivery.pk for delivery in deliveries], first_at)


# --- queueing: one task per committed transaction -----------------------------------------------


class _PendingEnqueue:
    """What one transaction queues when it commits: one sending task per `run_after` (None = at
    once), however many deliveries it wrote."""

    def __init__(self, block: object) -> None:
        self.block = block
        self.slots: dict[datetime | None, list[int]] = {}
        self.ran = False

    def add(self, delivery_ids: Sequence[int], run_after: datetime | None) -> None:
        self.slots.setdefault(run_after, []).extend(delivery_ids)

    def __call__(self) -> None:
        self.ran = True
        for run_after, delivery_ids in self.slots.items():
            _enqueue_logged(delivery_ids, run_after)


_PENDING_ATTR = "_paygate_webhooks_pending_enqueue"


def enqueue_deliveries_on_commit(delivery_ids: Sequence[int], run_after: datetime | None) -> None:
    """Queue the sending of these deliveries (due at `run_after`, None = now) once the current
    transaction commits — at once outside a transaction.

    The calls of one transaction are coalesced: it queues one `deliver_due_webhooks` task per
    distinct `run_after`, not one per delivery, and that task sends every delivery that is due,
    these among them (webhooks.tasks). A queueing that fails is logged, and `deliveries_sweep`
    makes it good; callers record `queued_at` on the deliveries as before.
    """
    if not delivery_ids:
        return
    if run_after is not None and run_after <= timezone.now():
        run_after = None
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _enqueue_logged(delivery_ids, run_after)
        return
    # Reuse this transaction's pending enqueue while it is still registered: Django drops the
    # callbacks of a savepoint that rolls back, and a callback that ran is done with. The
    # transaction is its outermost block (a test case's own wrapping block aside, which never
    # commits).
    block = next((b for b in connection.atomic_blocks if not getattr(b, "_from_testcase", False)), None)
    pending = getattr(connection, _PENDING_ATTR, None)
    registered = (
        pending is not None
        and not pending.ran
        and pending.block is block
        and any(entry[1] is pending for entry in connection.run_on_commit)
    )
    if pending is None or not registered:
        pending = _PendingEnqueue(block)
        setattr(connection, _PENDING_ATTR, pending)
        transaction.on_commit(pending, robust=True)
    pending.add(delivery_ids, run_after)


def _can_defer() -> bool:
    """Whether the task backend can hold a task until `run_after`. The immediate backend (tests)
    cannot: a later retry is then left unqueued (`queued_at` empty) and the sweep queues it when due."""
    from webhooks.tasks import deliver_due_webhooks  # tasks import services

    return deliver_due_webhooks.get_backend().supports_defer


def _enqueue_logged(delivery_ids: Sequence[int], run_after: datetime | None) -> None:
    # The change is committed already: a failed enqueue is logged, and the sweep makes it good.
    try:
        _enqueue(run_after)
    except Exception:
        logger.exception("queueing the sending of %d webhook delivery(ies) failed", len(delivery_ids))


def _enqueue(run_after: datetime | None) -> None:
    from webhooks.tasks import deliver_due_webhooks

    task = deliver_due_webhooks
    if run_after is not None and run_after > timezone.now():
        if not _can_defer():
            return
        task = task.using(run_after=run_after)
    task.enqueue()


# --- attempts: claim a batch, send concurrently, record in batches ---------------------------------


@dataclass(frozen=True)
class _Claim:
    delivery_id: int
    merchant_id: int
    token: str
    number: int
    max_attempts: int
    started_at: datetime
    claimed_until: datetime
    previous_attempt_at: datetime | None  # put back if the attempt is released unsent
    url: str
    msg_id: str
    body: str
    secrets: list[str]


@dataclass(frozen=True)
class _Outcome:
    claim: _Claim
    result: transport.SendResult
    give_up: bool  # retrying is pointless (no URL, no secret)


# How long one task keeps claiming before it hands over to a new task (queued behind the other
# tasks waiting, such as payments), and how long a finished attempt may wait to be recorded.
DRAIN_SECONDS = 2.0
FLUSH_SECONDS = 0.1


def deliveries_send_due() -> int:
    """Send every delivery that is due, in batches, until none is left. Returns the attempts made.

    - One short transaction claims up to PAYGATE_WEBHOOK_BATCH_SIZE due deliveries (`SELECT … FOR
      UPDATE SKIP LOCKED`, then one compare-and-set UPDATE writing a claim token and
      `claimed_until`), reading their events and merchants in the same query. Workers running
      side by side skip each other's rows; on SQLite the IMMEDIATE transaction serialises them.
    - The POSTs go out on a thread pool with no transaction open, at most
      PAYGATE_WEBHOOK_CONCURRENCY at once and PAYGATE_WEBHOOK_CONCURRENCY_PER_RECEIVER to one
      merchant. A merchant with attempts waiting gets no new claims, and one claim takes at most
      what its merchant can be sent before the claim lapses, so a slow receiver holds only its
      own share; an attempt that can no longer start in time is released unsent.
    - Finished attempts are recorded in batches (`_record_batch`), every row still guarded by its
      claim token, within FLUSH_SECONDS of the answer — not when the slowest of the batch is done.
    - New claims are made while sends are in flight. After DRAIN_SECONDS no more are made: the
      task finishes what it holds and, if work may be left, queues another task for it.
    """
    if _inside_transaction():
        raise RuntimeError("webhooks are never sent inside a transaction (its locks would be held)")
    batch = settings.PAYGATE_WEBHOOK_BATCH_SIZE
    quota = _claim_quota()
    dispatcher = _Dispatcher()
    finished: list[_Outcome] = []
    first_finished = 0.0
    stop_claiming = time.monotonic() + DRAIN_SECONDS
    found_more = True  # the last claim saw more due deliveries than it took
    excluded: set[int] = set()  # merchants the last claim left out because they were busy
    made = 0
    first = True
    while True:
        outstanding = dispatcher.outstanding()
        claiming = first or time.monotonic() < stop_claiming
        first = False
        # Claim when half the batch is free, if the last claim left work or a merchant it left
        # out is no longer busy (with nothing in hand no one is: that claim sees everything).
        if claiming and outstanding <= batch // 2 and (found_more or excluded - dispatcher.busy()):
            excluded = dispatcher.busy()
            claims, found_more = _claim_due(limit=batch - outstanding, per_merchant=quota, busy=excluded)
            dispatcher.add(claims)
        released = dispatcher.start()
        if released:
            _release_unsent(released)
            found_more = True
        done = dispatcher.collect(timeout=FLUSH_SECONDS)
        if done and not finished:
            first_finished = time.monotonic()
        finished.extend(done)
        idle = dispatcher.outstanding() == 0
        if finished and (idle or len(finished) >= batch // 2 or time.monotonic() - first_finished >= FLUSH_SECONDS):
            _record_batch(finished)
            made += len(finished)
            finished = []
        if idle and not (claiming and (found_more or excluded)):
            break
    if found_more or excluded:
        _enqueue_logged([], None)  # time is up with work left: a new task, behind the others queued
    return made


def _claim_quota() -> int:
    """Attempts of one merchant one claim may take: as many as its per-receiver concurrency can
    start, one timeout after another, while the claim still has a timeout to run."""
    rounds = int((settings.PAYGATE_WEBHOOK_CLAIM_SECONDS - _start_margin()) // settings.PAYGATE_WEBHOOK_TIMEOUT)
    return settings.PAYGATE_WEBHOOK_CONCURRENCY_PER_RECEIVER * max(1, rounds)


def _start_margin() -> float:
    """A POST starts only if the claim outlasts its timeout by this much, left to record it."""
    return min(1.0, (settings.PAYGATE_WEBHOOK_CLAIM_SECONDS - settings.PAYGATE_WEBHOOK_TIMEOUT) / 2)


def _claim_due(
    *, limit: int, per_merchant: int | None = None, busy: Collection[int] = (), delivery_id: int | None = None
) -> tuple[list[_Claim], bool]:
    """Claim up to `limit` due deliveries, oldest due first: at most `per_merchant` of any one
    merchant and none of the `busy` merchants. Returns the claims, and whether due deliveries
    may be left (the look-up was full, or a merchant's quota cut it)."""
    now = timezone.now()
    token = secrets.token_hex(16)
    claimed_until = now + timedelta(seconds=settings.PAYGATE_WEBHOOK_CLAIM_SECONDS)
    due = WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, claim_token="", next_attempt_at__lte=now)
    if delivery_id is not None:
        due = due.filter(pk=delivery_id)
    if busy:
        due = due.exclude(merchant_id__in=list(busy))
    with transaction.atomic():
        # Compare-and-set under row locks: of several workers, each locks (SKIP LOCKED) and claims
        # different rows; the UPDATE checks the conditions again, so a row is claimed once even
        # where nothing is locked. A lapsed claim is taken back only by the sweep.
        candidates = list(
            due.select_related("event", "merchant")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_attempt_at", "pk")[:limit]
        )
        taken: Counter[int] = Counter()
        chosen = []
        for delivery in candidates:
            if per_merchant is None or taken[delivery.merchant_id] < per_merchant:
                taken[delivery.merchant_id] += 1
                chosen.append(delivery)
        if not chosen:
            return [], False
        ids = [d.pk for d in chosen]
        updated = due.filter(pk__in=ids).update(
            claim_token=token,
            claimed_until=claimed_until,
            queued_at=None,
            attempt_count=F("attempt_count") + 1,
            last_attempt_at=now,
            updated_at=now,
        )
        if updated != len(ids):
            mine = set(WebhookDelivery.objects.filter(pk__in=ids, claim_token=token).values_list("pk", flat=True))
            chosen = [d for d in chosen if d.pk in mine]
    claims = []
    for delivery in chosen:
        merchant = delivery.merchant
        claims.append(
            _Claim(
                delivery_id=delivery.pk,
                merchant_id=delivery.merchant_id,
                token=token,
                number=delivery.attempt_count + 1,
                max_attempts=delivery.max_attempts,
                started_at=now,
                claimed_until=claimed_until,
                previous_attempt_at=delivery.last_attempt_at,
                url="" if merchant.deleted else merchant.webhook_url,
                msg_id=delivery.event.public_id,
                body=signing.body_of(delivery.event),
                secrets=signing.signing_secrets(merchant, now=now),
            )
        )
    return claims, len(candidates) == limit or len(chosen) < len(candidates)


_pool_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None


def _send_pool() -> ThreadPoolExecutor:
    """The process's sending threads, made on first use (and again if the setting changed)."""
    global _pool
    size = settings.PAYGATE_WEBHOOK_CONCURRENCY
    with _pool_lock:
        if _pool is None or _pool[0] != size:
            if _pool is not None:
                _pool[1].shutdown(wait=False)
            _pool = (size, ThreadPoolExecutor(max_workers=size, thread_name_prefix="webhook-send"))
        return _pool[1]


class _Dispatcher:
    """Claimed attempts waiting for a thread, per merchant, and those being sent."""

    def __init__(self) -> None:
        self.pool = _send_pool()
        self.limit = settings.PAYGATE_WEBHOOK_CONCURRENCY
        self.per_receiver = settings.PAYGATE_WEBHOOK_CONCURRENCY_PER_RECEIVER
        self.waiting: dict[int, deque[_Claim]] = {}
        self.running: dict[Future[_Outcome], _Claim] = {}
        self.running_for: Counter[int] = Counter()

    def add(self, claims: Sequence[_Claim]) -> None:
        for claim in claims:
            self.waiting.setdefault(claim.merchant_id, deque()).append(claim)

    def outstanding(self) -> int:
        return len(self.running) + sum(len(queue) for queue in self.waiting.values())

    def busy(self) -> set[int]:
        """Merchants that get no new claims: attempts of theirs wait, or their share is in use."""
        return set(self.waiting) | {m for m, n in self.running_for.items() if n >= self.per_receiver}

    def start(self) -> list[_Claim]:
        """Start what the limits allow; return the attempts whose claim is too short to start."""
        too_late: list[_Claim] = []
        latest = timedelta(seconds=settings.PAYGATE_WEBHOOK_TIMEOUT + _start_margin())
        for merchant_id in list(self.waiting):
            queue = self.waiting[merchant_id]
            while queue and len(self.running) < self.limit and self.running_for[merchant_id] < self.per_receiver:
                claim = queue.popleft()
                if claim.claimed_until - timezone.now() < latest:
                    too_late.append(claim)
                    continue
                self.running[self.pool.submit(_send_outcome, claim)] = claim
                self.running_for[merchant_id] += 1
            if not queue:
                del self.waiting[merchant_id]
        return too_late

    def collect(self, *, timeout: float) -> list[_Outcome]:
        if not self.running:
            return []
        done, _ = wait(self.running, timeout=timeout, return_when=FIRST_COMPLETED)
        outcomes = []
        for future in done:
            claim = self.running.pop(future)
            self.running_for[claim.merchant_id] -= 1
            if not self.running_for[claim.merchant_id]:
                del self.running_for[claim.merchant_id]
            try:
                outcomes.append(future.result())
            except Exception as exc:  # a bug, not the network: log it, count a failed attempt
                logger.exception("webhook delivery %s: sending failed", claim.delivery_id)
                error = transport.SendResult(None, b"", f"error: {type(exc).__name__}", 0)
                outcomes.append(_Outcome(claim, error, give_up=False))
        return outcomes


def _send_outcome(claim: _Claim) -> _Outcome:
    result, give_up = _send(claim)
    return _Outcome(claim, result, give_up)


def _release_unsent(claims: Sequence[_Claim]) -> None:
    """Give back claims whose attempt never started: as they were, due, for the next claim."""
    now = timezone.now()
    for claim in claims:
        WebhookDelivery.objects.filter(pk=claim.delivery_id, claim_token=claim.token).update(
            claim_token="",
            claimed_until=None,
            attempt_count=F("attempt_count") - 1,
            last_attempt_at=claim.previous_attempt_at,
            queued_at=now,
            updated_at=now,
        )


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Make this one delivery's next attempt if it is due and no one else is making it (the
    `deliver_webhook` task of one delivery, and tests).

    Returns the delivery's new status, or None when there was nothing to do (not due, claimed by
    another worker, finished). Never holds a transaction or a lock while sending.
    """
    if _inside_transaction():
        raise RuntimeError("webhooks are never sent inside a transaction (its locks would be held)")
    claim = _claim_attempt(delivery_id)
    if claim is None:
        return None
    result, give_up = _send(claim)
    return _record(claim, result, give_up=give_up)


def _claim_attempt(delivery_id: int) -> _Claim | None:
    claims, _ = _claim_due(limit=1, delivery_id=delivery_id)
    return claims[0] if claims else None


def _inside_transaction() -> bool:
    """Inside a `transaction.atomic` block — leaving aside a test case's own wrapping block, which
    Django marks for its `durable` check, so that tests enforce the rule too."""
    blocks = getattr(transaction.get_connection(), "atomic_blocks", [])
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def _send(claim: _Claim) -> tuple[transport.SendResult, bool]:
    """The POST, outside any transaction (on a sending thread, which never touches the database).
    Returns the result and whether retrying is pointless."""
    if not claim.url:
        return transport.SendResult(None, b"", NO_URL, 0), True
    if not claim.secrets:
        return transport.SendResult(None, b"", NO_SECRET, 0), True
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
    return _record_batch([_Outcome(claim, result, give_up)])[claim.delivery_id]


def _record_batch(outcomes: Sequence[_Outcome]) -> dict[int, str | None]:
    """Record finished attempts in one short transaction: each delivery's new state (one UPDATE
    per group of identical changes, each guarded by the claim token), the attempts' log rows
    (one INSERT), and the queueing of the retries. Returns each delivery's new status, None
    where the claim had lapsed and the sweep had taken the delivery back (that answer is dropped:
    the sweep logged the attempt as abandoned and scheduled another — at least once, not lost)."""
    now = timezone.now()
    can_defer = _can_defer()
    by_id = {o.claim.delivery_id: o for o in outcomes}
    statuses: dict[int, str | None] = dict.fromkeys(by_id)
    with transaction.atomic():
        # The rows are locked in pk order, so the sweep cannot take one back between this check
        # and its UPDATE (and two recorders never deadlock).
        held = dict(
            WebhookDelivery.objects.filter(pk__in=list(by_id))
            .order_by("pk")
            .select_for_update()
            .values_list("pk", "claim_token")
        )
        changes: dict[tuple, list[int]] = {}
        retries: dict[datetime, list[int]] = {}
        attempts = []
        for delivery_id, outcome in by_id.items():
            claim, result = outcome.claim, outcome.result
            if held.get(delivery_id) != claim.token:
                logger.warning("webhook delivery %s: answer arrived after its claim lapsed", delivery_id)
                continue
            state = _next_state(
                succeeded=result.succeeded,
                number=claim.number,
                max_attempts=claim.max_attempts,
                now=now,
                give_up=outcome.give_up,
            )
            next_at = state["next_attempt_at"]
            queued = state["status"] == DeliveryStatus.RETRYING and (next_at <= now or can_defer)
            if queued:
                retries.setdefault(next_at, []).append(delivery_id)
            key = (claim.token, state["status"], next_at, now if queued else None, result.status, result.error)
            changes.setdefault(key, []).append(delivery_id)
            statuses[delivery_id] = state["status"]
            attempts.append(
                WebhookAttempt(
                    delivery_id=delivery_id,
                    number=claim.number,
                    url=claim.url,
                    started_at=claim.started_at,
                    finished_at=now,
                    duration_ms=result.duration_ms,
                    response_status=result.status,
                    response_body=_body_text(result.body),
                    error=result.error,
                )
            )
        for (token, status, next_at, queued_at, response_status, error), ids in changes.items():
            WebhookDelivery.objects.filter(pk__in=ids, claim_token=token).update(
                status=status,
                next_attempt_at=next_at,
                claim_token="",
                claimed_until=None,
                queued_at=queued_at,
                last_response_status=response_status,
                last_error=error,
                updated_at=now,
            )
        WebhookAttempt.objects.bulk_create(attempts)
        for next_at, ids in retries.items():
            enqueue_deliveries_on_commit(ids, next_at)
    return statuses


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
            enqueue_deliveries_on_commit(ids, None)
    return len(ids)


# --- control: retry, settings, secret, test event -----------------------------------------------


@transaction.atomic
def delivery_retry(*, delivery: WebhookDelivery, actor: User | None = None) -> WebhookDelivery:
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
    enqueue_deliveries_on_commit([delivery.pk], None)
    return delivery


def webhook_settings_update(*, merchant: Merchant, url: str, event_types: list[str], enabled: bool = True) -> Merchant:
    """Set where the merchant's webhooks go (empty = nowhere), which types (empty = all) and
    whether they are sent at all (`enabled`: off keeps the URL and types for later; events written
    while off get no delivery, deliveries already scheduled still go).

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
        merchant.webhooks_enabled = enabled
        fields = ["webhook_url", "webhook_event_types", "webhooks_enabled", "updated_at"]
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
def webhook_send_test(*, merchant: Merchant, actor: User | None = None) -> WebhookDelivery:
    """Record a `webhook.test` event and deliver it (whatever event types the merchant chose)."""
    merchant = Merchant.objects.get(pk=merchant.pk)
    if not merchant.webhook_url:
        raise ApiError("Set a webhook URL before sending a test event.", error=ErrorCode.WEBHOOK_NOT_CONFIGURED)
    if not merchant.webhooks_enabled:
        raise ApiError(
            "Webhooks are turned off: turn them on to send a test event.", error=ErrorCode.WEBHOOK_NOT_CONFIGURED
        )
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
