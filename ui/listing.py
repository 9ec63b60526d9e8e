"""List filters for the web pages (portal and ops), translated to the API's FilterSets so a page
filters exactly like the API.

A person types dates and amounts in major units; the API takes ISO date-times and minor units.
The query string keeps the person's words (a shared link or the back button shows the same list).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django_filters import FilterSet

from paygate.lib.money import CURRENCIES, MoneyError, to_minor
from payments.models import Method, OrderStatus, PaymentStatus, RefundStatus, Region
from ui.periods import midnight

SORTS = {"newest": "-created", "oldest": "created", "amount_desc": "-amount", "amount_asc": "amount"}
SORT_CHOICES = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("amount_desc", "Largest amount"),
    ("amount_asc", "Smallest amount"),
]
CURRENCY_CHOICES = [("", "Any currency")] + [(code, code) for code in sorted(CURRENCIES)]


def _choices(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


class ListForm(forms.Form):
    """What every list shares: search, currency, dates, amounts, sort, page size."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    currency = forms.ChoiceField(label="Currency", required=False, choices=CURRENCY_CHOICES)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount_min = forms.CharField(label="Min amount", required=False, max_length=20)
    amount_max = forms.CharField(label="Max amount", required=False, max_length=20)
    sort = forms.ChoiceField(label="Sort", required=False, choices=SORT_CHOICES)
    limit = forms.TypedChoiceField(
        label="Per page", required=False, coerce=int, choices=[(20, "20"), (50, "50"), (100, "100")]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        if (data.get("sort") or "").startswith("amount") and not data.get("currency"):
            self.add_error("sort", "Choose a currency to sort by amount (amounts compare only within one).")
        currency = data.get("currency") or "USD"  # without a currency, amounts are read with two decimals
        for name in ("amount_min", "amount_max"):
            raw = data.get(name)
            if raw:
                try:
                    data[name] = to_minor(raw, currency)
                except MoneyError as exc:
                    self.add_error(name, str(exc))
        return data

    def api_params(self) -> dict[str, Any]:
        """The FilterSet's parameters for what was typed (call after is_valid)."""
        data = getattr(self, "cleaned_data", {})
        params: dict[str, Any] = {"sort": SORTS[data.get("sort") or "newest"]}
        for name in ("q", "currency", "amount_min", "amount_max"):
            if data.get(name) not in (None, ""):
                params[name] = data[name]
        if data.get("date_from"):
            params["created_after"] = midnight(data["date_from"]).isoformat()
        if data.get("date_to"):
            params["created_before"] = midnight(data["date_to"] + timedelta(days=1)).isoformat()
        for name in self.extra_filters:
            if data.get(name):
                params[name] = data[name]
        return params

    extra_filters: tuple[str, ...] = ()


class PaymentListForm(ListForm):
    # The filter bar's order (`components/_list_filters.html`); the console's merchant filter too.
    field_order = [
        "q", "merchant_id", "status", "currency", "method", "region", "provider",
        "date_from", "date_to", "amount_min", "amount_max", "sort", "limit",
    ]  # fmt: skip
    status = forms.ChoiceField(label="Status", required=False, choices=_choices("Any status", PaymentStatus.choices))
    method = forms.ChoiceField(label="Method", required=False, choices=_choices("Any method", Method.choices))
    region = forms.ChoiceField(label="Region", required=False, choices=_choices("Any region", Region.choices))
    provider = forms.ChoiceField(
        label="Provider",
        required=False,
        choices=[("", "Any provider"), ("stripe", "Stripe"), ("paypal", "PayPal"), ("adyen", "Adyen")],
    )
    extra_filters = ("status", "method", "region", "provider")


class OrderListForm(ListForm):
    status = forms.ChoiceField(label="Status", required=False, choices=_choices("Any status", OrderStatus.choices))
    extra_filters = ("status",)


class RefundListForm(ListForm):
    status = forms.ChoiceField(label="Status", required=False, choices=_choices("Any status", RefundStatus.choices))
    extra_filters = ("status",)


def filtered(
    form_class: type[ListForm], filterset_class: type[FilterSet], queryset: QuerySet, params: QueryDict
) -> tuple[ListForm, QuerySet]:
    """The list form bound to the query string and the queryset it selects. Invalid input shows
    beside its field and leaves the list unfiltered by it."""
    form = form_class(params)
    form.is_valid()  # the fields that are valid still filter
    filterset = filterset_class(form.api_params(), queryset=queryset)
    return form, filterset.qs
