"""Global figures for a period, from the analytics selectors the API answers with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from analytics import selectors as analytics
from merchants.models import User
from ops.access import operator_required
from paygate.lib.money import format_amount
from ui.charts import bar_chart, line_chart, short_money
from ui.periods import PERIODS, PeriodForm, period_of

# Every merchant's payments: at a million payments a month, 30 days take ~4× longer to add up.
DEFAULT_PERIOD = "7d"

TOP_REASONS = 6


@operator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    period = period_of(form, default=DEFAULT_PERIOD)
    assert isinstance(request.user, User)
    scope = analytics.stats_scope(viewer=request.user, since=period.since, until=period.until)
    stats = analytics.platform_stats(scope=scope)
    summary = analytics.payment_summary(scope=scope)
    volume = analytics.payment_volume_by_currency(scope=scope)
    series = analytics.payment_daily_series(scope=scope)
    statuses = analytics.payment_status_distribution(scope=scope)
    volume.sort(key=lambda row: (-row["payments"], row["currency"]))  # the busiest currency first
    main = volume[0]["currency"] if volume else None
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
        ),
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
        "summary": summary,
        "volume": volume,
        "charts": charts,
        "main_currency": main,
        "reasons": summary["failure_reasons"][:TOP_REASONS],
    }
    return render(request, "ops/dashboard.html", context)


def _captured(day: dict, currency: str) -> int:
    return next((row["amount"] for row in day["volume"] if row["currency"] == currency), 0)
