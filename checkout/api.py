"""The public checkout endpoints (no credentials): what the hosted page and checkout.js call.

Rate limited per IP. The card number arrives only in the POST body and is never echoed: the
answers are the payer views of `checkout.payer`, and validation messages never quote it.
"""

from __future__ import annotations

from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from checkout import payer
from checkout import serializers as s
from paygate.lib.api import ok
from paygate.lib.ratelimits import rate_limit
from paygate.lib.schema import ErrorEnvelopeSerializer

NOT_FOUND = OpenApiResponse(ErrorEnvelopeSerializer, description="No such order or payment.")
CONFLICT = OpenApiResponse(
    ErrorEnvelopeSerializer,
    description="`ORDER_NOT_PAYABLE`: the order is already paid (`meta.order_status` `paid`) or canceled "
    "(`canceled`), or has a payment in progress.",
)
GONE = OpenApiResponse(
    ErrorEnvelopeSerializer, description="`ORDER_EXPIRED`: the order's `expires_at` has passed; it cannot be paid."
)
RATE_LIMITED = OpenApiResponse(ErrorEnvelopeSerializer, description="Too many requests; see Retry-After.")


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


@method_decorator(rate_limit(group="checkout-read", rate="RATELIMIT_CHECKOUT_READ", method="GET"), name="get")
class CheckoutOrderView(PublicView):
    @extend_schema(
        tags=["checkout"],
        summary="An order as its payer sees it",
        responses={200: s.CheckoutOrderOutput, 404: NOT_FOUND, 409: CONFLICT, 410: GONE, 429: RATE_LIMITED},
        description="Public. The merchant's business name, the amount and the receipt; 409 when the order "
        "is already paid or was canceled, 410 when it has expired.",
    )
    def get(self, request: Request, order_id: str) -> Response:
        order = payer.order_for_payer(order_id)
        payer.payable_or_conflict(order)
        return ok(payer.order_view(order))


@method_decorator(rate_limit(group="checkout-pay", rate="RATELIMIT_CHECKOUT_PAY"), name="post")
class CheckoutPaymentCreateView(PublicView):
    @extend_schema(
        tags=["checkout"],
        summary="Pay an order (card or UPI) as its payer",
        request=payer.CheckoutPaymentInput,
        responses={201: s.CheckoutPaymentOutput, 404: NOT_FOUND, 409: CONFLICT, 410: GONE, 429: RATE_LIMITED},
        description="Public. Creates the payment as `POST payments/` does (409 when the order is paid or "
        "canceled, 410 when it has expired); poll `checkout/payments/{id}/` "
        "while its outcome is `processing`.",
    )
    def post(self, request: Request) -> Response:
        data = payer.CheckoutPaymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = payer.order_for_payer(data.validated_data["order_id"])
        payment = payer.pay(order=order, data=data.validated_data)
        payment = payer.payment_for_payer(payment.public_id)  # re-read: processing may have finished it
        return ok(payer.payment_view(payment), status_code=status.HTTP_201_CREATED)


@method_decorator(rate_limit(group="checkout-read", rate="RATELIMIT_CHECKOUT_READ", method="GET"), name="get")
class CheckoutPaymentView(PublicView):
    @extend_schema(
        tags=["checkout"],
        summary="A payment's outcome as its payer sees it",
        responses={200: s.CheckoutPaymentOutput, 404: NOT_FOUND, 429: RATE_LIMITED},
        description="Public. Status, failure reason, card last4 and, on success, the signature to hand to "
        "the merchant's server.",
    )
    def get(self, request: Request, payment_id: str) -> Response:
        return ok(payer.payment_view(payer.payment_for_payer(payment_id)))
