"""Every state change of orders, payments, refunds and payouts.

Rules that hold for each function here:
- one transaction per change (`change`); the row locks are taken in one order —
  order → payment → refund → balance — always through `payments.locks` (the balance by the
  ledger's UPDATE);
- the transition is checked against `PAYMENT_TRANSITIONS` (an illegal one raises and writes nothing);
- the change, its ledger entries and its `Event`s are written together, the events, their
  deliveries and the count deltas with one INSERT each at the end of the change;
- follow-up work (processing, refunds) is enqueued in the same transaction (an outbox), or, with
  the immediate task backend, finished in it on the rows it holds;
- nothing here sleeps or calls a provider while a lock is held (see `_process`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone

from merchants.models import Merchant, User
from paygate.lib.api import ApiError, ErrorCode
from paygate.lib.compiled import insert, update
from paygate.lib.models import set_prefetched
from paygate.lib.money import check_amount
from paygate.lib.serializers import render
from payments import counts, locks, stock
from payments.cards import Scenario, card_fingerprint, card_network, card_scenario, vpa_scenario
from payments.ledger import lock_balance, post_entries
from payments.models import (
    ORDER_CANCELABLE,
    PAYMENT_TRANSITIONS,
    RETRYABLE_REASONS,
    AttemptResult,
    CaptureMethod,
    ExportLog,
    FailureReason,
    IdempotencyKey,
    IdempotencyStatus,
    LedgerEntryType,
    Method,
    Order,
    OrderStatus,
    Payment,
    PaymentLink,
    PaymentStatus,
    Payout,
    Product,
    ProviderAttempt,
    ProviderChange,
    ProviderProfile,
    Refund,
    RefundStatus,
)
from payments.providers import Outcome, rng_for, simulate_attempt, simulate_refund, sleep_latency
from payments.risk import assess
from payments.routing import forget_stats, provider_profile, rank_providers
from payments.selectors import payment_attempts, payment_refunds
from payments.serializers import OrderOutput, PaymentOutput, PayoutOutput, RefundOutput
from webhooks.services import event_batch, event_record

# --- the unit of change ---------------------------------------------------------------------------


@contextmanager
def change() -> Iterator[None]:
    """One state change: its transaction, with the events and count deltas it records written
    together just before it commits (one INSERT each, `event_batch`, `counts.batch`). Nested, it is
    a savepoint whose events and deltas go with it if it is rolled back."""
    with transaction.atomic(), event_batch(), counts.batch():
        yield


# --- errors -------------------------------------------------------------------------------------


class TransitionError(ApiError):
    error = ErrorCode.INVALID_STATE_TRANSITION


def _check_transition(payment: Payment, target: str, action: str) -> None:
    if target not in PAYMENT_TRANSITIONS[payment.status]:
        expected = sorted(s for s, targets in PAYMENT_TRANSITIONS.items() if target in targets)
        raise TransitionError(
            f"Cannot {action} a payment that is {payment.status}.",
            meta={"current_state": payment.status, "expected_states": expected, "action": action},
        )


# What a payment's state changes write (its other columns are set once, when it is created).
STATE_FIELDS = [
    "status", "failure_reason", "risk_rule", "provider", "amount_captured", "amount_refunded", "fee", "retry_count",
    "processing_claim", "processing_started_at", "review_note", "reviewed_by", "authorized_at", "captured_at",
    "canceled_at", "failed_at", "updated_at",
]  # fmt: skip


def _payment_transition(
    payment: Payment,
    target: str,
    *,
    action: str,
    event: str,
    actor: User | None = None,
    save: bool = True,
    **changes: Any,
) -> None:
    """The common step of a payment's state change: check the move is allowed, set the status and
    the fields that go with it (its timestamp, …), save, write the event (and the counts). With
    `save=False` the caller saves it with the next change of the same transaction."""
    _check_transition(payment, target, action)
    payment.status = target
    for name, value in changes.items():
        setattr(payment, name, value)
    if save:
        update(payment, STATE_FIELDS)
    _payment_event(payment, event, actor)


# --- events -------------------------------------------------------------------------------------


# Every state change writes its event, and with it what the change did to the daily counts.


def _payment_event(payment: Payment, type: str, actor: User | None = None) -> None:
    # Its snapshot shows its attempts: a change that has not got them in hand reads them here.
    if "attempts" not in getattr(payment, "_prefetched_objects_cache", {}):
        set_prefetched(payment, "attempts", payment_attempts(payment_id=payment.pk))
    counts.record(payment)
    event_record(
        merchant=payment.merchant,
        type=type,
        object_type="payment",
        object_id=payment.public_id,
        data=render(PaymentOutput, payment),
        payment=payment,
        actor=actor,
    )


def _order_event(order: Order, type: str, actor: User | None = None) -> None:
    counts.record(order)
    event_record(
        merchant=order.merchant, type=type, object_type="order", object_id=order.public_id,
        data=render(OrderOutput, order), actor=actor,
    )  # fmt: skip


def _refund_event(refund: Refund, type: str, actor: User | None = None) -> None:
    counts.record(refund)
    event_record(
        merchant=refund.merchant, type=type, object_type="refund", object_id=refund.public_id,
        data=render(RefundOutput, refund), payment=refund.payment, actor=actor,
    )  # fmt: skip


# --- orders -------------------------------------------------------------------------------------


@change()
def order_create(
    *,
    merchant: Merchant,
    amount: int,
    currency: str,
    receipt: str = "",
    notes: dict | None = None,
    product: Product | None = None,
    payment_link: PaymentLink | None = None,
    expires_at: datetime | None = None,
    actor: User | None = None,
) -> Order:
    check_amount(amount, currency)
    order = Order(
        merchant=merchant, amount=amount, currency=currency, receipt=receipt, notes=notes or {},
        product=product, payment_link=payment_link, expires_at=expires_at,
    )  # fmt: skip
    insert([order])
    _order_event(order, "order.created", actor)
    return order


@change()
def order_soft_delete(*, order: Order, actor: User | None = None) -> None:
    order = locks.lock_order(order.pk)
    if not order.deleted:
        order.mark_deleted()
        order.save(update_fields=["deleted", "deleted_at", "updated_at"])
        _order_event(order, "order.deleted", actor)


@change()
def order_restore(*, order: Order, actor: User | None = None) -> None:
    order = locks.lock_order(order.pk)
    if order.deleted:
        order.mark_restored()
        order.save(update_fields=["deleted", "deleted_at", "updated_at"])
        _order_event(order, "order.restored", actor)


@change()
def order_cancel(*, order: Order, actor: User | None = None) -> Order:
    """Cancel an order nobody has paid: from `created` or `attempted`, while no payment of it is in
    progress (void or let it finish first) and nothing of it has been captured. A canceled order
    cannot be paid (`payment_create`); the order lock makes the check and a new payment exclusive."""
    order, in_progress = locks.lock_order_to_pay(order.pk)
    expected = sorted(ORDER_CANCELABLE)
    meta: dict[str, Any] = {"current_state": order.status, "expected_states": expected, "action": "cancel"}
    if order.status not in ORDER_CANCELABLE:
        raise TransitionError(f"Cannot cancel an order that is {order.status}.", meta=meta)
    if in_progress is not None:
        payment_id, payment_status = in_progress
        raise TransitionError(
            f"Cannot cancel the order while payment {payment_id} is in progress ({payment_status}).",
            meta=meta | {"payment_id": payment_id, "payment_status": payment_status},
        )
    if order.amount_paid > 0:
        raise TransitionError(
            "Cannot cancel an order of which a payment was captured; refund the payment instead.",
            meta=meta | {"amount_paid": order.amount_paid},
        )
    order.status = OrderStatus.CANCELED
    update(order, ["status", "updated_at"])
    _order_event(order, "order.canceled", actor)
    return order


# --- payments: creation and processing ----------------------------------------------------------


def _check_payable(order: Order) -> None:
    """Refuse to charge an order that is paid, canceled or past its `expires_at` (the caller holds
    its lock, so a cancel cannot slip in between this check and the payment)."""
    if order.status == OrderStatus.PAID or order.amount_due <= 0:
        raise ApiError(
            "The order is already paid.", error=ErrorCode.ORDER_NOT_PAYABLE, meta={"order_status": order.status}
        )
    if order.status == OrderStatus.CANCELED:
        raise ApiError(
            "The order was canceled.", error=ErrorCode.ORDER_NOT_PAYABLE, meta={"order_status": order.status}
        )
    if order.is_expired():
        expires_at = order.expires_at.isoformat().replace("+00:00", "Z")  # type: ignore[union-attr]  # set
        raise ApiError(
            f"The order expired at {expires_at}.",
            error=ErrorCode.ORDER_NOT_PAYABLE,
            meta={"order_status": order.status, "expired": True, "expires_at": expires_at},
        )


@dataclass(frozen=True)
class CardDetails:
    """Card input as validated at the edge. The number lives only in this object, in memory."""

    number: str
    exp_month: int
    exp_year: int
    name: str = ""


@dataclass(frozen=True)
class Customer:
    name: str = ""
    email: str = ""
    country: str = ""


def _claim(payment: Payment) -> str:
    payment.processing_claim = secrets.token_hex(16)
    payment.processing_started_at = timezone.now()
    return payment.processing_claim


def _runs_inline() -> bool:
    """Whether queued work runs at once in this process (the immediate task backend). The services
    then finish it themselves, inside the transaction that holds its rows, instead of queueing a
    task that would read and lock them all again."""
    from payments.tasks import process_payment  # tasks import services

    return isinstance(process_payment.get_backend(), ImmediateBackend)


def _enqueue_processing(payment: Payment) -> None:
    # Enqueued inside the transaction on purpose: with the database backend the task row commits
    # together with the payment (an outbox: neither exists without the other).
    from payments.tasks import process_payment  # tasks import services

    process_payment.enqueue(payment.pk, payment.processing_claim)


def _start_processing(order: Order, payment: Payment) -> None:
    """Queue the processing of a payment just claimed, or run it here with the immediate backend."""
    if _runs_inline():
        _process(order, payment, simulate_latency=False)
    else:
        _enqueue_processing(payment)


@change()
def payment_create(
    *,
    order: Order,
    method: str,
    region: str,
    card: CardDetails | None = None,
    vpa: str = "",
    customer: Customer | None = None,
    actor: User | None = None,
) -> Payment:
    """Create a payment for what the order still owes and queue its processing."""
    order, in_progress = locks.lock_order_to_pay(order.pk)
    _check_payable(order)
    if in_progress is not None:
        payment_id, payment_status = in_progress
        raise ApiError(
            f"The order already has payment {payment_id} in progress ({payment_status}).",
            error=ErrorCode.ORDER_NOT_PAYABLE,
            meta={"payment_id": payment_id, "payment_status": payment_status},
        )
    if method == Method.UPI and order.currency != "INR":
        raise ApiError(
            "UPI payments are only in INR.",
            error=ErrorCode.VALIDATION_ERROR,
            meta={"fields": {"method": ["UPI needs an INR order."]}},
        )
    stock.stock_take(order)  # SOLD_OUT here, before any payment exists or provider is asked
    customer = customer or Customer()
    merchant = order.merchant
    payment = Payment(
        merchant=merchant,
        order=order,
        amount=order.amount_due,
        currency=order.currency,
        method=method,
        region=region,
        capture_method=CaptureMethod.AUTOMATIC if merchant.auto_capture else CaptureMethod.MANUAL,
        customer_name=customer.name,
        customer_email=customer.email,
        customer_country=customer.country,
        vpa=vpa.lower(),
        status=PaymentStatus.PROCESSING,  # created -> processing at once: one INSERT
    )
    if card is not None:
        payment.card_last4 = card.number[-4:]
        payment.card_network = card_network(card.number)
        payment.card_exp_month = card.exp_month
        payment.card_exp_year = card.exp_year
        payment.card_fingerprint = card_fingerprint(card.number)
    _claim(payment)
    insert([payment])
    set_prefetched(payment, "attempts", [])
    set_prefetched(payment, "refunds", [])
    # The `payment.created` event shows the payment as it was created, before processing began.
    payment.status = PaymentStatus.CREATED
    _payment_event(payment, "payment.created", actor)
    payment.status = PaymentStatus.PROCESSING
    order.attempts += 1
    order.status = OrderStatus.ATTEMPTED
    update(order, ["attempts", "status", "updated_at"])
    _start_processing(order, payment)
    return payment


def _scenario(payment: Payment) -> Scenario | None:
    if payment.method == Method.UPI:
        return vpa_scenario(payment.vpa)
    return card_scenario(payment.card_fingerprint)


def payment_process(*, payment_id: int, claim: str, simulate_latency: bool) -> None:
    """The processing task: the payment's run, if it still holds `claim` (see `_process`)."""
    payment = Payment.objects.all_with_deleted().filter(pk=payment_id).first()
    if payment is None or payment.status != PaymentStatus.PROCESSING or payment.processing_claim != claim:
        return  # finished already, or another run holds the claim: nothing to do (idempotent)
    _process(None, payment, simulate_latency=simulate_latency)


