"""Products and payment links: the merchant's catalogue and the orders its links make.

Stock itself changes only in payments/stock.py, under the product's row lock (see the rule there).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from merchants.models import Merchant, User
from paygate.lib.api import ApiError, ErrorCode
from paygate.lib.money import MoneyError, check_amount
from paygate.lib.serializers import render
from payments import services
from payments.models import Order, PaymentLink, Product
from payments.serializers import PaymentLinkOutput
from payments.stock import lock_product, product_event
from webhooks.services import event_record


@transaction.atomic
def product_create(
    *, merchant: Merchant, name: str, price: int, currency: str, stock: int | None = None, active: bool = True,
    actor: User | None = None,
) -> Product:  # fmt: skip
    check_amount(price, currency)
    product = Product.objects.create(
        merchant=merchant, name=name, price=price, currency=currency, stock=stock, active=active
    )
    product_event(product, "product.created", actor)
    return product


_UNSET = object()


@transaction.atomic
def product_update(
    *, product: Product, name: str | None = None, price: int | None = None, stock: object = _UNSET,
    active: bool | None = None, actor: User | None = None,
) -> Product:  # fmt: skip
    """Change what the merchant sells. Setting `stock` (None: unlimited) replaces the count under
    the row lock, so it never races with payers taking units."""
    product = lock_product(product.pk)
    if price is not None:
        try:
            check_amount(price, product.currency)
        except MoneyError as exc:
            raise ApiError(str(exc), error=ErrorCode.VALIDATION_ERROR, meta={"fields": {"price": [str(exc)]}}) from None
        product.price = price
    if name is not None:
        product.name = name
    if active is not None:
        product.active = active
    stock_changed = stock is not _UNSET and stock != product.stock
    if stock is not _UNSET:
        product.stock = stock  # type: ignore[assignment]
    product.save()
    product_event(product, "product.updated", actor)
    if stock_changed:
        product_event(product, "product.stock_changed", actor)
    return product


@transaction.atomic
def product_soft_delete(*, product: Product, actor: User | None = None) -> None:
    product = lock_product(product.pk)
    if not product.deleted:
        product.mark_deleted()
        product.active = False
        product.save(update_fields=["deleted", "deleted_at", "active", "updated_at"])
        product_event(product, "product.deleted", actor)


def _link_event(link: PaymentLink, type: str, actor: User | None) -> None:
    event_record(
        merchant=link.merchant, type=type, object_type="payment_link", object_id=link.public_id,
        data=render(PaymentLinkOutput, link), actor=actor,
    )  # fmt: skip


@transaction.atomic
def payment_link_create(
    *, merchant: Merchant, product: Product | None = None, amount: int | None = None, currency: str = "",
    description: str = "", expires_at: datetime | None = None, actor: User | None = None,
) -> PaymentLink:  # fmt: skip
    if product is None:
        check_amount(int(amount or 0), currency)
    link = PaymentLink.objects.create(
        merchant=merchant, product=product, amount=None if product else amount, currency="" if product else currency,
        description=description, expires_at=expires_at,
    )  # fmt: skip
    _link_event(link, "payment_link.created", actor)
    return link


@transaction.atomic
def payment_link_deactivate(*, link: PaymentLink, actor: User | None = None) -> PaymentLink:
    link = PaymentLink.objects.select_for_update(of=("self",)).select_related("merchant", "product").get(pk=link.pk)
    if link.active:
        link.active = False
        link.save(update_fields=["active", "updated_at"])
        _link_event(link, "payment_link.deactivated", actor)
    return link


def link_unavailable(link: PaymentLink) -> str:
    """Why the link cannot be paid now ("" when it can)."""
    if not link.active:
        return "This payment link has been deactivated."
    if link.expires_at is not None and link.expires_at <= timezone.now():
        return "This payment link has expired."
    if link.product_id is not None and (link.product.deleted or not link.product.active):
        return "This product is no longer for sale."
    return ""


def payment_link_order_create(*, link: PaymentLink) -> Order:
    """An order for one unit (or the fixed amount) that the payer then pays at the checkout.

    Refused when the link is inactive or expired (410) or, as a courtesy, when the product shows
    no stock (409): the binding check is the one under the lock when the payment starts."""
    if reason := link_unavailable(link):
        raise ApiError(reason, error=ErrorCode.PAYMENT_LINK_UNAVAILABLE, meta={"payment_link_id": link.public_id})
    product = link.product
    if product is not None and product.stock is not None and product.stock < 1:
        raise ApiError(f"{product.name} is sold out.", error=ErrorCode.SOLD_OUT, meta={"product_id": product.public_id})
    order = services.order_create(
        merchant=link.merchant,
        amount=product.price if product else int(link.amount or 0),
        currency=product.currency if product else link.currency,
        receipt=link.public_id,
        notes={"payment_link": link.public_id, **({"product": product.public_id} if product else {})},
        product=product,
        payment_link=link,
    )
    return order
