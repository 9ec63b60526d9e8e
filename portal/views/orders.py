"""Orders: the list, one order with its payments, and the create-order form."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from paygate.lib.api import ApiError
from paygate.lib.money import format_amount
from payments import selectors, services
from payments.filters import OrderFilter
from portal.access import PortalRequest, merchant_required
from portal.forms import OrderForm
from ui.listing import OrderListForm, filtered
from ui.paging import paginate


@merchant_required
def orders(request: PortalRequest) -> HttpResponse:
    form, queryset = filtered(OrderListForm, OrderFilter, selectors.order_list(user=request.user), request.GET)
    context = {"page": "orders", "form": form, "orders": paginate(queryset, request.GET)}
    if request.htmx and request.htmx.target == "orders-table":
        return render(request, "portal/partials/_orders_table.html", context)
    return render(request, "portal/orders.html", context)


@merchant_required
def order(request: PortalRequest, order_id: str) -> HttpResponse:
    found = selectors.order_list(user=request.user).filter(public_id=order_id).first()
    if found is None:
        raise Http404
    payments = selectors.order_payments(order=found).visible_to(request.user).order_by("-created_at")
    return render(request, "portal/order.html", {"page": "orders", "order": found, "payments": payments})


@merchant_required
def order_create(request: PortalRequest) -> HttpResponse:
    form = OrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.order_create(
                merchant=request.merchant,
                amount=form.cleaned_data["amount_minor"],
                currency=form.cleaned_data["currency"],
                receipt=form.cleaned_data["receipt"],
                actor=request.user,
            )
        except ApiError as exc:
            form.add_error("amount", exc.message)
        else:
            messages.success(
                request, f"Order {created.public_id} created for {format_amount(created.amount, created.currency)}."
            )
            return redirect("portal:order", order_id=created.public_id)
    status = 400 if form.errors else 200
    return render(request, "portal/order_create.html", {"page": "orders", "form": form}, status=status)
