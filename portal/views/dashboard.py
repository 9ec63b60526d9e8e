"""Dashboard: the period's figures from the analytics selectors (the numbers the API answers),
charts of the daily series, status mix and volume by currency, and the latest payments."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from analytics import selectors as analytics
from paygate.lib.money import format_amount
from payments import selectors
from portal.access import PortalRequest, merchant_required
from ui.charts import bar_chart, line_chart, short_money
from ui.periods import PERIODS, PeriodForm, period_of


@merchant_required
def dashboard(request: PortalRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    period = period_of(form, default="30d")
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
