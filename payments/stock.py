"""Stock of products sold through payment links: the rule that makes overselling impossible.

A unit is taken when a payer's payment starts (`payment_create`, `payment_retry`), in the same
transaction and under the product's row lock; with none left the payment is refused with
SOLD_OUT before any provider is asked, so no money moves. The unit is given back when that
payment fails or is canceled. A captured (or authorized) payment keeps its unit; a refund does
not restock — the merchant changes the stock through the API if the goods come back.

Lock order: order → payment → product → balance. The product row is locked last but one, and
nothing that holds it asks for an order or payment lock.
"""

from __future__ import annotations

from merchants.models import User
from paygate.lib.api import ApiError, ErrorCode
from paygate.lib.serializers import render
from payments.models import Order, Product
from webhooks.services import event_record


def lock_product(pk: int) -> Product:
    return Product.objects.all_with_deleted().select_for_update(of=("self",)).select_related("merchant").get(pk=pk)


def product_event(product: Product, type: str, actor: User | None = None) -> None:
    from payments.serializers import ProductOutput

    event_record(
        merchant=product.merchant, type=type, object_type="product", object_id=product.public_id,
        data=render(ProductOutput, product), actor=actor,
    )  # fmt: skip


def stock_take(order: Order) -> None:
    """Take one unit for the order's payment, or refuse with SOLD_OUT (call inside the payment's
    transaction, after its order lock)."""
    if order.product_id is None:
        return
    product = lock_product(order.product_id)
    if product.stock is None:
        return
    if product.stock < 1:
        raise ApiError(f"{product.name} is sold out.", error=ErrorCode.SOLD_OUT, meta={"product_id": product.public_id})
    product.stock -= 1
    product.save(update_fields=["stock", "updated_at"])
    product_event(product, "product.stock_changed")


def stock_release(order: Order) -> None:
    """Give the unit of a payment that failed or was canceled back to stock."""
    if order.product_id is None:
        return
    product = lock_product(order.product_id)
    if product.stock is None:
        return
    product.stock += 1
    product.save(update_fields=["stock", "updated_at"])
    product_event(product, "product.stock_changed")
