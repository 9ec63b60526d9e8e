"""Products and payment links in the API: merchants manage their own, admins on a merchant's
behalf, finance may only look; another merchant's id answers 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from paygate.lib.serializers import render
from paygate.lib.viewsets import ScopedViewSet
from payments import catalog, selectors
from payments import serializers as s
from payments.api import CREATORS, IDEMPOTENCY_HEADER, merchant_for_create
from payments.idempotency import idempotent
from payments.models import PaymentLink, Product


@extend_schema_view(
    list=extend_schema(tags=["products"], summary="List products"),
    retrieve=extend_schema(tags=["products"], summary="Get a product"),
)
class ProductViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = Product
    serializer_class = s.ProductOutput
    action_roles = {"create": CREATORS, "partial_update": CREATORS, "destroy": CREATORS}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, user: Any) -> QuerySet[Product]:
        return selectors.product_list(user=user)

    @extend_schema(
        tags=["products"], summary="Create a product", request=s.ProductCreateInput,
        responses={201: s.ProductOutput}, parameters=[IDEMPOTENCY_HEADER],
    )  # fmt: skip
    def create(self, request: Request) -> Response:
        def handler() -> Response:
            data = s.ProductCreateInput(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            merchant = merchant_for_create(request, fields.pop("merchant_id", None))
            product = catalog.product_create(merchant=merchant, actor=request.user, **fields)
            return Response(render(s.ProductOutput, product), status=status.HTTP_201_CREATED)

        return idempotent(request, handler)

    @extend_schema(
        tags=["products"],
        summary="Change a product (name, price, stock, active)",
        request=s.ProductUpdateInput,
        responses={200: s.ProductOutput},
        description="`stock: null` makes it unlimited. The new stock replaces the count under the product's lock.",
    )
    def partial_update(self, request: Request, id: str) -> Response:
        data = s.ProductUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = catalog.product_update(product=self.get_object(), actor=request.user, **data.validated_data)
        return Response(render(s.ProductOutput, product))

    @extend_schema(tags=["products"], summary="Delete a product (soft: its orders keep it)", responses={204: None})
    def destroy(self, request: Request, id: str) -> Response:
        catalog.product_soft_delete(product=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(tags=["payment links"], summary="List payment links"),
    retrieve=extend_schema(tags=["payment links"], summary="Get a payment link"),
)
class PaymentLinkViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = PaymentLink
    serializer_class = s.PaymentLinkOutput
    action_roles = {"create": CREATORS, "deactivate": CREATORS}

    def scoped_queryset(self, user: Any) -> QuerySet[PaymentLink]:
        return selectors.payment_link_list(user=user)

    @extend_schema(
        tags=["payment links"], summary="Create a payment link for a product or a fixed amount",
        request=s.PaymentLinkCreateInput, responses={201: s.PaymentLinkOutput}, parameters=[IDEMPOTENCY_HEADER],
    )  # fmt: skip
    def create(self, request: Request) -> Response:
        def handler() -> Response:
            data = s.PaymentLinkCreateInput(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            merchant = merchant_for_create(request, fields.pop("merchant_id", None))
            product_id = fields.pop("product_id", None)
            product = (
                get_object_or_404(Product.objects.filter(merchant=merchant), public_id=product_id)
                if product_id
                else None
            )
            link = catalog.payment_link_create(merchant=merchant, product=product, actor=request.user, **fields)
            return Response(render(s.PaymentLinkOutput, link), status=status.HTTP_201_CREATED)

        return idempotent(request, handler)

    @extend_schema(
        tags=["payment links"],
        summary="Deactivate a payment link",
        request=s.EmptyInput,
        responses={200: s.PaymentLinkOutput},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, id: str) -> Response:
        s.EmptyInput(data=request.data).is_valid(raise_exception=True)
        link = catalog.payment_link_deactivate(link=self.get_object(), actor=request.user)
        return Response(render(s.PaymentLinkOutput, link))
