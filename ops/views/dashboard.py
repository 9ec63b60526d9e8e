"""Global figures for a period, from the analytics selectors the API answers with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from analytics import selectors as analytics
from merchants.models import User
from ops.access import operator_required
from ui.charts import dashboard_charts
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
    overview = analytics.payment_overview(scope=scope, summary=True)
    summary, volume, statuses = overview["summary"], overview["volume"], overview["statuses"]
    series = analytics.payment_daily_series(scope=scope)
    volume.sort(key=lambda row: (-row["payments"], row["currency"]))  # the busiest currency first
    main = volume[0]["currency"] if volume else None
    charts = dashboard_charts(series, statuses, main, volume)
    context = {
        "page": "dashboard",
        "form": form,
        "period": period,
        "periods": PERIODS,
        "stats": stats,
        "merchants_label": f"{stats['merchants']:,} merchant{'' if stats['merchants'] == 1 else 's'}",
        "summary": summary,
        "volume": volume,
        "charts": charts,
        "main_currency": main,
        "reasons": summary["failure_reasons"][:TOP_REASONS],
    }
    return render(request, "ops/dashboard.html", context)
