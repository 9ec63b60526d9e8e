"""Payments API: thin views — validate input, call one service or selector, render output."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from merchants.models import Merchant, Role
from paygate.lib.api import ok
from paygate.lib.serializers import render
from paygate.lib.viewsets import ScopedViewSet
from payments import selectors, services
from payments import serializers as s
from payments.filters import LedgerFilter, OrderFilter, PaymentFilter, PayoutFilter, RefundFilter
from payments.idempotency import idempotent
from payments.models import LedgerEntry, Order, Payment, Payout, Refund

ALL_ROLES = frozenset({Role.ADMIN, Role.FINANCE, Role.MERCHANT})
CREATORS = frozenset({Role.ADMIN, Role.MERCHANT})
OPERATORS = frozenset({Role.ADMIN, Role.FINANCE})
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Up to 255 characters; kept 24 hours. A repeat replays the first answer.",
)  # fmt: skip


def merchant_for_create(request: Request, merchant_id: str | None) -> Merchant:
    """Merchants act for themselves; admins name the merchant they act for."""
    user = request.user
    if user.role == Role.MERCHANT:
        if merchant_id and merchant_id != user.merchant.public_id:
            raise ValidationError({"merchant_id": ["Only admins choose the merchant."]})
        return user.merchant
    if not merchant_id:
        raise ValidationError({"merchant_id": ["Admins must say which merchant this is for."]})
    return get_object_or_404(Merchant.objects.all(), public_id=merchant_id)


# --- orders -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["orders"], summary="List orders"),
    retrieve=extend_schema(tags=["orders"], summary="Get an order"),
)
class OrderViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = Order
    serializer_class = s.OrderOutput
    filterset_class = OrderFilter
    action_roles = {"create": CREATORS, "cancel": CREATORS}

    def scoped_queryset(self, user: Any) -> QuerySet[Order]:
        return selectors.order_list(user=user)

    @extend_schema(
        tags=["orders"], summary="Create an order", request=s.OrderCreateInput,
        responses={201: s.OrderOutput}, parameters=[IDEMPOTENCY_HEADER],
    )  # fmt: skip
    def create(self, request: Request) -> Response:
        def handler() -> Response:
            data = s.OrderCreateInput(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            merchant = merchant_for_create(request, fields.pop("merchant_id", None))
            fields["expires_at"] = fields.pop("expire_by", None)
            order = services.order_create(merchant=merchant, actor=request.user, **fields)
            return Response(render(s.OrderOutput, order), status=status.HTTP_201_CREATED)

        return idempotent(request, handler)

    @extend_schema(tags=["orders"], summary="The order's payments", responses={200: s.PaymentOutput(many=True)})
    @action(detail=True, methods=["get"], filterset_class=None)
    def payments(self, request: Request, id: str) -> Response:
        order = self.get_object()
        payments = selectors.order_payments(order=order)
        page = self.paginate_queryset(payments)
        return self.get_paginated_response(s.PaymentOutput(page, many=True).data)

    @extend_schema(
        tags=["orders"], summary="Cancel an unpaid order", request=s.EmptyInput, responses={200: s.OrderOutput},
        description="From `created` or `attempted`, while no payment of the order is in progress; 409 "
        "`INVALID_STATE_TRANSITION` otherwise. A canceled order cannot be paid.",
    )  # fmt: skip
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, id: str) -> Response:
        s.EmptyInput(data=request.data).is_valid(raise_exception=True)
        order = services.order_cancel(order=self.get_object(), actor=request.user)
        return Response(render(s.OrderOutput, order))


# --- payments -----------------------------------------------------------------------------------


def payment_detail(payment: Payment) -> dict[str, Any]:
    return render(s.PaymentDetailOutput, selectors.payment_with_details(payment=payment))


@extend_schema_view(
    list=extend_schema(tags=["payments"], summary="List payments"),
)
class PaymentViewSet(ScopedViewSet, mixins.ListModelMixin):
    model = Payment
    serializer_class = s.PaymentOutput
    filterset_class = PaymentFilter
    action_roles = {
        "create": CREATORS,
        "destroy": frozenset({Role.ADMIN}),
        "retry": CREATORS,
        "review": OPERATORS,
        "attempts": OPERATORS,
    }

    def scoped_queryset(self, user: Any) -> QuerySet[Payment]:
        return selectors.payment_list(user=user)

    @extend_schema(
        tags=["payments"],
        summary="Get a payment with its attempts, refunds and timeline",
        responses={200: s.PaymentDetailOutput},
    )
    def retrieve(self, request: Request, id: str) -> Response:
        return Response(render(s.PaymentDetailOutput, selectors.payment_detail_get(user=request.user, payment_id=id)))

    @extend_schema(
        tags=["payments"], summary="Pay an order (card or UPI)", request=s.PaymentCreateInput,
        responses={201: s.PaymentDetailOutput}, parameters=[IDEMPOTENCY_HEADER],
        description="With the immediate task backend the answer carries the final status; with the "
        "database backend it answers `processing` and a worker finishes the payment.",
    )  # fmt: skip
    def create(self, request: Request) -> Response:
        def handler() -> Response:
            data = s.PaymentCreateInput(data=request.data)
            data.is_valid(raise_exception=True)
            v = data.validated_data
            order = selectors.order_ref(user=request.user, order_id=v["order_id"])
            card = v.get("card")
            payment = services.payment_create(
                order=order,
                method=v["method"],
                region=v["region"],
                card=services.CardDetails(
                    number=card["number"], exp_month=card["exp_month"], exp_year=card["exp_year"], name=card["name"]
                )
                if card
                else None,
                vpa=v.get("vpa", ""),
                customer=services.Customer(**v["customer"]) if v.get("customer") else None,
                actor=request.user,
            )
            # Answered from the payment in hand: its attempts and (no) refunds are set by the service.
            payment = selectors.payment_with_timeline(payment=payment)
            return Response(render(s.PaymentDetailOutput, payment), status=status.HTTP_201_CREATED)

        return idempotent(request, handler)

    @extend_schema(tags=["payments"], summary="Soft-delete a payment (admins)", responses={204: None})
    def destroy(self, request: Request, id: str) -> Response:
        services.payment_soft_delete(payment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=["payments"],
        summary="Capture an authorized payment",
        request=s.CaptureInput,
        responses={200: s.PaymentDetailOutput},
    )
    @action(detail=True, methods=["post"])
    def capture(self, request: Request, id: str) -> Response:
        data = s.CaptureInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_capture(
            payment=self.get_object(), amount=data.validated_data.get("amount"), actor=request.user
        )
        return Response(payment_detail(payment))

    @extend_schema(
        tags=["payments"],
        summary="Cancel (void) an uncaptured payment",
        request=s.EmptyInput,
        responses={200: s.PaymentDetailOutput},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, id: str) -> Response:
        s.EmptyInput(data=request.data).is_valid(raise_exception=True)
        payment = services.payment_cancel(payment=self.get_object(), actor=request.user)
        return Response(payment_detail(payment))

    @extend_schema(
        tags=["payments"],
        summary="Retry a payment that failed softly",
        request=s.EmptyInput,
        responses={200: s.PaymentDetailOutput},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, id: str) -> Response:
        s.EmptyInput(data=request.data).is_valid(raise_exception=True)
        payment = services.payment_retry(payment=self.get_object(), actor=request.user)
        return Response(payment_detail(payment))

    @extend_schema(
        tags=["payments"],
        summary="Approve or reject a payment in review (admin, finance)",
        request=s.ReviewInput,
        responses={200: s.PaymentDetailOutput},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, id: str) -> Response:
        data = s.ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_review(
            payment=self.get_object(),
            approve=data.validated_data["decision"] == "approve",
            note=data.validated_data["note"],
            actor=request.user,
        )
        return Response(payment_detail(payment))

    @extend_schema(
        tags=["payments"], summary="Record a provider attempt by hand (admin, finance)", request=s.AttemptInput,
        responses={201: s.PaymentDetailOutput},
        description="For a payment stuck in processing: the attempt joins its routing history and decides it.",
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def attempts(self, request: Request, id: str) -> Response:
        data = s.AttemptInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_record_attempt(payment=self.get_object(), actor=request.user, **data.validated_data)
        return Response(payment_detail(payment), status=status.HTTP_201_CREATED)


# --- refunds ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["refunds"], summary="List refunds"),
    retrieve=extend_schema(tags=["refunds"], summary="Get a refund"),
)
class RefundViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = Refund
    serializer_class = s.RefundOutput
    filterset_class = RefundFilter

    def scoped_queryset(self, user: Any) -> QuerySet[Refund]:
        return selectors.refund_list(user=user)

    @extend_schema(
        tags=["refunds"], summary="Refund a captured payment (all or part)", request=s.RefundCreateInput,
        responses={201: s.RefundOutput}, parameters=[IDEMPOTENCY_HEADER],
    )  # fmt: skip
    def create(self, request: Request) -> Response:
        def handler() -> Response:
            data = s.RefundCreateInput(data=request.data)
            data.is_valid(raise_exception=True)
            v = data.validated_data
            payment = selectors.payment_ref(user=request.user, payment_id=v["payment_id"])
            refund = services.refund_create(
                payment=payment, amount=v.get("amount"), reason=v["reason"], actor=request.user
            )
            # As the service left it: settled already with the immediate backend, else pending.
            return Response(render(s.RefundOutput, refund), status=status.HTTP_201_CREATED)

        return idempotent(request, handler)


# --- balance, ledger, payouts -----------------------------------------------------------------


class BalanceView(APIView):
    @extend_schema(
        tags=["balance"], summary="Balances per currency", responses={200: s.BalanceOutput(many=True)},
        parameters=[OpenApiParameter("merchant_id", str, description="Operators: whose balance (required for them).")],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        merchant = selectors.balance_merchant_for(
            user=request.user, merchant_id=request.query_params.get("merchant_id")
        )
        return ok(selectors.balances(merchant=merchant))


@extend_schema_view(list=extend_schema(tags=["balance"], summary="Ledger entries"))
class LedgerViewSet(ScopedViewSet, mixins.ListModelMixin):
    model = LedgerEntry
    serializer_class = s.LedgerEntryOutput
    filterset_class = LedgerFilter

    def scoped_queryset(self, user: Any) -> QuerySet[LedgerEntry]:
        return selectors.ledger_list(user=user)


@extend_schema_view(
    list=extend_schema(tags=["payouts"], summary="List payouts"),
    retrieve=extend_schema(tags=["payouts"], summary="Get a payout"),
)
class PayoutViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = Payout
    serializer_class = s.PayoutOutput
    filterset_class = PayoutFilter
    action_roles = {"create": frozenset({Role.MERCHANT})}

    def scoped_queryset(self, user: Any) -> QuerySet[Payout]:
        return selectors.payout_list(user=user)

    @extend_schema(
        tags=["payouts"], summary="Pay out the available balance", request=s.PayoutCreateInput,
        responses={201: s.PayoutOutput}, parameters=[IDEMPOTENCY_HEADER],
    )  # fmt: skip
    def create(self, request: Request) -> Response:
        def handler() -> Response:
            data = s.PayoutCreateInput(data=request.data)
            data.is_valid(raise_exception=True)
            payout = services.payout_create(merchant=request.user.merchant, actor=request.user, **data.validated_data)
            return Response(render(s.PayoutOutput, payout), status=status.HTTP_201_CREATED)

        return idempotent(request, handler)
