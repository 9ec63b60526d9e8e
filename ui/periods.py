"""The dashboards' period picker (portal and ops): today, the last 7 or 30 days, or two dates —
whole UTC days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

PERIODS = {"today": "Today", "7d": "7 days", "30d": "30 days", "custom": "Custom"}
MAX_DAYS = 366


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=list(PERIODS.items()), required=False)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "custom":
            since, until = data.get("since"), data.get("until")
            if not since or not until:
                self.add_error("since" if not since else "until", "Pick both dates for a custom period.")
            elif since > until:
                self.add_error("until", "The end date is before the start date.")
            elif (until - since).days >= MAX_DAYS:
                self.add_error("until", f"A period may be at most {MAX_DAYS} days.")
        return data


@dataclass(frozen=True)
class Period:
    key: str
    since: datetime
    until: datetime

    @property
    def label(self) -> str:
        last = (self.until - timedelta(microseconds=1)).date()
        first = self.since.date()
        return f"{first:%d %b %Y}" if first == last else f"{first:%d %b} – {last:%d %b %Y}"


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def period_of(form: PeriodForm, *, default: str) -> Period:
    """Whole UTC days, today included; `default` when none (or an invalid one) was chosen."""
    today = timezone.now().astimezone(UTC).date()
    tomorrow = midnight(today + timedelta(days=1))
    key = (form.cleaned_data.get("period") or default) if form.is_valid() else default
    if key == "custom":
        return Period(
            key, midnight(form.cleaned_data["since"]), midnight(form.cleaned_data["until"] + timedelta(days=1))
        )
    days = {"today": 1, "7d": 7, "30d": 30}[key]
    return Period(key, tomorrow - timedelta(days=days), tomorrow)
