"""Every action against every payment state: allowed moves happen, the rest change nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from merchants.models import Merchant
from paygate.lib.api import ApiError
from payments import services
from payments.models import PAYMENT_TRANSITIONS, Order, Payment, PaymentStatus
from webhooks.models import Event

CARDS = {
    PaymentStatus.CAPTURED: "4242424242424242",
    PaymentStatus.FAILED: "4000000000000119",  # soft failure: retryable
    PaymentStatus.REVIEW: "4000000000004954",
}


def payment_in(state: str, merchant: Merchant) -> Payment:
    merchant.auto_capture = state != PaymentStatus.AUTHORIZED
    merchant.save()
    order = services.order_create(merchant=merchant, amount=5000, currency="USD")
    card = services.CardDetails(number=CARDS.get(state, "4242424242424242"), exp_month=12, exp_year=2030)
    payment = services.payment_create(order=order, method="card", region="na", card=card)
    payment.refresh_from_db()
    if state == PaymentStatus.PARTIALLY_REFUNDED:
        services.refund_create(payment=payment, amount=100)
    elif state == PaymentStatus.REFUNDED:
        services.refund_create(payment=payment)
    elif state == PaymentStatus.CANCELED:
        Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.AUTHORIZED)
        services.payment_cancel(payment=payment)
    elif state in (PaymentStatus.CREATED, PaymentStatus.PROCESSING):
        Payment.objects.filter(pk=payment.pk).update(status=state)
    payment.refresh_from_db()
    assert payment.status == state
    return payment


ACTIONS: dict[str, tuple[Callable[[Payment], object], str]] = {
    "capture": (lambda p: services.payment_capture(payment=p), PaymentStatus.CAPTURED),
    "cancel": (lambda p: services.payment_cancel(payment=p), PaymentStatus.CANCELED),
    "retry": (lambda p: services.payment_retry(payment=p), PaymentStatus.PROCESSING),
    "approve": (lambda p: services.payment_review(payment=p, approve=True), PaymentStatus.AUTHORIZED),
    "reject": (lambda p: services.payment_review(payment=p, approve=False), PaymentStatus.FAILED),
    "refund": (lambda p: services.refund_create(payment=p, amount=1), PaymentStatus.PARTIALLY_REFUNDED),
}
STATES = [s for s in PaymentStatus.values]


def allowed(state: str, action: str) -> bool:
    if action in ("approve", "reject"):
        return state == PaymentStatus.REVIEW
    if action == "refund":
        return state in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
    if action == "retry":
        return state == PaymentStatus.FAILED
    return ACTIONS[action][1] in PAYMENT_TRANSITIONS[state]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_transition(state: str, action: str, merchant: Merchant) -> None:
    payment = payment_in(state, merchant)
    before = (
        Payment.objects.values().get(pk=payment.pk),
        Event.objects.count(),
        Order.objects.values().get(pk=payment.order_id),
    )

    if allowed(state, action):
        ACTIONS[action][0](payment)
        assert Payment.objects.values().get(pk=payment.pk) != before[0]
        assert Event.objects.count() > before[1]
    else:
        with pytest.raises(ApiError) as raised:
            ACTIONS[action][0](payment)
        assert raised.value.error.status == 409
        assert raised.value.meta["current_state"] == state
        after = (
            Payment.objects.values().get(pk=payment.pk),
            Event.objects.count(),
            Order.objects.values().get(pk=payment.order_id),
        )
        assert after == before


def test_terminal_states_have_no_way_out() -> None:
    assert PAYMENT_TRANSITIONS[PaymentStatus.REFUNDED] == frozenset()
    assert PAYMENT_TRANSITIONS[PaymentStatus.CANCELED] == frozenset()


def test_every_state_change_writes_its_event(merchant: Merchant) -> None:
    payment = payment_in(PaymentStatus.CAPTURED, merchant)
    services.refund_create(payment=payment, amount=100)

    types = list(Event.objects.order_by("id").values_list("type", flat=True))

    assert types == [
        "order.created", "payment.created", "payment.authorized", "payment.captured", "order.paid",
        "refund.created", "refund.processed", "payment.refunded",
    ]  # fmt: skip
    snapshot = Event.objects.get(type="payment.captured").data
    assert (snapshot["status"], snapshot["amount_captured"]) == ("captured", 5000)
