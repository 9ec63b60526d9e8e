"""Dashboard: the period's figures from the analytics selectors (the numbers the API answers),
charts of the daily series, status mix and volume by currency, and the latest payments."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from analytics import selectors as analytics
from payments import selectors
from portal.access import PortalRequest, merchant_required
from ui.charts import dashboard_charts
from ui.periods import PERIODS, PeriodForm, period_of


@merchant_required
def dashboard(request: PortalRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    period = period_of(form, default="30d")
    scope = analytics.stats_scope(viewer=request.user, since=period.since, until=period.until)
    stats = analytics.merchant_stats(scope=scope)
    overview = analytics.payment_overview(scope=scope)
    volume, statuses = overview["volume"], overview["statuses"]
    series = analytics.payment_daily_series(scope=scope)
    decided = stats["successful_payments"] + stats["failed_payments"]
    volume.sort(key=lambda row: -row["payments"])  # the merchant's main currency first
    main = volume[0]["currency"] if volume else None
    balances = selectors.balances(merchant=request.merchant)
    balances.sort(key=lambda row: (row["currency"] != main, row["currency"]))
    charts = dashboard_charts(series, statuses, main, volume)
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
