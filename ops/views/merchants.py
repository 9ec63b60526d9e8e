"""Merchants: the list with all-time volume, success rate, balance and last payment (searchable),
the detail, and Deactivate / Reactivate (admins) through the account services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from analytics import selectors as analytics
from merchants import services
from merchants.models import Merchant, User
from ops.access import admin_required, is_admin, operator_required
from paygate.lib.api import ApiError
from paygate.lib.ids import has_prefix
from payments import selectors
from payments.models import Payment
from ui.paging import paginate
from webhooks.events import AUDIT_EVENT_TYPES
from webhooks.models import Event


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _rate(stats: dict[str, Any]) -> float | None:
    decided = stats["successful_payments"] + stats["failed_payments"]
    return stats["successful_payments"] / decided if decided else None


@operator_required
def merchants(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    queryset = analytics.merchant_list(viewer=_user(request))
    if q:
        if has_prefix(q, "mer"):
            queryset = queryset.filter(public_id=q)
        else:
            queryset = queryset.filter(Q(business_name__icontains=q) | Q(user__email__iexact=q))
    # The newest payment of each merchant on the page: one look-up of the (merchant, -created_at)
    # index per row, instead of grouping every payment of theirs.
    latest = Payment.objects.filter(merchant=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    page = paginate(queryset.annotate(last_payment=Subquery(latest)), request.GET)
    scope = analytics.stats_scope(viewer=_user(request))  # all time, from the daily counts
    stats = analytics.merchant_page_stats(scope=scope, merchants=list(page.rows))
    rows = [
        {"merchant": m, "stats": stats[m.pk], "success_rate": _rate(stats[m.pk]), "last_payment": m.last_payment}
        for m in page.rows
    ]
    context = {"page": "merchants", "q": q, "merchants": page, "rows": rows}
    if request.htmx and request.htmx.target == "merchants-table":
        return render(request, "ops/partials/_merchants_table.html", context)
    return render(request, "ops/merchants.html", context)


def _merchant(request: HttpRequest, merchant_id: str) -> Merchant:
    merchant = analytics.merchant_list(viewer=_user(request)).filter(public_id=merchant_id).first()
    if merchant is None:
        raise Http404
    return merchant


@operator_required
def merchant(request: HttpRequest, merchant_id: str) -> HttpResponse:
    found = _merchant(request, merchant_id)
    scope = analytics.stats_scope(viewer=_user(request), merchant_id=found.public_id)
    stats = analytics.merchant_stats(scope=scope)
    context = {
        "page": "merchants",
        "merchant": found,
        "stats": stats,
        "success_rate": _rate(stats),
        "volume": analytics.payment_volume_by_currency(scope=scope),
        "balances": selectors.balances(merchant=found),
        "latest": selectors.payment_list(user=_user(request)).filter(merchant=found).order_by("-created_at")[:10],
        "audit": Event.objects.filter(merchant=found, type__in=AUDIT_EVENT_TYPES).order_by("-created_at")[:10],
        "is_admin": is_admin(request),
    }
    return render(request, "ops/merchant.html", context)


@require_POST
@admin_required
def merchant_deactivate(request: HttpRequest, merchant_id: str) -> HttpResponse:
    found = _merchant(request, merchant_id)
    try:
        services.merchant_deactivate(merchant=found, actor=_user(request))
    except ApiError as exc:
        messages.error(request, f"Nothing was changed: {exc.message}")
    else:
        messages.success(
            request, f"{found.business_name} deactivated: its API key, sessions and refresh tokens no longer work."
        )
    return redirect("ops:merchant", merchant_id=found.public_id)


@require_POST
@admin_required
def merchant_reactivate(request: HttpRequest, merchant_id: str) -> HttpResponse:
    found = _merchant(request, merchant_id)
    try:
        services.merchant_reactivate(merchant=found, actor=_user(request))
    except ApiError as exc:
        messages.error(request, f"Nothing was changed: {exc.message}")
    else:
        messages.success(request, f"{found.business_name} reactivated: its API key works again.")
    return redirect("ops:merchant", merchant_id=found.public_id)
