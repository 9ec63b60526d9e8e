"""List filters of deliveries (status, event type, event) and events (type, object), both by merchant
(operators) and creation date."""

from __future__ import annotations

import django_filters as filters

from merchants.filters import MerchantIdFilter
from paygate.lib.filters import UtcIsoDateTimeFilter
from webhooks.events import EVENT_TYPE_CHOICES
from webhooks.models import DeliveryStatus


class DeliveryFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = filters.ChoiceFilter(field_name="event__type", choices=EVENT_TYPE_CHOICES)
    event_id = filters.CharFilter(field_name="event__public_id", help_text="Public id of the event, evt_…")
    merchant_id = MerchantIdFilter()
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")


class EventFilter(filters.FilterSet):
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    merchant_id = MerchantIdFilter()
    type = filters.CharFilter(help_text="Exact event type, e.g. payment.captured.")
    object_id = filters.CharFilter(help_text="Public id of the object, e.g. pay_…")