def _process(order: Order | None, payment: Payment, *, simulate_latency: bool) -> None:
    """Run risk rules, then try the ranked providers until one succeeds or declines hard.

    In a worker (`order` None) this is not one transaction: the simulated latency is slept with no
    lock held, each attempt that leads to another is saved in its own short transaction, and the
    last one is saved with the outcome. Every write checks the claim, so a payment re-queued by the
    janitor while this runs is finished by exactly one of the two. Inline (the immediate backend,
    `order` given) it all happens in the caller's transaction, on the rows it has locked.
    """
    inline = order is not None
    claim = payment.processing_claim
    earlier = list(payment.attempts.all())  # a retry's attempts, for the numbering and fallbacks
    scenario = _scenario(payment)
    decision = assess(payment, scenario)
    finish = partial(_finish_inline, order, payment) if order is not None else partial(_finish, payment, claim)
    if decision.block_reason:
        finish(earlier, [], outcome=None, failure=decision.block_reason, review=False, rule=decision.rule)
        return
    providers = rank_providers(currency=payment.currency, region=payment.region, method=payment.method)
    first_provider = earlier[0].provider if earlier else None
    attempts: list[ProviderAttempt] = []  # made by this run, not saved yet
    outcome: Outcome | None = None
    for position, profile in enumerate(providers):
        sequence = len(earlier) + len(attempts) + 1
        outcome = simulate_attempt(
            profile, method=payment.method, scenario=scenario, position=position, rng=rng_for(payment.pk, sequence)
        )
        if simulate_latency:
            sleep_latency(outcome.latency_ms)
        attempts.append(_attempt(payment, outcome, sequence, first_provider=first_provider))
        first_provider = first_provider or outcome.provider
        if outcome.success or outcome.hard_decline:
            break
        if not inline and position < len(providers) - 1:
            # Another provider is tried next: keep this one first, so it is never forgotten.
            if not _record_attempts(payment.pk, claim, attempts):
                return
            earlier += attempts
            attempts = []
    if outcome is None:
        finish(earlier, attempts, outcome=None, failure=FailureReason.PROVIDER_UNAVAILABLE, review=False)
    elif outcome.success:
        finish(earlier, attempts, outcome=outcome, failure="", review=decision.review, rule=decision.rule)
    else:
        finish(earlier, attempts, outcome=outcome, failure=outcome.error_code, review=False)


