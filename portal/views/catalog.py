"""Products and payment links: what the merchant sells through `/pay/<link>/` and the hosted
checkout. Stock changes go through the catalog services, under the product's row lock."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from paygate.lib.api import ApiError
from paygate.lib.money import format_amount, to_decimal
from payments import catalog, selectors
from payments.models import Product
from portal.access import PortalRequest, merchant_required
from portal.forms import PaymentLinkForm, ProductEditForm, ProductForm, StockForm


def _products(request: PortalRequest) -> list[Product]:
    return list(selectors.product_list(user=request.user).order_by("-created_at"))


def _context(request: PortalRequest, **forms: Any) -> dict[str, Any]:
    products = _products(request)
    choices = [(p.public_id, f"{p.name} — {format_amount(p.price, p.currency)}") for p in products if p.active]
    links = list(selectors.payment_link_list(user=request.user).order_by("-created_at")[:50])
    for link in links:
        link.unavailable = catalog.link_unavailable(link)
    return {
        "page": "products",
        "products": products,
        "links": links,
        "product_form": forms.get("product_form") or ProductForm(),
        "link_form": forms.get("link_form") or PaymentLinkForm(products=choices),
        "link_choices": choices,
    }


@merchant_required
def products(request: PortalRequest) -> HttpResponse:
    return render(request, "portal/products.html", _context(request))


def _invalid(request: PortalRequest, **forms: Any) -> HttpResponse:
    messages.error(request, "Nothing was changed.")
    return render(request, "portal/products.html", _context(request, **forms), status=400)


@require_POST
@merchant_required
def product_create(request: PortalRequest) -> HttpResponse:
    form = ProductForm(request.POST)
    if not form.is_valid() or form.cleaned_data.get("price_minor") is None:
        return _invalid(request, product_form=form)
    try:
        product = catalog.product_create(
            merchant=request.merchant, name=form.cleaned_data["name"], price=form.cleaned_data["price_minor"],
            currency=form.cleaned_data["currency"], stock=form.cleaned_data["stock"], actor=request.user,
        )  # fmt: skip
    except ApiError as exc:
        form.add_error("price", exc.message)
        return _invalid(request, product_form=form)
    messages.success(request, f"Product {product.name} created.")
    return redirect("portal:products")


def _product(request: PortalRequest, product_id: str) -> Product:
    found = selectors.product_list(user=request.user).filter(public_id=product_id).first()
    if found is None:
        raise Http404
    return found


@merchant_required
def product_edit(request: PortalRequest, product_id: str) -> HttpResponse:
    """A product's name, price and whether it is for sale (`catalog.product_update`)."""
    product = _product(request, product_id)
    initial = {
        "name": product.name,
        "price": str(to_decimal(product.price, product.currency)),
        "active": product.active,
    }
    form = ProductEditForm(request.POST or None, initial=initial, currency=product.currency)
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data.get("price_minor") is not None:
            try:
                catalog.product_update(
                    product=product, name=form.cleaned_data["name"], price=form.cleaned_data["price_minor"],
                    active=form.cleaned_data["active"], actor=request.user,
                )  # fmt: skip
            except ApiError as exc:
                form.add_error("price", exc.message)
            else:
                messages.success(request, f"Product {form.cleaned_data['name']} saved.")
                return redirect("portal:products")
        messages.error(request, "Nothing was changed.")
        return render(
            request, "portal/product_edit.html", {"page": "products", "product": product, "form": form}, status=400
        )
    return render(request, "portal/product_edit.html", {"page": "products", "product": product, "form": form})


@require_POST
@merchant_required
def product_stock(request: PortalRequest, product_id: str) -> HttpResponse:
    product = _product(request, product_id)
    form = StockForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Stock of {product.name} not changed: {form.errors['stock'][0]}")
        return redirect("portal:products")
    catalog.product_update(product=product, stock=form.cleaned_data["stock"], actor=request.user)
    stock = form.cleaned_data["stock"]
    messages.success(request, f"{product.name}: stock set to {'unlimited' if stock is None else stock}.")
    return redirect("portal:products")


@require_POST
@merchant_required
def product_delete(request: PortalRequest, product_id: str) -> HttpResponse:
    product = _product(request, product_id)
    catalog.product_soft_delete(product=product, actor=request.user)
    messages.success(request, f"Product {product.name} deleted; its links can no longer be paid.")
    return redirect("portal:products")


@require_POST
@merchant_required
def link_create(request: PortalRequest) -> HttpResponse:
    choices = [(p.public_id, p.name) for p in _products(request) if p.active]
    form = PaymentLinkForm(request.POST, products=choices)
    if not form.is_valid() or (not form.cleaned_data.get("product") and form.cleaned_data.get("amount_minor") is None):
        return _invalid(request, link_form=form)
    data = form.cleaned_data
    expires = datetime.combine(data["expires_on"], time.max, tzinfo=UTC) if data.get("expires_on") else None
    try:
        link = catalog.payment_link_create(
            merchant=request.merchant,
            product=_product(request, data["product"]) if data.get("product") else None,
            amount=data.get("amount_minor"), currency=data["currency"], description=data["description"],
            expires_at=expires, actor=request.user,
        )  # fmt: skip
    except ApiError as exc:
        form.add_error("amount", exc.message)
        return _invalid(request, link_form=form)
    messages.success(request, f"Payment link {link.public_id} created.")
    return redirect("portal:products")


@require_POST
@merchant_required
def link_deactivate(request: PortalRequest, link_id: str) -> HttpResponse:
    link = selectors.payment_link_list(user=request.user).filter(public_id=link_id).first()
    if link is None:
        raise Http404
    catalog.payment_link_deactivate(link=link, actor=request.user)
    messages.success(request, f"Payment link {link.public_id} deactivated.")
    return redirect("portal:products")
