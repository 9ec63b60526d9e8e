"""Provider health over the last 24 hours (latency p50/p95, success by region and currency,
fallback rate) and the sandbox controls admins change: outage, success rate, added latency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from analytics import selectors as analytics
from merchants.models import User
from ops.access import admin_required, is_admin, operator_required
from ops.forms import ProviderForm
from paygate.lib.api import ApiError
from payments import services
from payments.models import ProviderAttempt, ProviderChange, ProviderProfile
from ui.charts import bar_chart, line_chart

HEALTH_HOURS = 24
SHOWN_FALLBACKS = 10


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _form(profile: ProviderProfile) -> ProviderForm:
    return ProviderForm(
        prefix=profile.name,
        initial={
            "outage": profile.outage,
            "success_rate": Decimal(str(round(profile.success_rate * 100, 1))),
            "latency_ms": profile.added_latency_ms,
        },
    )


def _fell_back(profile: ProviderProfile, since: Any) -> dict[str, Any]:
    """Payments whose first attempt went to this provider since `since` and that another provider
    then took: what an outage did."""
    firsts = ProviderAttempt.objects.filter(
        provider=profile.name, sequence=1, created_at__gte=since, payment__attempts__fallback=True
    ).distinct()
    return {
        "since": since,
        "count": firsts.count(),
        "rows": list(
            firsts.select_related("payment")
            .order_by("-created_at")
            .values_list("payment__public_id", "created_at")[:SHOWN_FALLBACKS]
        ),
    }


def _context(request: HttpRequest, failed: tuple[str, ProviderForm] | None = None) -> dict[str, Any]:
    now = timezone.now()
    scope = analytics.stats_scope(viewer=_user(request), since=now - timedelta(hours=HEALTH_HOURS), until=now)
    latency = {row["provider"]: row for row in analytics.attempt_latency_by_provider(scope=scope)}
    success = analytics.attempt_success_by_provider(scope=scope)
    totals: dict[str, list[int]] = {}
    for row in success["by_region"]:
        cell = totals.setdefault(row["provider"], [0, 0])
        cell[0] += row["attempts"]
        cell[1] += row["successful"]
    changes = list(ProviderChange.objects.select_related("provider", "actor")[:20])
    last_change = {}
    for change in reversed(changes):
        last_change[change.provider_id] = change.created_at
    profiles = list(ProviderProfile.objects.all())
    rows = []
    for profile in profiles:
        attempts, ok = totals.get(profile.name, (0, 0))
        form = failed[1] if failed and failed[0] == profile.name else _form(profile)
        since = last_change.get(profile.pk)
        rows.append(
            {
                "profile": profile,
                "latency": latency.get(profile.name),
                "attempts": attempts,
                "success_rate": ok / attempts if attempts else None,
                "form": form,
                "fell_back": _fell_back(profile, since) if profile.outage and since else None,
            }
        )
    hourly = analytics.attempt_hourly_series(scope=scope)
    charts = {
        "attempts": bar_chart(
            "Attempts per hour", [(f"{h['hour']:%H}:00", h["attempts"]) for h in hourly], columns=("Hour", "Attempts")
        ),
        "success": line_chart(
            "Success rate per hour",
            [(f"{h['hour']:%H}:00", None if h["success_rate"] is None else h["success_rate"] * 100) for h in hourly],
            top=100,
            fmt=lambda v: f"{v:.0f} %",
            columns=("Hour", "Success rate"),
        ),
    }
    return {
        "page": "providers",
        "charts": charts,
        "rows": rows,
        "attempts": sum(row["attempts"] for row in rows),
        "outages": [p.display_name for p in profiles if p.outage],
        "by_region": success["by_region"],
        "by_currency": success["by_currency"],
        "fallback": analytics.payment_fallback_rate(scope=scope),
        "changes": changes,
        "hours": HEALTH_HOURS,
        "is_admin": is_admin(request),
        "freshness": routing_freshness(),
    }


def routing_freshness() -> str:
    """What the router promises about a change: the bound of payments.routing's cache."""
    ttl = settings.ROUTING_STATS_TTL_SECONDS
    if ttl <= 0:
        return "The router uses it from the next payment on every process."
    return f"The router uses it within {ttl} seconds on every process (at once in this one)."


@operator_required
def providers(request: HttpRequest) -> HttpResponse:
    return render(request, "ops/providers.html", _context(request))


@require_POST
@admin_required
def provider_update(request: HttpRequest, name: str) -> HttpResponse:
    profile = ProviderProfile.objects.filter(name=name).first()
    if profile is None:
        raise Http404
    form = ProviderForm(request.POST, prefix=profile.name)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.provider_update(
                profile=profile, outage=data["outage"], success_rate=float(data["success_rate"]) / 100,
                added_latency_ms=data["latency_ms"], actor=_user(request),
            )  # fmt: skip
        except ApiError as exc:
            form.add_error(None, exc.message)
        else:
            state = "in outage" if data["outage"] else "up"
            messages.success(
                request,
                f"{profile.display_name} updated: {state}, success rate {data['success_rate']} %, "
                f"added latency {data['latency_ms']} ms. {routing_freshness()}",
            )
            return redirect("ops:providers")
    messages.error(request, f"{profile.display_name} was not changed: check the fields below.")
    return render(request, "ops/providers.html", _context(request, failed=(profile.name, form)), status=400)