def _attempt(payment: Payment, outcome: Outcome, sequence: int, *, first_provider: str | None) -> ProviderAttempt:
    return _new_attempt(
        payment, sequence=sequence, provider=outcome.provider, success=outcome.success,
        latency_ms=outcome.latency_ms, error_code=outcome.error_code, first_provider=first_provider,
    )  # fmt: skip


def _new_attempt(
    payment: Payment, *, sequence: int, provider: str, success: bool, latency_ms: int, error_code: str,
    first_provider: str | None, manual: bool = False, recorded_by: User | None = None,
) -> ProviderAttempt:  # fmt: skip
    """A try for the payment's routing history (`manual`: recorded by an operator), not saved yet.
    It is a fallback when it went to another provider than the payment's first attempt."""
    return ProviderAttempt(
        payment=payment,
        merchant_id=payment.merchant_id,
        sequence=sequence,
        provider=provider,
        result=AttemptResult.SUCCESS if success else AttemptResult.FAILURE,
        latency_ms=latency_ms,
        error_code=error_code,
        currency=payment.currency,
        region=payment.region,
        fallback=first_provider is not None and provider != first_provider,
        manual=manual,
        recorded_by=recorded_by,
    )


@change()
def _record_attempts(payment_id: int, claim: str, attempts: list[ProviderAttempt]) -> bool:
    payment = locks.lock_payment(payment_id)
    if payment.status != PaymentStatus.PROCESSING or payment.processing_claim != claim:
        return False
    insert(attempts)
    return True


