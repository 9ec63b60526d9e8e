"""List filters (django-filter): status, currency, region, method, provider, merchant (operators),
date and amount ranges, search and sorting."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet

from paygate.lib.filters import UtcIsoDateTimeFilter
from paygate.lib.money import CURRENCY_CHOICES
from payments.models import LedgerEntryType, Method, OrderStatus, PaymentStatus, RefundStatus, Region


class _Base(filters.FilterSet):
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    merchant_id = filters.CharFilter(field_name="merchant__public_id", help_text="Operators: one merchant's rows.")


class _Money(_Base):
    currency = filters.ChoiceFilter(choices=CURRENCY_CHOICES)
    amount_min = filters.NumberFilter(field_name="amount", lookup_expr="gte")
    amount_max = filters.NumberFilter(field_name="amount", lookup_expr="lte")
    sort = filters.OrderingFilter(
        fields=(("created_at", "created"), ("amount", "amount")),
        help_text="created, -created (default), amount, -amount.",
    )


class OrderFilter(_Money):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    receipt = filters.CharFilter()
    q = filters.CharFilter(method="search", help_text="Order id or receipt.")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(public_id=value) | Q(receipt__iexact=value))


class PaymentFilter(_Money):
    status = filters.ChoiceFilter(choices=PaymentStatus.choices)
    region = filters.ChoiceFilter(choices=Region.choices)
    method = filters.ChoiceFilter(choices=Method.choices)
    provider = filters.CharFilter()
    order_id = filters.CharFilter(field_name="order__public_id")
    q = filters.CharFilter(
        method="search", help_text="Payment or order id, customer name or email, receipt, or card last4."
    )

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        condition = (
            Q(public_id=value)
            | Q(order__public_id=value)
            | Q(customer_email__iexact=value)
            | Q(customer_name__icontains=value)
            | Q(order__receipt__iexact=value)
        )
        if value.isdigit() and len(value) == 4:
            condition |= Q(card_last4=value)
        return queryset.filter(condition)


class RefundFilter(_Money):
    status = filters.ChoiceFilter(choices=RefundStatus.choices)
    payment_id = filters.CharFilter(field_name="payment__public_id")


class LedgerFilter(_Base):
    currency = filters.ChoiceFilter(choices=CURRENCY_CHOICES)
    currency = filters.ChoiceFilter(choices=CURRENCY_CHOICES)
    type = filters.ChoiceFilter(choices=LedgerEntryType.choices)
    reference = filters.CharFilter()


class PayoutFilter(_Money):
    pass


class EventFilter(_Base):
    type = filters.CharFilter(help_text="Exact event type, e.g. payment.captured.")
    object_id = filters.CharFilter(help_text="Public id of the object, e.g. pay_…")
