"""The hosted checkout pages. They work as plain form posts; the page's own script
(static/paygate/checkout-page.js) only makes them smoother (live checks, JSON submission, polling).

Headers: `Referrer-Policy: no-referrer` (the order id in the URL stays here), and a CSP whose
`frame-ancestors` is PayGate itself plus the merchant's `checkout_allowed_origins`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from checkout import payer
from merchants.models import Merchant
from paygate.lib.api import ApiError
from paygate.lib.ratelimits import rate_limit
from payments import catalog, selectors
from payments.models import Method, Order
from payments.regions import COUNTRY_REGION

CURRENCY_COUNTRY = {"INR": "IN", "GBP": "GB", "EUR": "DE", "USD": "US", "JPY": "JP", "AUD": "AU", "CAD": "CA"}
EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


def secure(response: HttpResponse, merchant: Merchant) -> HttpResponse:
    """Only PayGate and the merchant's own sites may frame the checkout; no referrer leaves it."""
    ancestors = [CSP.SELF, *merchant.checkout_allowed_origins]
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ancestors}  # type: ignore[attr-defined]
    response.headers["Referrer-Policy"] = "no-referrer"
    # frame-ancestors decides; X-Frame-Options DENY would forbid every frame, even the allowed ones.
    response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def embed_params(request: HttpRequest, merchant: Merchant) -> dict[str, str]:
    """When checkout.js frames the page it says its origin; the page reports back to it only if
    the merchant allows that origin (or it is PayGate's own)."""
    parent = request.GET.get("parent", "")
    own = request.build_absolute_uri("/").rstrip("/")
    if request.GET.get("embed") == "1" and parent and (parent == own or parent in merchant.checkout_allowed_origins):
        return {"embed": "1", "parent": parent}
    return {}


def _with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def _form_data(post: Any) -> dict[str, Any]:
    """The plain form's fields in the shape of the public API's JSON body."""
    method = post.get("method", Method.CARD)
    data: dict[str, Any] = {
        "order_id": post.get("order_id", ""),
        "method": method,
        "customer": {
            "name": post.get("name", "").strip(),
            "email": post.get("email", "").strip(),
            "country": post.get("country", ""),
        },
    }
    if method == Method.UPI:
        data["vpa"] = post.get("vpa", "").strip()
        return data
    month, year = 0, 0
    if match := EXPIRY.match(post.get("expiry", "")):
        month, year = int(match[1]), int(match[2])
        year += 2000 if year < 100 else 0
    data["card"] = {
        "number": post.get("number", ""),
        "exp_month": month,
        "exp_year": year,
        "cvc": post.get("cvc", "").strip(),
        "name": post.get("name", "").strip(),
    }
    return data


# Where each API error lands on the form.
FORM_FIELDS = {
    ("card", "number"): "number",
    ("card", "exp_month"): "expiry",
    ("card", "exp_year"): "expiry",
    ("card", "cvc"): "cvc",
    ("card", "name"): "name",
    ("customer", "name"): "name",
    ("customer", "email"): "email",
    ("customer", "country"): "country",
    ("vpa",): "vpa",
    ("method",): "method",
}


def _form_errors(detail: Any, path: tuple[str, ...] = ()) -> dict[str, str]:
    errors: dict[str, str] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            for field, message in _form_errors(value, (*path, str(key))).items():
                errors.setdefault(field, message)
    elif isinstance(detail, list) and detail:
        first = detail[0]
        if isinstance(first, dict | list):
            return _form_errors(first, path)
        field = FORM_FIELDS.get(path, "form")
        if field == "expiry" and path[-1] == "exp_month":
            errors[field] = "Enter the expiry as MM / YY."
        else:
            errors[field] = str(first)
    return errors