@change()
def _finish(
    run: Payment, claim: str, earlier: list[ProviderAttempt], attempts: list[ProviderAttempt], **result: Any
) -> None:
    """Settle a worker's processing run, if the payment still holds its claim."""
    order = locks.lock_order(run.order_id)
    payment = locks.lock_payment(run.pk)
    if payment.status != PaymentStatus.PROCESSING or payment.processing_claim != claim:
        return
    _finish_inline(order, payment, earlier, attempts, **result)


def _finish_inline(
    order: Order, payment: Payment, earlier: list[ProviderAttempt], attempts: list[ProviderAttempt], *,
    outcome: Outcome | None, failure: str, review: bool, rule: str = "",
) -> None:  # fmt: skip
    """Settle a processing run on the locked order and payment. `rule` names the risk rule that
    failed the payment or holds it. The run's last attempts are saved with the outcome, and every
    event it writes renders the attempts in hand."""
    insert(attempts)
    set_prefetched(payment, "attempts", earlier + attempts)
    payment.processing_claim = ""
    if failure:
        _fail(payment, failure, risk_rule=rule)
        return
    payment.provider = outcome.provider if outcome else ""
    if review:
        _payment_transition(
            payment, PaymentStatus.REVIEW, action="hold for review", event="payment.review_required", risk_rule=rule
        )
        return
    _authorize(order, payment)


