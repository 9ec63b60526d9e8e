"""Stats and analytics API: validate the query → resolve the scope → one selector → output serializer.

Who sees what (DESIGN §3): `merchants/stats/` is a merchant's own; `admin/stats/` and
`admin/merchants/` are for admin and finance; `analytics/*` answers every role, a merchant only
about itself (naming another merchant answers 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import selectors
from analytics import serializers as s
from analytics.selectors import StatsScope
from merchants.models import Merchant
from paygate.lib.api import ok
from paygate.lib.permissions import IsMerchant, IsOperator
from paygate.lib.schema import ErrorEnvelopeSerializer

UNKNOWN_MERCHANT = OpenApiResponse(
    ErrorEnvelopeSerializer, description="`merchant_id` is unknown or not yours (code 1009)."
)
RANGE_NOTE = (
    "The period defaults to the last 30 days (`since`/`until`, ISO 8601). 400 with code 1019 when "
    "`since` is not before `until`."
)


class _ScopedView(APIView):
    """Reads `since`, `until`, `currency` (and `merchant_id` where the query has it) into a scope."""

    permission_classes = [IsAuthenticated]
    query_serializer: type[s.PeriodQuery] = s.ScopedQuery
    default_days: int | None = selectors.DEFAULT_ANALYTICS_DAYS
    max_days: int | None = None

    def scope(self, request: Request) -> StatsScope:
        query = self.query_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.stats_scope(
            viewer=request.user, default_days=self.default_days, max_days=self.max_days, **query.validated_data
        )


# --- analytics (every role; merchants see themselves) ----------------------------------------------


class PaymentVolumeView(_ScopedView):
    @extend_schema(
        tags=["analytics"], summary="Payment volume by currency", description=RANGE_NOTE,
        parameters=[s.ScopedQuery], responses={200: s.PaymentVolumeOutput, 404: UNKNOWN_MERCHANT},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        rows = selectors.payment_volume_by_currency(scope=scope)
        return ok(s.PaymentVolumeOutput({**s.scope_data(scope), "currencies": rows}).data)


class PaymentStatusView(_ScopedView):
    @extend_schema(
        tags=["analytics"], summary="Payments by status", description=RANGE_NOTE,
        parameters=[s.ScopedQuery], responses={200: s.PaymentStatusOutput, 404: UNKNOWN_MERCHANT},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        distribution = selectors.payment_status_distribution(scope=scope)
        return ok(s.PaymentStatusOutput({**s.scope_data(scope), **distribution}).data)


class ProviderLatencyView(_ScopedView):
    @extend_schema(
        tags=["analytics"], summary="Provider latency: average, p50, p95", description=RANGE_NOTE,
        parameters=[s.ScopedQuery], responses={200: s.ProviderLatencyOutput, 404: UNKNOWN_MERCHANT},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        rows = selectors.attempt_latency_by_provider(scope=scope)
        return ok(s.ProviderLatencyOutput({**s.scope_data(scope), "providers": rows}).data)


class ProviderSuccessView(_ScopedView):
    @extend_schema(
        tags=["analytics"], summary="Provider success rate by region and by currency", description=RANGE_NOTE,
        parameters=[s.ScopedQuery], responses={200: s.ProviderSuccessOutput, 404: UNKNOWN_MERCHANT},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        rates = selectors.attempt_success_by_provider(scope=scope)
        return ok(s.ProviderSuccessOutput({**s.scope_data(scope), **rates}).data)


class FailureReasonsView(_ScopedView):
    @extend_schema(
        tags=["analytics"], summary="Failed payments by reason", description=RANGE_NOTE,
        parameters=[s.ScopedQuery], responses={200: s.FailureReasonsOutput, 404: UNKNOWN_MERCHANT},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        reasons = selectors.payment_failure_reasons(scope=scope)
        return ok(s.FailureReasonsOutput({**s.scope_data(scope), **reasons}).data)


class TimeseriesView(_ScopedView):
    max_days = selectors.TIMESERIES_MAX_DAYS

    @extend_schema(
        tags=["analytics"], summary="Daily volume, success rate and refunds",
        description=f"{RANGE_NOTE} At most {selectors.TIMESERIES_MAX_DAYS} days (else 400, code 1020).",
        parameters=[s.ScopedQuery], responses={200: s.TimeseriesOutput, 404: UNKNOWN_MERCHANT},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        days = selectors.payment_daily_series(scope=scope)
        return ok(s.TimeseriesOutput({**s.scope_data(scope), "days": days}).data)


class SummaryView(_ScopedView):
    @extend_schema(
        tags=["analytics"], summary="Processing summary: outcomes, failure reasons, fallbacks",
        description=RANGE_NOTE, parameters=[s.ScopedQuery], responses={200: s.SummaryOutput, 404: UNKNOWN_MERCHANT},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        return ok(s.SummaryOutput({**s.scope_data(scope), **selectors.payment_summary(scope=scope)}).data)


# --- stats ---------------------------------------------------------------------------------------------

STATS_NOTE = "All time unless `since`/`until` (ISO 8601) narrow it. 400 with code 1019 for a reversed range."


class MerchantStatsView(_ScopedView):
    permission_classes = [IsAuthenticated, IsMerchant]
    query_serializer = s.PeriodQuery
    default_days = None

    @extend_schema(
        tags=["stats"], summary="Your stats (merchants)", description=STATS_NOTE,
        parameters=[s.PeriodQuery], responses={200: s.MerchantStatsOutput},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        return ok(s.MerchantStatsOutput({**s.scope_data(scope), **selectors.merchant_stats(scope=scope)}).data)


class PlatformStatsView(_ScopedView):
    permission_classes = [IsAuthenticated, IsOperator]
    default_days = None

    @extend_schema(
        tags=["stats"], summary="Global or one merchant's stats (admin, finance)", description=STATS_NOTE,
        parameters=[s.ScopedQuery], responses={200: s.PlatformStatsOutput, 404: UNKNOWN_MERCHANT},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        return ok(s.PlatformStatsOutput({**s.scope_data(scope), **selectors.platform_stats(scope=scope)}).data)


class MerchantListView(GenericAPIView):
    """Operators' list of merchants, each with its stats for the period (a page at a time)."""

    permission_classes = [IsAuthenticated, IsOperator]
    serializer_class = s.MerchantListItemOutput
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Merchant.objects.none()
        return selectors.merchant_list(viewer=self.request.user)

    @extend_schema(
        tags=["stats"], summary="Merchants with their stats (admin, finance)", description=STATS_NOTE,
        parameters=[s.PeriodQuery], responses={200: s.MerchantListItemOutput(many=True)},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = s.PeriodQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = selectors.stats_scope(viewer=request.user, **query.validated_data)
        page: list[Merchant] = self.paginate_queryset(self.get_queryset())
        stats = selectors.merchant_page_stats(scope=scope, merchants=page)
        rows = [_merchant_row(merchant, stats[merchant.pk]) for merchant in page]
        return self.get_paginated_response(s.MerchantListItemOutput(rows, many=True).data)


def _merchant_row(merchant: Merchant, stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": merchant.public_id,
        "business_name": merchant.business_name,
        "email": merchant.user.email,
        "auto_capture": merchant.auto_capture,
        "created_at": merchant.created_at,
        **stats,
        "balance": [{"currency": b.currency, "available": b.available} for b in merchant.balances.all()],
    }
