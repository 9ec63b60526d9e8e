"""What a payer may see and set: the one place the hosted page and the public API share.

A payer is anonymous. It knows an order id (from the merchant) and the ids of the payments it
made; it sees the merchant's business name and the order's amount, never keys, customer data or
other payers' payments, and it sets only the payment method and its own details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True)
class Closed:
    """Why a payer can no longer pay an order: what the page and the public API answer."""

    state: str  # paid | canceled | expired
    title: str
    message: str
    error: ErrorCode
    meta: dict[str, Any]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def closed(order: Order) -> Closed | None:
    """Paid or canceled: 409; past its `expires_at` unpaid: 410; None while it can be paid."""
    meta: dict[str, Any] = {"order_status": order.status}
    if order.status == OrderStatus.PAID or order.amount_due <= 0:
        return Closed(
            "paid", "Nothing left to pay", "This order has already been paid.", ErrorCode.ORDER_NOT_PAYABLE, meta
        )
    if order.status == OrderStatus.CANCELED:
        message = "This order was canceled by the merchant and can no longer be paid."
        return Closed("canceled", "This order was canceled", message, ErrorCode.ORDER_NOT_PAYABLE, meta)
    if order.is_expired():
        message = "This order has expired and can no longer be paid. Ask the merchant for a new one."
        meta |= {"expired": True, "expires_at": _iso(order.expires_at)}  # type: ignore[arg-type]  # set when expired
        return Closed("expired", "This order has expired", message, ErrorCode.ORDER_EXPIRED, meta)
    return None


def payable_or_conflict(order: Order) -> None:
    if (reason := closed(order)) is not None:
        raise ApiError(reason.message, error=reason.error, meta=reason.meta)


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
    """Create the payment exactly as the merchant API does, from validated payer input. The order
    is checked first (paid, canceled: 409; expired: 410), and again by the service under its lock."""
    payable_or_conflict(order)
    try:
        return _payment_create(order, data)
    except ApiError as exc:
        if exc.error == ErrorCode.ORDER_NOT_PAYABLE and exc.meta.get("expired"):
            # It expired between the check above and the service's: the payer's answer is still 410.
            raise ApiError(exc.message, error=ErrorCode.ORDER_EXPIRED, meta=exc.meta) from None
        raise


def _payment_create(order: Order, data: dict[str, Any]) -> Payment:
    card, customer = data.get("card"), data.get("customer")
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
        "expires_at": _iso(order.expires_at) if order.expires_at else None,
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