def _fail(payment: Payment, reason: str, actor: User | None = None, risk_rule: str = "") -> None:
    # A risk rule is named when one failed it; a rejected review keeps the rule that held it.
    rule: dict[str, Any] = {"risk_rule": risk_rule} if risk_rule else {}
    _payment_transition(
        payment, PaymentStatus.FAILED, action="fail", event="payment.failed", actor=actor,
        failure_reason=reason, failed_at=timezone.now(), **rule,
    )  # fmt: skip
    stock.stock_release(payment.order)


def _authorize(order: Order, payment: Payment, actor: User | None = None) -> None:
    capture = payment.capture_method == CaptureMethod.AUTOMATIC
    _payment_transition(
        payment, PaymentStatus.AUTHORIZED, action="authorize", event="payment.authorized", actor=actor,
        authorized_at=timezone.now(), failure_reason="", save=not capture,
    )  # fmt: skip
    if capture:
        _capture(order, payment, payment.amount, actor)  # saves both changes in one UPDATE


# --- capture, cancel, retry, review, manual attempts --------------------------------------------


def capture_fee(amount: int) -> int:
    """Percentage (basis points, rounded half up) plus the fixed fee, never more than the amount."""
    fee = (amount * settings.PAYGATE_FEE_BPS + 5_000) // 10_000 + settings.PAYGATE_FEE_FIXED
    return min(fee, amount)


def _capture(order: Order, payment: Payment, amount: int, actor: User | None = None) -> None:
    _check_transition(payment, PaymentStatus.CAPTURED, "capture")
    if not 1 <= amount <= payment.amount:
        raise ApiError(
            f"Capture amount must be between 1 and the authorized {payment.amount}.",
            error=ErrorCode.CAPTURE_EXCEEDS_AUTHORIZED,
            meta={"authorized": payment.amount},
        )
    fee = capture_fee(amount)
    payment.status = PaymentStatus.CAPTURED
    payment.amount_captured = amount
    payment.fee = fee
    payment.captured_at = timezone.now()
    update(payment, STATE_FIELDS)
    moves = [(LedgerEntryType.CAPTURE, amount)] + ([(LedgerEntryType.FEE, -fee)] if fee else [])
    post_entries(
        merchant_id=payment.merchant_id, currency=payment.currency, moves=moves, reference=payment.public_id,
        payment=payment,
    )  # fmt: skip
    _payment_event(payment, "payment.captured", actor)
    order.amount_paid += amount
    if order.amount_paid >= order.amount:
        order.status = OrderStatus.PAID
    update(order, ["amount_paid", "status", "updated_at"])
    if order.status == OrderStatus.PAID:
        _order_event(order, "order.paid", actor)
        if (link := order.payment_link) is not None:
            event_record(
                merchant=order.merchant, type="payment_link.paid", object_type="payment_link",
                object_id=link.public_id, actor=actor,
                data={"id": link.public_id, "order_id": order.public_id, "payment_id": payment.public_id,
                      "amount": payment.amount_captured, "currency": payment.currency},
            )  # fmt: skip


@change()
def payment_capture(*, payment: Payment, amount: int | None = None, actor: User | None = None) -> Payment:
    order = locks.lock_order(payment.order_id)
    payment = locks.lock_payment(payment.pk)
    _capture(order, payment, payment.amount if amount is None else amount, actor)
    return payment


@change()
def payment_cancel(*, payment: Payment, actor: User | None = None) -> Payment:
    """Void a payment that is created or authorized but not captured."""
    payment = locks.lock_payment(payment.pk)
    _payment_transition(
        payment, PaymentStatus.CANCELED, action="cancel", event="payment.canceled", actor=actor,
        canceled_at=timezone.now(), processing_claim="",
    )  # fmt: skip
    stock.stock_release(payment.order)
    return payment


