"""The `merchant_id` list filter, shared by every app's FilterSets."""

from __future__ import annotations

import django_filters as filters
from django.db.models import QuerySet, Subquery

from merchants.models import Merchant


class MerchantIdFilter(filters.CharFilter):
    """Operators narrow a list to one merchant by its public id.

    As `visible_to` does, the id becomes `merchant_id = (SELECT id FROM merchants WHERE public_id = …)`,
    computed once, rather than a join on the merchants table: the (merchant, …) indexes then give
    the rows already in the list's order (a join loses that order and the page is sorted from all
    the merchant's rows). An unknown id matches nothing.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("help_text", "Operators: one merchant's rows.")
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.filter(merchant_id=Subquery(Merchant._base_manager.filter(public_id=value).values("pk")[:1]))
