"""Developers: the API key, webhook settings and secret, test events, and the delivery log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from merchants import services as accounts
from merchants.keys import checkout_signing_key
from paygate.lib.api import ApiError
from portal.access import PortalRequest, merchant_required
from portal.forms import CheckoutOriginsForm, RotateKeyForm, WebhookSettingsForm
from ui.paging import paginate
from webhooks import selectors
from webhooks import services as hooks
from webhooks.events import EVENT_TYPE_CHOICES
from webhooks.models import OPEN_STATUSES, DeliveryStatus


def _no_store(response: HttpResponse) -> HttpResponse:
    """A page that shows a secret once must not be kept by the browser or a proxy."""
    response["Cache-Control"] = "no-store"
    return response


def _page(request: PortalRequest, **extra: Any) -> dict[str, Any]:
    merchant = request.merchant
    deliveries = selectors.delivery_list(user=request.user).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    event_type = request.GET.get("event_type", "")
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    if event_type:
        deliveries = deliveries.filter(event__type=event_type)
    settings_form = extra.pop("settings_form", None) or WebhookSettingsForm(
        initial={
            "url": merchant.webhook_url,
            "event_types": merchant.webhook_event_types,
            "enabled": merchant.webhooks_enabled,
        }
    )
    origins_form = extra.pop("origins_form", None) or CheckoutOriginsForm(
        initial={"origins": "\n".join(merchant.checkout_allowed_origins or [])}
    )
    page = paginate(deliveries, request.GET)
    return {
        "page": "developers",
        "merchant": merchant,
        "origins_form": origins_form,
        "checkout_signing_key": checkout_signing_key(merchant.api_secret_hash) if merchant.api_secret_hash else "",
        "rotate_form": extra.pop("rotate_form", None) or RotateKeyForm(),
        "settings_form": settings_form,
        "deliveries": page,
        # A delivery on this page has an attempt still to make: the log polls itself until none has.
        "deliveries_open": any(d.status in OPEN_STATUSES for d in page.rows),
        "statuses": DeliveryStatus.choices,
        "event_types": EVENT_TYPE_CHOICES,
        "filters": {"status": status, "event_type": event_type},
        **extra,
    }


@merchant_required
def developers(request: PortalRequest) -> HttpResponse:
    context = _page(request)
    if request.htmx and request.htmx.target == "deliveries":
        return render(request, "portal/partials/_deliveries.html", context)
    return render(request, "portal/developers.html", context)


@require_POST
@merchant_required
def api_key_rotate(request: PortalRequest) -> HttpResponse:
    form = RotateKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The API key was not rotated: tick the box to confirm.")
        return render(request, "portal/developers.html", _page(request, rotate_form=form), status=400)
    credentials = accounts.merchant_rotate_api_key(merchant=request.merchant)
    request.merchant.refresh_from_db()
    messages.success(request, "API key rotated. The old key no longer works.")
    context = _page(request, new_key={"id": credentials.key_id, "secret": credentials.secret})
    return _no_store(render(request, "portal/developers.html", context))


@require_POST
@merchant_required
def webhook_settings(request: PortalRequest) -> HttpResponse:
    form = WebhookSettingsForm(request.POST)
    if form.is_valid():
        try:
            hooks.webhook_settings_update(
                merchant=request.merchant, url=form.cleaned_data["url"], event_types=form.cleaned_data["event_types"],
                enabled=form.cleaned_data["enabled"],
            )  # fmt: skip
        except ApiError as exc:
            form.add_error("url", exc.message)
        else:
            messages.success(request, "Webhook settings saved.")
            return redirect("portal:developers")
    messages.error(request, "The webhook settings were not saved.")
    return render(request, "portal/developers.html", _page(request, settings_form=form), status=400)


@require_POST
@merchant_required
def checkout_settings(request: PortalRequest) -> HttpResponse:
    form = CheckoutOriginsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The checkout settings were not saved.")
        return render(request, "portal/developers.html", _page(request, origins_form=form), status=400)
    accounts.merchant_set_checkout_origins(merchant=request.merchant, origins=form.cleaned_data["origins"])
    request.merchant.refresh_from_db()
    messages.success(request, "Checkout settings saved.")
    return redirect("portal:developers")


@require_POST
@merchant_required
def webhook_secret_rotate(request: PortalRequest) -> HttpResponse:
    rotated = hooks.webhook_secret_rotate(merchant=request.merchant)
    request.merchant.refresh_from_db()
    messages.success(request, "Signing secret rotated.")
    context = _page(request, new_webhook_secret=rotated)
    return _no_store(render(request, "portal/developers.html", context))


@require_POST
@merchant_required
def webhook_test(request: PortalRequest) -> HttpResponse:
    try:
        delivery = hooks.webhook_send_test(merchant=request.merchant, actor=request.user)
    except ApiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Test event sent: delivery {delivery.public_id}.")
    return redirect("portal:developers")


@merchant_required
def delivery(request: PortalRequest, delivery_id: str) -> HttpResponse:
    found = selectors.delivery_detail(user=request.user).filter(public_id=delivery_id).first()
    if found is None:
        raise Http404
    context = {"page": "developers", "delivery": found, "in_flight": found.status in OPEN_STATUSES}
    template = "portal/partials/_delivery.html" if request.htmx else "portal/delivery.html"
    return render(request, template, context)


@require_POST
@merchant_required
def delivery_retry(request: PortalRequest, delivery_id: str) -> HttpResponse:
    found = selectors.delivery_list(user=request.user).filter(public_id=delivery_id).first()
    if found is None:
        raise Http404
    try:
        hooks.delivery_retry(delivery=found, actor=request.user)
    except ApiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Delivery {found.public_id} is being sent again now.")
    return redirect("portal:delivery", delivery_id=found.public_id)