@change()
def payment_retry(*, payment: Payment, actor: User | None = None) -> Payment:
    """Try a failed payment again (soft failures only, at most PAYGATE_MAX_RETRIES times), while its
    order can still be paid: the order is locked first, as a new payment would lock it."""
    order = locks.lock_order(payment.order_id)
    payment = locks.lock_payment(payment.pk)
    if payment.status != PaymentStatus.FAILED:
        raise TransitionError(
            f"Only failed payments can be retried; this one is {payment.status}.",
            meta={"current_state": payment.status, "expected_states": [PaymentStatus.FAILED], "action": "retry"},
        )
    if payment.failure_reason not in RETRYABLE_REASONS:
        raise ApiError(
            f"A payment that failed with {payment.failure_reason} cannot be retried.",
            error=ErrorCode.PAYMENT_NOT_RETRYABLE,
            meta={"failure_reason": payment.failure_reason, "retryable_reasons": sorted(RETRYABLE_REASONS)},
        )
    if payment.retry_count >= settings.PAYGATE_MAX_RETRIES:
        raise ApiError(
            f"The payment has used all {settings.PAYGATE_MAX_RETRIES} retries.",
            error=ErrorCode.PAYMENT_NOT_RETRYABLE,
            meta={"retry_count": payment.retry_count, "max_retries": settings.PAYGATE_MAX_RETRIES},
        )
    _check_payable(order)
    stock.stock_take(payment.order)  # its unit went back to stock when it failed
    payment.status = PaymentStatus.PROCESSING
    payment.retry_count += 1
    payment.failure_reason = ""
    payment.failed_at = None
    _claim(payment)
    update(payment, STATE_FIELDS)
    _payment_event(payment, "payment.retried", actor)
    _start_processing(payment.order, payment)
    return payment


@change()
def payment_review(*, payment: Payment, approve: bool, note: str = "", actor: User | None = None) -> Payment:
    """Finance's decision on a payment held in review: approve authorizes it, reject fails it."""
    order = locks.lock_order(payment.order_id)
    payment = locks.lock_payment(payment.pk)
    if payment.status != PaymentStatus.REVIEW:
        raise TransitionError(
            f"Only payments in review can be reviewed; this one is {payment.status}.",
            meta={"current_state": payment.status, "expected_states": [PaymentStatus.REVIEW], "action": "review"},
        )
    payment.review_note = note
    payment.reviewed_by = actor
    if approve:
        _authorize(order, payment, actor)
    else:
        _fail(payment, FailureReason.REVIEW_REJECTED, actor)
    return payment


@change()
def payment_record_attempt(
    *, payment: Payment, provider: str, result: str, latency_ms: int, error_code: str = "", actor: User | None = None
) -> Payment:
    """An operator records what a provider answered for a payment stuck in processing.

    The attempt joins the routing history (marked manual) and decides the payment: success
    authorizes it, failure fails it with the given reason.
    """
    if not ProviderProfile.objects.filter(name=provider).exists():
        raise ApiError(
            f"Unknown provider {provider!r}.",
            error=ErrorCode.VALIDATION_ERROR,
            meta={"fields": {"provider": ["Unknown provider."]}},
        )
    order = locks.lock_order(payment.order_id)
    payment = locks.lock_payment(payment.pk)
    if payment.status != PaymentStatus.PROCESSING:
        raise TransitionError(
            f"Attempts can only be recorded for payments in processing; this one is {payment.status}.",
            meta={
                "current_state": payment.status,
                "expected_states": [PaymentStatus.PROCESSING],
                "action": "record attempt",
            },
        )
    success = result == AttemptResult.SUCCESS
    earlier = list(payment.attempts.all())
    attempt = _new_attempt(
        payment, sequence=len(earlier) + 1, provider=provider, success=success, latency_ms=latency_ms,
        error_code="" if success else (error_code or FailureReason.PROCESSING_ERROR),
        first_provider=earlier[0].provider if earlier else None, manual=True, recorded_by=actor,
    )  # fmt: skip
    attempt.save(force_insert=True)
    set_prefetched(payment, "attempts", [*earlier, attempt])
    payment.processing_claim = ""  # a task still running for it must not write an outcome
    if success:
        payment.provider = provider
        _authorize(order, payment, actor)
    else:
        _fail(payment, error_code or FailureReason.PROCESSING_ERROR, actor)
    return payment


@change()
def payment_soft_delete(*, payment: Payment, actor: User | None = None) -> None:
    payment = locks.lock_payment(payment.pk)
    payment.mark_deleted()
    payment.save(update_fields=["deleted", "deleted_at", "updated_at"])
    _payment_event(payment, "payment.deleted", actor)


@change()
def payment_restore(*, payment: Payment, actor: User | None = None) -> None:
    payment = locks.lock_payment(payment.pk)
    payment.mark_restored()
    payment.save(update_fields=["deleted", "deleted_at", "updated_at"])
    _payment_event(payment, "payment.restored", actor)


# --- providers ----------------------------------------------------------------------------------

PROVIDER_CONTROLS = ("outage", "success_rate", "added_latency_ms")


