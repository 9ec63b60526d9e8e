"""Balance: available and pending per currency, the ledger with before/after, payouts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from paygate.lib.api import ApiError
from paygate.lib.money import format_amount
from payments import selectors, services
from portal.access import PortalRequest, merchant_required
from portal.forms import PayoutForm, parse_amount, service_error_text
from ui.paging import paginate


def _context(request: PortalRequest, form: PayoutForm | None = None) -> dict:
    balances = selectors.balances(merchant=request.merchant)
    ledger = selectors.ledger_list(user=request.user).order_by("-created_at", "-id")
    currency = request.GET.get("currency", "")
    if currency:
        ledger = ledger.filter(currency=currency)
    initial = {"currency": balances[0]["currency"]} if balances else {}
    return {
        "page": "balance",
        "balances": balances,
        "ledger": paginate(ledger, request.GET),
        "payouts": selectors.payout_list(user=request.user).order_by("-created_at")[:10],
        "payout_form": form or PayoutForm(initial=initial),
        "currency": currency,
    }


@merchant_required
def balance(request: PortalRequest) -> HttpResponse:
    context = _context(request)
    if request.htmx and request.htmx.target == "ledger":
        return render(request, "portal/partials/_ledger.html", context)
    return render(request, "portal/balance.html", context)


@merchant_required
def payout_create(request: PortalRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("portal:balance")
    form = PayoutForm(request.POST)
    amount = parse_amount(form, "amount", request.POST.get("currency", "")) if form.is_valid() else None
    if amount is not None:
        try:
            payout = services.payout_create(
                merchant=request.merchant, amount=amount, currency=form.cleaned_data["currency"], actor=request.user
            )
        except ApiError as exc:
            form.add_error("amount", service_error_text(exc, form.cleaned_data["currency"]))
        else:
            messages.success(
                request, f"Payout {payout.public_id} of {format_amount(payout.amount, payout.currency)} made."
            )
            return redirect("portal:balance")
    messages.error(request, "No payout was made.")
    return render(request, "portal/balance.html", _context(request, form), status=400)
