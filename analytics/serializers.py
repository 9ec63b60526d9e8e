"""Query parameters and response shapes of the stats and analytics API. Money is integer minor
units, always next to its currency: amounts in different currencies are never added together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.selectors import StatsScope
from payments.models import FailureReason, PaymentStatus, Region
from payments.serializers import CurrencyField

# --- query parameters -------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "example": "2026-01-31T00:00:00Z"})
class RangeBoundField(serializers.Field):
    """An ISO 8601 date-time (UTC if no offset is given) or a date. A date means its midnight
    (UTC); for `until`, the end of that day, so `since=2026-01-01&until=2026-01-31` is January."""

    default_error_messages = {"invalid": "Use an ISO 8601 date (2026-01-31) or date-time (2026-01-31T09:30:00Z)."}

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime:
        text = str(data).strip()
        try:
            # A bare date first: parse_datetime would read "2026-01-31" as its midnight too.
            day = parse_date(text)
            moment = None if day else parse_datetime(text)
        except ValueError:
            self.fail("invalid")
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if day is None:
            self.fail("invalid")
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if self.end_of_day else start

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class PeriodQuery(serializers.Serializer):
    since = RangeBoundField(required=False, help_text="Start of the period, inclusive (ISO 8601).")
    until = RangeBoundField(
        required=False, end_of_day=True, help_text="End of the period, exclusive (ISO 8601; a date includes that day)."
    )
    currency = CurrencyField(required=False, help_text="Only this currency (ISO 4217).")


class ScopedQuery(PeriodQuery):
    merchant_id = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Operators: one merchant (mer_…). Merchants may only name themselves; another id answers 404.",
    )


# --- responses ---------------------------------------------------------------------------------------


class ScopeOutput(serializers.Serializer):
    since = serializers.DateTimeField(allow_null=True, help_text="Start of the period (inclusive); null: no limit.")
    until = serializers.DateTimeField(allow_null=True, help_text="End of the period (exclusive); null: no limit.")
    merchant_id = serializers.CharField(allow_null=True, help_text="The merchant the figures are about; null: all.")
    currency = serializers.CharField(allow_null=True, help_text="The only currency counted; null: all.")


def scope_data(scope: StatsScope) -> dict[str, Any]:
    return {"since": scope.since, "until": scope.until, "merchant_id": scope.merchant_id, "currency": scope.currency}


class CurrencyAmountOutput(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.IntegerField(help_text="Minor units of the currency.")


class VolumeRowOutput(serializers.Serializer):
    currency = serializers.CharField()
    payments = serializers.IntegerField()
    successful = serializers.IntegerField(help_text="Authorized, captured or (partially) refunded.")
    amount = serializers.IntegerField(help_text="Sum of the payments' amounts, minor units.")
    captured = serializers.IntegerField(help_text="Sum captured, minor units.")
    refunded = serializers.IntegerField(help_text="Sum refunded, minor units.")
    net = serializers.IntegerField(help_text="Captured minus refunded, minor units.")


class PaymentVolumeOutput(ScopeOutput):
    currencies = VolumeRowOutput(many=True)


class StatusRowOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="Of all payments in scope, 0–1.")


class PaymentStatusOutput(ScopeOutput):
    total = serializers.IntegerField()
    statuses = StatusRowOutput(many=True)


class LatencyRowOutput(serializers.Serializer):
    provider = serializers.CharField()
    attempts = serializers.IntegerField()
    avg_ms = serializers.FloatField()
    p50_ms = serializers.FloatField(help_text="Median latency (continuous percentile).")
    p95_ms = serializers.FloatField(help_text="95th percentile latency (continuous percentile).")


class ProviderLatencyOutput(ScopeOutput):
    providers = LatencyRowOutput(many=True)


class _SuccessRowOutput(serializers.Serializer):
    provider = serializers.CharField()
    attempts = serializers.IntegerField()
    successful = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True, help_text="successful / attempts, 0–1.")


class SuccessByRegionOutput(_SuccessRowOutput):
    region = serializers.ChoiceField(choices=Region.choices)


class SuccessByCurrencyOutput(_SuccessRowOutput):
    currency = serializers.CharField()


class ProviderSuccessOutput(ScopeOutput):
    by_region = SuccessByRegionOutput(many=True)
    by_currency = SuccessByCurrencyOutput(many=True)


class ReasonRowOutput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FailureReason.choices, allow_null=True)
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="Of the failed payments, 0–1.")


class FailureReasonsOutput(ScopeOutput):
    failed = serializers.IntegerField()
    reasons = ReasonRowOutput(many=True)


class DayOutput(serializers.Serializer):
    date = serializers.DateField(help_text="UTC day.")
    payments = serializers.IntegerField()
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True, help_text="successful / (successful + failed).")
    volume = CurrencyAmountOutput(many=True, help_text="Captured, per currency.")
    refunds = serializers.IntegerField(help_text="Processed refunds created that day.")
    refunded = CurrencyAmountOutput(many=True, help_text="Their amounts, per currency.")


class TimeseriesOutput(ScopeOutput):
    days = DayOutput(many=True)


class FallbackOutput(serializers.Serializer):
    payments = serializers.IntegerField(help_text="Payments that reached a provider.")
    fallbacks = serializers.IntegerField(help_text="Of those, payments that needed more than one provider.")
    rate = serializers.FloatField(allow_null=True)


class SummaryOutput(ScopeOutput):
    total = serializers.IntegerField()
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()
    refunded = serializers.IntegerField(help_text="Payments refunded in full or in part.")
    in_review = serializers.IntegerField()
    processing = serializers.IntegerField()
    canceled = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True, help_text="successful / (successful + failed).")
    failure_reasons = ReasonRowOutput(many=True)
    fallback = FallbackOutput()


class BalanceRowOutput(serializers.Serializer):
    currency = serializers.CharField()
    available = serializers.IntegerField(help_text="Minor units; may be negative after refunds.")


class _PaymentCountsOutput(serializers.Serializer):
    orders = serializers.IntegerField()
    payments = serializers.IntegerField()
    successful_payments = serializers.IntegerField()
    failed_payments = serializers.IntegerField()
    canceled_payments = serializers.IntegerField()
    refunds = serializers.IntegerField(help_text="Processed refunds.")


class _StatsOutput(ScopeOutput, _PaymentCountsOutput):
    refunded = CurrencyAmountOutput(many=True, help_text="Processed refunds' amounts, per currency.")


class MerchantStatsOutput(_StatsOutput):
    balance = BalanceRowOutput(many=True, help_text="Available balance now, per currency.")


class PlatformStatsOutput(_StatsOutput):
    merchants = serializers.IntegerField()
    admins = serializers.IntegerField()
    finance_users = serializers.IntegerField()


class CapturedOutput(serializers.Serializer):
    currency = serializers.CharField()
    captured = serializers.IntegerField(help_text="Minor units.")


class _MerchantOutput(serializers.Serializer):
    id = serializers.CharField()
    business_name = serializers.CharField()
    email = serializers.EmailField()
    auto_capture = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class MerchantListItemOutput(_MerchantOutput, _PaymentCountsOutput):
    volume = CapturedOutput(many=True, help_text="Captured in the period, per currency.")
    balance = BalanceRowOutput(many=True, help_text="Available balance now, per currency.")