@change()
def provider_update(
    *, profile: ProviderProfile, outage: bool, success_rate: float, added_latency_ms: int, actor: User | None = None
) -> ProviderChange:
    """An admin changes a simulated provider's sandbox controls; the change is audited with the
    controls before and after. The router reads the profiles on every payment; its cached stats
    for the provider's currencies and regions are dropped on commit so none outlives the change."""
    if not 0 <= success_rate <= 1 or added_latency_ms < 0:
        raise ApiError(
            "Success rate must be between 0 and 1 and added latency not negative.",
            error=ErrorCode.VALIDATION_ERROR,
            meta={"fields": {"success_rate": ["Between 0 and 1."], "added_latency_ms": ["Not negative."]}},
        )
    profile = ProviderProfile.objects.select_for_update().get(pk=profile.pk)
    before = {name: getattr(profile, name) for name in PROVIDER_CONTROLS}
    profile.outage, profile.success_rate, profile.added_latency_ms = outage, success_rate, added_latency_ms
    profile.save(update_fields=[*PROVIDER_CONTROLS, "updated_at"])
    after = {name: getattr(profile, name) for name in PROVIDER_CONTROLS}
    change = ProviderChange.objects.create(provider=profile, actor=actor, before=before, after=after)
    transaction.on_commit(partial(forget_stats, currencies=list(profile.currencies), regions=list(profile.regions)))
    return change


# --- exports ------------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def export_log_start(*, actor: User, kind: str, filters: dict[str, Any]) -> ExportLog:
    """Record that an operator started a CSV export, with its filters, before its first row leaves."""
    return ExportLog.objects.create(
        actor=actor, kind=kind, filters={name: _json_safe(value) for name, value in filters.items()}
    )


def export_log_finish(*, export: ExportLog, rows: int) -> None:
    """Record how many rows the export sent, once its stream has ended."""
    export.rows, export.finished_at = rows, timezone.now()
    ExportLog.objects.filter(pk=export.pk).update(rows=export.rows, finished_at=export.finished_at)


# --- refunds ------------------------------------------------------------------------------------


def refundable_amount(payment: Payment) -> int:
    """Captured amount minus every refund that is pending or processed (call with the row locked)."""
    refunds = payment_refunds(payment_id=payment.pk)
    reserved = sum(r.amount for r in refunds if r.status in (RefundStatus.PENDING, RefundStatus.PROCESSED))
    return payment.amount_captured - reserved


def _enqueue_refund(refund: Refund) -> None:
    from payments.tasks import process_refund  # same outbox reasoning as _enqueue_processing

    process_refund.enqueue(refund.pk)


@change()
def refund_create(
    *, payment: Payment, amount: int | None = None, reason: str = "", actor: User | None = None
) -> Refund:
    """Refund all or part of a captured payment. The payment row lock makes concurrent partial
    refunds add up to at most the captured amount. With the immediate task backend the refund is
    settled here, in this transaction; otherwise a worker settles it."""
    payment = locks.lock_payment(payment.pk)
    if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
        raise TransitionError(
            f"Only captured payments can be refunded; this one is {payment.status}.",
            meta={
                "current_state": payment.status,
                "expected_states": [PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED],
                "action": "refund",
            },
        )
    remaining = refundable_amount(payment)
    amount = remaining if amount is None else amount
    if amount < 1 or amount > remaining:
        raise ApiError(
            f"Refund amount must be between 1 and {remaining}, what is left to refund.",
            error=ErrorCode.REFUND_EXCEEDS_CAPTURED,
            meta={"refundable": remaining, "requested": amount},
        )
    refund = Refund(merchant=payment.merchant, payment=payment, amount=amount, currency=payment.currency, reason=reason)
    insert([refund])
    _refund_event(refund, "refund.created", actor)
    if _runs_inline():
        _settle(payment, refund, _ask_provider(refund, payment, simulate_latency=False))
    else:
        _enqueue_refund(refund)
    return refund


