"""The demo shop: a merchant's site as checkout.js expects it, run for the seeded demo merchant.

It creates the order on the server (as a merchant's backend does with its API key), opens the
checkout with checkout.js, and checks the signature it is handed on the server before showing
the result. Without `seed_demo` there is no demo merchant and the shop answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from checkout.signature import verify_checkout_signature
from merchants.keys import checkout_signing_key
from merchants.models import Merchant
from paygate.lib.ratelimits import rate_limit
from payments import selectors, services
from payments.management.commands.seed_demo import DEMO_API_KEY_ID
from payments.models import Payment


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    description: str
    amount: int
    currency: str


CATALOGUE = [
    Item("notebook", "Dot-grid notebook", "A5, 160 pages, lay-flat binding.", 1250, "GBP"),
    Item("headphones", "Studio headphones", "Closed-back, 40 mm drivers.", 8900, "USD"),
    Item("tea", "Darjeeling first flush", "100 g loose-leaf tea, pay by card or UPI.", 45000, "INR"),
]
ITEMS = {item.sku: item for item in CATALOGUE}


def demo_merchant() -> Merchant:
    merchant = Merchant.objects.filter(api_key_id=DEMO_API_KEY_ID).first()
    if merchant is None:
        raise Http404("The demo shop needs the demo data: run `manage.py seed_demo`.")
    return merchant


@rate_limit(group="demo-shop", rate="RATELIMIT_CHECKOUT_PAY")
@require_http_methods(["GET", "POST"])
def shop(request: HttpRequest) -> HttpResponse:
    merchant = demo_merchant()
    if request.method == "GET":
        links = selectors.payment_link_list(user=merchant.user).filter(active=True, product__isnull=False)[:3]
        context = {"merchant": merchant, "catalogue": CATALOGUE, "links": links}
        return render(request, "checkout/demo_shop.html", context)
    item = ITEMS.get(request.POST.get("sku", ""))
    if item is None:
        raise Http404("No such item.")
    order = services.order_create(
        merchant=merchant, amount=item.amount, currency=item.currency, receipt=f"demo-{item.sku}"
    )
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"key": merchant.api_key_id, "order_id": order.public_id})
    # Without JavaScript: the hosted checkout as a page of its own.
    return redirect("checkout:page", order.public_id)


@require_http_methods(["POST"])
def shop_return(request: HttpRequest) -> HttpResponse:
    """What a merchant's server does with onSuccess's answer: verify, then trust the payment."""
    merchant = demo_merchant()
    order_id = request.POST.get("order_id", "")
    payment_id = request.POST.get("payment_id", "")
    verified = verify_checkout_signature(
        order_id, payment_id, request.POST.get("signature", ""), checkout_signing_key(merchant.api_secret_hash)
    )
    payment = (
        Payment.objects.select_related("order")
        .filter(merchant=merchant, public_id=payment_id, order__public_id=order_id)
        .first()
        if verified
        else None
    )
    context = {"merchant": merchant, "verified": verified, "payment": payment, "order_id": order_id}
    return render(request, "checkout/demo_result.html", context, status=200 if verified else 400)
