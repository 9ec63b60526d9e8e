"""What a payer may see and set: the one place the hosted page and the public API share.

A payer is anonymous. It knows an order id (from the merchant) and the ids of the payments it
made; it sees the merchant's business name and the order's amount, never keys, customer data or
other payers' payments, and it sets only the payment method and its own details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from rest_framework import serializers

from checkout.signature import checkout_signature
from merchants.keys import checkout_signing_key
from merchants.models import Merchant
from paygate.lib.api import ApiError, ErrorCode
from payments import services
from payments.cards import TEST_CARDS, TEST_VPAS
from payments.models import Method, Order, OrderStatus, Payment, PaymentStatus
from payments.serializers import PaymentCreateInput

# A payment in one of these states has paid the order (captured later for manual capture).
SUCCEEDED = frozenset(
    {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)
PENDING = frozenset({PaymentStatus.CREATED, PaymentStatus.PROCESSING})

FAILURE_MESSAGES = {
    "CARD_DECLINED": "Your card was declined.",
    "INSUFFICIENT_FUNDS": "The card has insufficient funds.",
    "EXPIRED_CARD": "The card has expired.",
    "UPI_DECLINED": "The UPI payment was declined.",
    "FRAUD_SUSPECTED": "The payment was blocked by risk checks.",
    "PROCESSING_ERROR": "The payment could not be processed. Please try again.",
    "PROVIDER_UNAVAILABLE": "The payment network is unavailable. Please try again.",
    "REVIEW_REJECTED": "The payment was rejected after review.",
    "INVALID_AMOUNT": "The amount cannot be paid.",
    "INVALID_REQUEST": "The payment details were incomplete.",
}


class CheckoutPaymentInput(PaymentCreateInput):
    """The merchant API's payment input without what only a merchant decides (the region comes
    from the payer's country, and the amount from the order)."""

    region = None  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        customer = attrs.get("customer") or {}
        if not customer.get("country"):
            raise serializers.ValidationError({"customer": {"country": ["Choose your country."]}})
        return super().validate(attrs)


def order_for_payer(order_id: str, *, key: str = "") -> Order:
    """The order behind a checkout (404 when unknown, deleted, or not the given key's merchant)."""
    order = (
        Order.objects.select_related("merchant", "product").filter(public_id=order_id, merchant__deleted=False).first()
    )
    if order is None or (key and order.merchant.api_key_id != key):
        raise Http404("No such order.")
    return order


def payable_or_conflict(order: Order) -> None:
    if order.status == OrderStatus.PAID or order.amount_due <= 0:
        raise ApiError(
            "This order has already been paid.", error=ErrorCode.ORDER_NOT_PAYABLE, meta={"order_status": order.status}
        )


def payment_for_payer(payment_id: str) -> Payment:
    payment = (
        Payment.objects.select_related("order", "merchant")
        .filter(public_id=payment_id, merchant__deleted=False)
        .first()
    )
    if payment is None:
        raise Http404("No such payment.")
    return payment


def pay(*, order: Order, data: dict[str, Any]) -> Payment:
    """Create the payment exactly as the merchant API does, from validated payer input."""
    card = data.get("card")
    customer = data.get("customer")
    return services.payment_create(
        order=order,
        method=data["method"],
        region=data["region"],
        card=services.CardDetails(
            number=card["number"], exp_month=card["exp_month"], exp_year=card["exp_year"], name=card["name"]
        )
        if card
        else None,
        vpa=data.get("vpa", ""),
        customer=services.Customer(**customer) if customer else None,
    )


def methods_for(order: Order) -> list[str]:
    return [Method.CARD, Method.UPI] if order.currency == "INR" else [Method.CARD]


def order_view(order: Order) -> dict[str, Any]:
    return {
        "id": order.public_id,
        "merchant": {"name": order.merchant.business_name},
        "amount": order.amount,
        "amount_due": order.amount_due,
        "currency": order.currency,
        "receipt": order.receipt,
        "status": order.status,
        "methods": methods_for(order),
        "test_mode": True,
    }


def signature_for(payment: Payment, merchant: Merchant) -> str:
    key = checkout_signing_key(merchant.api_secret_hash)
    return checkout_signature(payment.order.public_id, payment.public_id, key) if key else ""


@dataclass(frozen=True)
class Outcome:
    state: str  # processing | succeeded | review | failed
    message: str


def outcome_of(payment: Payment) -> Outcome:
    if payment.status in PENDING:
        return Outcome("processing", "Processing your payment…")
    if payment.status in SUCCEEDED:
        return Outcome("succeeded", "Payment successful.")
    if payment.status == PaymentStatus.REVIEW:
        return Outcome("review", "Your payment is being reviewed. The merchant will confirm it.")
    reason = payment.failure_reason
    return Outcome("failed", FAILURE_MESSAGES.get(reason, "The payment did not go through."))


def payment_view(payment: Payment) -> dict[str, Any]:
    outcome = outcome_of(payment)
    order = payment.order
    return {
        "id": payment.public_id,
        "order_id": order.public_id,
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "status": payment.status,
        "outcome": outcome.state,
        "message": outcome.message,
        "failure_reason": payment.failure_reason or None,
        "card": {"last4": payment.card_last4, "network": payment.card_network}
        if payment.method == Method.CARD
        else None,
        # The payer may try again (same or another card) while the order is still unpaid.
        "retryable": payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED) and order.amount_due > 0,
        "signature": signature_for(payment, payment.merchant) if payment.status in SUCCEEDED else None,
    }


def test_values() -> dict[str, list[tuple[str, str]]]:
    """The test-mode banner: every documented test card and UPI id with what it does."""
    cards = [(" ".join(number[i : i + 4] for i in range(0, 16, 4)), text) for number, (_, text) in TEST_CARDS.items()]
    return {"cards": cards, "vpas": [(vpa, text) for vpa, (_, text) in TEST_VPAS.items()]}