def _page(
    request: HttpRequest, order: Order, *, errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    typed = typed or {}
    context = {
        "order": order,
        "merchant": order.merchant,
        "methods": payer.methods_for(order),
        "method": typed.get("method", Method.CARD),
        "errors": errors or {},
        # Never the card number or the CVC: a refused form asks for them again.
        "typed": {k: v for k, v in typed.items() if k not in ("number", "cvc")},
        "countries": sorted(COUNTRY_REGION),
        "country": typed.get("country") or CURRENCY_COUNTRY.get(order.currency, ""),
        "tests": payer.test_values(),
        "embed": embed_params(request, order.merchant),
    }
    return secure(render(request, "checkout/pay.html", context, status=status), order.merchant)


def _closed(request: HttpRequest, order: Order, reason: payer.Closed) -> HttpResponse:
    """Paid (409), canceled (409) or expired (410): a page that says so, with no form."""
    context = {
        "order": order,
        "merchant": order.merchant,
        "closed": reason,
        "embed": embed_params(request, order.merchant),
    }
    return secure(render(request, "checkout/closed.html", context, status=reason.error.status), order.merchant)


def _refused(order: Order, exc: ApiError) -> payer.Closed:
    """Why the payment was refused when the order looked payable a moment before: paid, canceled or
    expired since (the order as it is now), or another payment in progress, or sold out."""
    reason = payer.closed(payer.order_for_payer(order.public_id))
    if reason is not None:
        return reason
    return payer.Closed("unavailable", "This order cannot be paid now", exc.message, exc.error, exc.meta)


# A payer has no session and no ambient authority here to protect, and the page runs inside the
# merchant's iframe where PayGate's cookies are third-party: a CSRF token cannot work, nor is needed.
@csrf_exempt
@rate_limit(group="checkout-read", rate="RATELIMIT_CHECKOUT_READ", method="GET")
@rate_limit(group="checkout-pay", rate="RATELIMIT_CHECKOUT_PAY")
@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest, order_id: str) -> HttpResponse:
    order = payer.order_for_payer(order_id, key=request.GET.get("key", ""))
    if (reason := payer.closed(order)) is not None:
        return _closed(request, order, reason)
    if request.method == "GET":
        return _page(request, order)
    data = _form_data(request.POST) | {"order_id": order.public_id}
    typed = {k: request.POST.get(k, "") for k in ("method", "expiry", "name", "email", "country", "vpa")}
    form = payer.CheckoutPaymentInput(data=data)
    if not form.is_valid():
        return _page(request, order, errors=_form_errors(form.errors), typed=typed, status=400)
    try:
        payment = payer.pay(order=order, data=form.validated_data)
    except ApiError as exc:
        if exc.error.status in (409, 410):
            return _closed(request, order, _refused(order, exc))
        return _page(request, order, errors={"form": exc.message}, typed=typed, status=exc.error.status)
    url = reverse("checkout:payment", args=[order.public_id, payment.public_id])
    return redirect(_with_query(url, embed_params(request, order.merchant)))


@rate_limit(group="checkout-read", rate="RATELIMIT_CHECKOUT_READ", method="GET")
@require_http_methods(["GET"])
def payment_page(request: HttpRequest, order_id: str, payment_id: str) -> HttpResponse:
    """Processing (refreshing itself until final), success, review or failure with Try again."""
    payment = payer.payment_for_payer(payment_id)
    if payment.order.public_id != order_id:
        raise Http404("No such payment.")
    view = payer.payment_view(payment)
    embed = embed_params(request, payment.merchant)
    context = {
        "order": payment.order,
        "merchant": payment.merchant,
        "payment": view,
        "embed": embed,
        "retry_url": _with_query(reverse("checkout:page", args=[order_id]), embed),
        "status_url": reverse("checkout-api:payment", args=[payment_id]),
    }
    return secure(render(request, "checkout/result.html", context), payment.merchant)


@rate_limit(group="checkout-pay", rate="RATELIMIT_CHECKOUT_PAY", method="GET")
@require_http_methods(["GET"])
def payment_link(request: HttpRequest, link_id: str) -> HttpResponse:
    """A payment link: a new order for one unit (or the fixed amount), then the hosted checkout.
    Deactivated or expired links answer 410, a sold-out product 409, each with a page saying so."""
    link = selectors.payment_link_public(link_id=link_id)
    if link is None:
        raise Http404("No such payment link.")
    try:
        order = catalog.payment_link_order_create(link=link)
    except ApiError as exc:
        context = {"merchant": link.merchant, "link": link, "message": exc.message}
        response = render(request, "checkout/link_closed.html", context, status=exc.error.status)
        return secure(response, link.merchant)
    return redirect("checkout:page", order.public_id)
