"""List filters (django-filter): status, currency, region, method, provider, merchant (operators),
date and amount ranges, search and sorting."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet

from merchants.filters import MerchantIdFilter
from paygate.lib.filters import UtcIsoDateTimeFilter
from paygate.lib.ids import has_prefix
from paygate.lib.money import CURRENCY_CHOICES
from payments.models import LedgerEntryType, Method, Order, OrderStatus, PaymentStatus, RefundStatus, Region


class _Base(filters.FilterSet):
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    merchant_id = MerchantIdFilter()


AMOUNT_SORT_NEEDS_CURRENCY = (
    "Sorting by amount needs `currency`: amounts are integers in one currency's minor unit, so they "
    "only compare within a currency (add e.g. currency=GBP)."
)


class _AmountSortForm(forms.Form):
    """Refuses `sort=amount|-amount` without `currency`.

    Across currencies the order means nothing (¥1,000 is 1000 and sorts above £9.99, which is
    999), and it is also what no index can serve: a currency's largest payments sit among every
    other currency's, so a filter correlated with currency (`method=upi`, `region=`) read millions
    of index entries to fill a page (3.9 s). Within one currency, (currency, amount) indexes give
    the page directly."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(term.lstrip("-") == "amount" for term in data.get("sort") or []) and not data.get("currency"):
            self.add_error("sort", AMOUNT_SORT_NEEDS_CURRENCY)
        return data


class _Money(_Base):
    class Meta:
        form = _AmountSortForm

    currency = filters.ChoiceFilter(choices=CURRENCY_CHOICES)
    amount_min = filters.NumberFilter(field_name="amount", lookup_expr="gte")
    amount_max = filters.NumberFilter(field_name="amount", lookup_expr="lte")
    sort = filters.OrderingFilter(
        fields=(("created_at", "created"), ("amount", "amount")),
        help_text="created, -created (default), amount, -amount; the amount sorts need `currency`.",
    )


class OrderFilter(_Money):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    receipt = filters.CharFilter()
    q = filters.CharFilter(method="search", help_text="Order id, or receipt (exact, as the merchant wrote it).")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """One indexed look-up: by id, or by receipt as payments' search does (order_receipt_idx).
        A case-insensitive receipt could use no index and scanned a million orders (1.2 s)."""
        value = value.strip()
        return queryset.filter(public_id=value) if has_prefix(value, "order") else queryset.filter(receipt=value)


class PaymentFilter(_Money):
    status = filters.ChoiceFilter(choices=PaymentStatus.choices)
    region = filters.ChoiceFilter(choices=Region.choices)
    method = filters.ChoiceFilter(choices=Method.choices)
    provider = filters.CharFilter()
    order_id = filters.CharFilter(field_name="order__public_id")
    q = filters.CharFilter(
        method="search",
        help_text="A payment or order id, a customer email or full name (any case), a receipt, or card last4.",
    )

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Each kind of term is one indexed look-up, so search stays fast on millions of payments."""
        value = value.strip()
        if has_prefix(value, "pay"):
            return queryset.filter(public_id=value)
        if has_prefix(value, "order"):
            return queryset.filter(order__public_id=value)
        if "@" in value:
            return queryset.filter(customer_email__iexact=value)
        if value.isdigit() and len(value) == 4:
            return queryset.filter(card_last4=value)
        # A receipt or a name: the orders' receipts first (indexed), then one indexed OR on payments.
        order_ids = list(Order.objects.filter(receipt=value).values_list("pk", flat=True)[:100])
        return queryset.filter(Q(customer_name__iexact=value) | Q(order_id__in=order_ids))


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
