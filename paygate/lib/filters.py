"""Filter pieces shared by the list endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters as filters
from django import forms
from django_filters.fields import IsoDateTimeField

MAX_UTC_OFFSET = timedelta(hours=14)  # the widest real offset; databases refuse much wider ones


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with a real-world UTC offset, normalised to UTC (no overflow at the edges of time)."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError("The UTC offset must be between -14:00 and +14:00.")
        try:
            return parsed.astimezone(UTC) if offset is not None else parsed.replace(tzinfo=UTC)
        except OverflowError:
            raise forms.ValidationError("The date is out of range.") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "ISO 8601 date-time (from: inclusive, before: exclusive); offsets become UTC.")
        super().__init__(*args, **kwargs)