def refund_process(*, refund_id: int, simulate_latency: bool) -> None:
    """The refund task: ask the payment's provider (outside any lock), then settle in one transaction."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status != RefundStatus.PENDING:
        return
    outcome = _ask_provider(refund, refund.payment, simulate_latency=simulate_latency)
    _settle_refund(refund_id, refund.payment_id, outcome)


def _ask_provider(refund: Refund, payment: Payment, *, simulate_latency: bool) -> Outcome:
    profile = provider_profile(payment.provider)
    outcome = simulate_refund(profile, rng_for(refund.pk, 0, salt="refund"))
    if simulate_latency and outcome.success:
        sleep_latency(outcome.latency_ms)
    return outcome


@change()
def _settle_refund(refund_id: int, payment_id: int, outcome: Outcome) -> None:
    payment = locks.lock_payment(payment_id)
    refund = locks.lock_refund(refund_id)
    if refund.status == RefundStatus.PENDING:  # else settled by an earlier run
        _settle(payment, refund, outcome)


def _settle(payment: Payment, refund: Refund, outcome: Outcome) -> None:
    """Settle a pending refund of the locked payment with the provider's answer."""
    refund.processed_at = timezone.now()
    if not outcome.success:
        refund.status = RefundStatus.FAILED
        refund.failure_reason = outcome.error_code
        update(refund, ["status", "failure_reason", "processed_at", "updated_at"])
        _refund_event(refund, "refund.failed")
        return
    target = (
        PaymentStatus.REFUNDED
        if payment.amount_refunded + refund.amount >= payment.amount_captured
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    _check_transition(payment, target, "refund")
    refund.status = RefundStatus.PROCESSED
    update(refund, ["status", "processed_at", "updated_at"])
    payment.amount_refunded += refund.amount
    payment.status = target
    update(payment, STATE_FIELDS)
    post_entries(
        merchant_id=payment.merchant_id, currency=payment.currency, moves=[(LedgerEntryType.REFUND, -refund.amount)],
        reference=refund.public_id, payment=payment, refund=refund,
    )  # fmt: skip
    _refund_event(refund, "refund.processed")
    _payment_event(payment, "payment.refunded")


# --- payouts ------------------------------------------------------------------------------------


@change()
def payout_create(*, merchant: Merchant, amount: int, currency: str, actor: User | None = None) -> Payout:
    balance = lock_balance(merchant=merchant, currency=currency)
    if amount > balance.available:
        raise ApiError(
            f"The available {currency} balance is {balance.available}; a payout cannot exceed it.",
            error=ErrorCode.INSUFFICIENT_BALANCE,
            meta={"available": balance.available, "requested": amount, "currency": currency},
        )
    payout = Payout.objects.create(merchant=merchant, amount=amount, currency=currency)
    post_entries(
        merchant_id=merchant.pk, currency=currency, moves=[(LedgerEntryType.PAYOUT, -amount)],
        reference=payout.public_id, balance=balance, payout=payout,
    )  # fmt: skip
    event_record(
        merchant=merchant, type="payout.processed", object_type="payout", object_id=payout.public_id,
        data=render(PayoutOutput, payout), actor=actor,
    )  # fmt: skip
    return payout


# --- accounts -----------------------------------------------------------------------------------


def merchant_soft_delete_records(*, merchant: Merchant) -> None:
    """Part of account deletion, in its transaction (on `merchants.signals.merchant_deleting`): hide
    the merchant's orders and payments, and take them out of the counts (their refunds stay
    counted, as the rows say)."""
    Payment.objects.filter(merchant=merchant).soft_delete()
    Order.objects.filter(merchant=merchant).soft_delete()
    counts.forget_merchant(merchant)


# --- janitor ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    payments: int
    refunds: int
    idempotency_keys: int


def stuck_work_sweep() -> SweepResult:
    """Re-queue work a dead worker or a lost task left behind (safe to run at any time, anywhere).

    - payments in `processing` whose claim is older than PAYGATE_STUCK_AFTER_SECONDS get a new
      claim and a new task; the old run, if it is somehow alive, can no longer write;
    - refunds still `pending` after that long get a new task (settling is idempotent);
    - idempotency keys past their TTL are deleted, and so are claims stuck in flight.
    """
    from payments.tasks import process_payment, process_refund

    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.PAYGATE_STUCK_AFTER_SECONDS)
    payments = 0
    stuck = Payment.objects.all_with_deleted().filter(status=PaymentStatus.PROCESSING, processing_started_at__lt=cutoff)
    for pk in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            payment = locks.lock_payment(pk)
            started = payment.processing_started_at  # set with every claim (`_claim`)
            if payment.status != PaymentStatus.PROCESSING or started is None or started >= cutoff:
                continue
            _claim(payment)
            payment.save(update_fields=["processing_claim", "processing_started_at", "updated_at"])
            process_payment.enqueue(payment.pk, payment.processing_claim)
            payments += 1
    refunds = 0
    for pk in Refund.objects.filter(status=RefundStatus.PENDING, updated_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            # Touch it so the next sweep waits another period before queueing it again.
            if Refund.objects.filter(pk=pk, status=RefundStatus.PENDING, updated_at__lt=cutoff).update(updated_at=now):
                process_refund.enqueue(pk)
                refunds += 1
    expired = IdempotencyKey.objects.filter(created_at__lt=now - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS))
    abandoned = IdempotencyKey.objects.filter(status=IdempotencyStatus.IN_FLIGHT, created_at__lt=cutoff)
    keys = expired.delete()[0] + abandoned.delete()[0]
    return SweepResult(payments=payments, refunds=refunds, idempotency_keys=keys)
