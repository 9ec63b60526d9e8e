"""Developer tools: the webhook signature debugger and the request bin (a per-merchant inbox
served by PayGate, whose public endpoint only ever writes to its own merchant's bin)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit import UNSAFE

from paygate.lib.api import ApiError
from paygate.lib.ratelimits import rate_limit
from portal.access import PortalRequest, merchant_required
from webhooks import services as hooks
from webhooks.debugger import diagnose, parse_headers
from webhooks.models import BinRequest


class DebuggerForm(forms.Form):
    headers = forms.CharField(
        label="Headers",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="One per line: webhook-id, webhook-timestamp and webhook-signature, as `name: value`.",
    )
    body = forms.CharField(
        label="Raw body", strip=False, widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"})
    )
    secret = forms.CharField(
        label="Signing secret", max_length=200, required=False, help_text="Empty: your current signing secret."
    )


@merchant_required
def debugger(request: PortalRequest) -> HttpResponse:
    form = DebuggerForm(request.POST or None)
    diagnosis = None
    if request.method == "POST" and form.is_valid():
        diagnosis = diagnose(
            headers=parse_headers(form.cleaned_data["headers"]),
            body=form.cleaned_data["body"],
            secret=form.cleaned_data["secret"].strip() or request.merchant.webhook_secret,
            merchant=request.merchant,
        )
    return render(request, "portal/debugger.html", {"page": "developers", "form": form, "diagnosis": diagnosis})


def _bin_context(request: PortalRequest) -> dict:
    bin_ = hooks.request_bin_open(merchant=request.merchant)
    return {
        "page": "developers",
        "bin": bin_,
        "bin_url": request.build_absolute_uri(reverse("request-bin", args=[bin_.token])),
        "entries": BinRequest.objects.filter(bin=bin_).order_by("-id")[: hooks.REQUEST_BIN_KEEP],
        "keep": hooks.REQUEST_BIN_KEEP,
    }


@merchant_required
def request_bin(request: PortalRequest) -> HttpResponse:
    context = _bin_context(request)
    if request.htmx:
        return render(request, "portal/partials/_bin_entries.html", context)
    return render(request, "portal/request_bin.html", context)


@require_POST
@merchant_required
def request_bin_use(request: PortalRequest) -> HttpResponse:
    """Point the merchant's webhooks at its bin (all event types kept as they were)."""
    context = _bin_context(request)
    try:
        hooks.webhook_settings_update(
            merchant=request.merchant, url=context["bin_url"], event_types=request.merchant.webhook_event_types
        )
    except ApiError as exc:
        messages.error(request, f"The webhook URL was not changed: {exc.message}")
    else:
        messages.success(request, "Webhooks now go to your request bin.")
    return redirect("portal:request-bin")


@csrf_exempt
@rate_limit(group="request-bin", rate="RATELIMIT_REQUEST_BIN", method=UNSAFE)
def request_bin_receive(request: HttpRequest, token: str) -> HttpResponse:
    """The public inbox: records what it receives for the bin's merchant, answers 200."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return JsonResponse({"detail": "Send a POST: this is a request bin."}, status=405, headers={"Allow": "POST"})
    headers = {name.lower(): value for name, value in request.headers.items()}
    entry = hooks.request_bin_record(token=token, method=request.method, headers=headers, body=request.body)
    if entry is None:
        return JsonResponse({"detail": "No such request bin."}, status=404)
    return JsonResponse({"received": True, "verified": entry.verified})
