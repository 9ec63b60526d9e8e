"""Dashboard: the period's figures from the analytics selectors (the numbers the API answers),
charts of the daily series, status mix and volume by currency, and the latest payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from analytics import selectors as analytics
from paygate.lib.money import format_amount
from payments import selectors
from portal.access import PortalRequest, merchant_required
from ui.charts import bar_chart, line_chart, short_money

PERIODS = {"today": "Today", "7d": "7 days", "30d": "30 days", "custom": "Custom"}
MAX_DAYS = 366


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=list(PERIODS.items()), required=False)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean()
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


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def period_of(form: PeriodForm) -> Period:
    """Whole UTC days, today included: today, the last 7 or 30 days, or the dates picked."""
    today = timezone.now().astimezone(UTC).date()
    tomorrow = _midnight(today + timedelta(days=1))
    key = (form.cleaned_data.get("period") or "30d") if form.is_valid() else "30d"
    if key == "custom":
        return Period(
            key, _midnight(form.cleaned_data["since"]), _midnight(form.cleaned_data["until"] + timedelta(days=1))
        )
    days = {"today": 1, "7d": 7, "30d": 30}[key]
    return Period(key, tomorrow - timedelta(days=days), tomorrow)


@merchant_required
def dashboard(request: PortalRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    period = period_of(form)
    scope = analytics.stats_scope(viewer=request.user, since=period.since, until=period.until)
    stats = analytics.merchant_stats(scope=scope)
    volume = analytics.payment_volume_by_currency(scope=scope)
    series = analytics.payment_daily_series(scope=scope)
    statuses = analytics.payment_status_distribution(scope=scope)
    decided = stats["successful_payments"] + stats["failed_payments"]
    volume.sort(key=lambda row: -row["payments"])  # the merchant's main currency first
    main = volume[0]["currency"] if volume else None
    balances = selectors.balances(merchant=request.merchant)
    balances.sort(key=lambda row: (row["currency"] != main, row["currency"]))
    day = "%d %b"
    charts = {
        "payments": bar_chart(
            "Payments per day", [(d["date"].strftime(day), d["payments"]) for d in series], columns=("Day", "Payments")
        ),
        "success": line_chart(
            "Success rate per day",
            [(d["date"].strftime(day), None if d["success_rate"] is None else d["success_rate"] * 100) for d in series],
            top=100,
            fmt=lambda v: f"{v:.0f} %",
            columns=("Day", "Success rate"),
        ),  # fmt: skip
        "statuses": bar_chart(
            "Payments by status",
            [(s["status"].replace("_", " "), s["count"]) for s in statuses["statuses"] if s["count"]],
            columns=("Status", "Payments"),
        ),
    }
    if main:
        charts["volume"] = bar_chart(
            f"Captured volume per day ({main})",
            [(d["date"].strftime(day), _captured(d, main)) for d in series],
            fmt=lambda v, c=main: format_amount(int(v), c),
            axis=short_money(main),
            columns=("Day", f"Captured ({main})"),
        )
    context = {
        "page": "dashboard",
        "form": form,
        "period": period,
        "periods": PERIODS,
        "stats": stats,
        "success_rate": stats["successful_payments"] / decided if decided else None,
        "volume": volume,
        "balances": balances,
        "charts": charts,
        "main_currency": main,
        "latest": selectors.payment_list(user=request.user).order_by("-created_at")[:8],
    }
    return render(request, "portal/dashboard.html", context)


def _captured(day: dict, currency: str) -> int:
    return next((row["amount"] for row in day["volume"] if row["currency"] == currency), 0)
