"""Reads of payments: what a user may see, loaded the way the API (and the portal) show it.

Every list and look-up of orders, payments, refunds, ledger entries and payouts starts here and
goes through `visible_to` (merchants.models.ScopedQuerySet): operators see every merchant's rows,
a merchant only its own, so another merchant's id answers 404. The `*_with_details` reads
re-read a row a service has just written (already known to be visible) for its answer.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import ValidationError

from merchants.models import Merchant, Role, ScopedLookup, ScopedQuerySet, User
from paygate.lib.compiled import Param, compiled
from paygate.lib.models import set_prefetched
from payments.models import (
    Balance,
    LedgerEntry,
    Order,
    Payment,
    PaymentLink,
    PaymentStatus,
    Payout,
    Product,
    ProviderAttempt,
    Refund,
)
from webhooks.models import Event

# --- orders -------------------------------------------------------------------------------------


def order_list(*, user: User) -> QuerySet[Order]:
    return Order.objects.select_related("merchant").visible_to(user)


_order_refs = ScopedLookup[Order](lambda: Order.objects.only("id"))


def order_ref(*, user: User, order_id: str) -> Order:
    """An order `user` may see, with only its id loaded (the service locks and reads it), or 404."""
    return _found(_order_refs.first(user, order_id))


def _found(obj: Any) -> Any:
    if obj is None:
        raise Http404
    return obj


def order_payments(*, order: Order) -> QuerySet[Payment]:
    """The payments of an order the caller may see."""
    return _payments().filter(order=order)


# --- payments -----------------------------------------------------------------------------------


# What lists and details show of a payment's order and merchant: the rest of their columns is not
# selected (a payment's row is read whole).
PAYMENT_RELATED_FIELDS = ("order__public_id", "order__receipt", "merchant__public_id", "merchant__business_name")


def _payment_rows() -> ScopedQuerySet:
    return Payment.objects.select_related("order", "merchant").only(
        *(field.name for field in Payment._meta.concrete_fields), *PAYMENT_RELATED_FIELDS
    )


def _payments() -> ScopedQuerySet:
    return _payment_rows().prefetch_related(Prefetch("attempts", queryset=ProviderAttempt.objects.order_by("sequence")))


def _payment_details() -> ScopedQuerySet:
    return _payments().prefetch_related(
        Prefetch("refunds", queryset=Refund.objects.all()),  # each refund's payment is set by the prefetch
        Prefetch("events", queryset=_timeline()),
    )


def _timeline() -> QuerySet[Event]:
    """A payment's events as its timeline shows them: without their snapshots (~1 KB of JSON each)."""
    return Event.objects.only("id", "public_id", "type", "actor", "created_at", "payment_id").order_by("id")


def payment_list(*, user: User) -> QuerySet[Payment]:
    """Payments with their order, merchant and provider attempts."""
    return _payments().visible_to(user)


def payment_detail(*, user: User) -> QuerySet[Payment]:
    """Payments as `payment_list`, with their refunds and timeline (events) too."""
    return _payment_details().visible_to(user)


def payment_detail_with_deleted(*, user: User) -> QuerySet[Payment]:
    """As `payment_detail`, soft-deleted payments included: operators restore them from here."""
    return (
        Payment.objects.all_with_deleted()
        .select_related("order", "merchant")
        .prefetch_related(
            Prefetch("attempts", queryset=ProviderAttempt.objects.order_by("sequence")),
            Prefetch("refunds", queryset=Refund.objects.all()),  # each refund's payment is set by the prefetch
            Prefetch("events", queryset=Event.objects.order_by("id")),
        )
        .visible_to(user)
    )


def payment_with_details(*, payment: Payment) -> Payment:
    return _payment_details().get(pk=payment.pk)


_payment_refs = ScopedLookup[Payment](lambda: Payment.objects.only("id"))


def payment_ref(*, user: User, payment_id: str) -> Payment:
    """A payment `user` may see, with only its id loaded (the service locks and reads it), or 404."""
    return _found(_payment_refs.first(user, payment_id))


# The API's payment detail, `payment_detail` by id, compiled (paygate.lib.compiled): the payment,
# then its attempts, refunds and timeline, one query each.
_visible_payments = ScopedLookup[Payment](_payment_rows)
_attempts_of = compiled(lambda: ProviderAttempt.objects.filter(payment_id=Param("payment_id")).order_by("sequence"))
_refunds_of = compiled(lambda: Refund.objects.filter(payment_id=Param("payment_id")))
_timeline_of = compiled(lambda: _timeline().filter(payment_id=Param("payment_id")))


def payment_attempts(*, payment_id: int) -> list[ProviderAttempt]:
    """A payment's provider attempts, in order."""
    return _attempts_of.all(payment_id=payment_id)


def payment_refunds(*, payment_id: int) -> list[Refund]:
    """A payment's refunds, every status."""
    return _refunds_of.all(payment_id=payment_id)


def payment_detail_get(*, user: User, payment_id: str) -> Payment:
    """One payment as `payment_detail` reads it (attempts, refunds, timeline), or 404."""
    payment = _found(_visible_payments.first(user, payment_id))
    set_prefetched(payment, "attempts", payment_attempts(payment_id=payment.pk))
    refunds = payment_refunds(payment_id=payment.pk)
    for refund in refunds:
        refund.payment = payment
    set_prefetched(payment, "refunds", refunds)
    return payment_with_timeline(payment=payment)


def payment_with_timeline(*, payment: Payment) -> Payment:
    """A payment a service has just written, with its attempts and refunds in hand: adds its events."""
    set_prefetched(payment, "events", _timeline_of.all(payment_id=payment.pk))
    return payment


# --- refunds ------------------------------------------------------------------------------------


def refund_list(*, user: User) -> QuerySet[Refund]:
    return Refund.objects.select_related("payment").visible_to(user)


# --- balance, ledger, payouts -------------------------------------------------------------------


def balance_merchant_for(*, user: User, merchant_id: str | None) -> Merchant:
    """Whose balance to show: a merchant's own; operators name the merchant."""
    if user.role == Role.MERCHANT:
        return user.merchant
    if not merchant_id:
        raise ValidationError({"merchant_id": ["Operators must say whose balance to show."]})
    return get_object_or_404(Merchant.objects.all(), public_id=merchant_id)


def balances(*, merchant: Merchant) -> list[dict[str, Any]]:
    """Per currency, sorted: `available` (the ledger's balance) and `pending` (authorized, not yet
    captured)."""
    available = dict(Balance.objects.filter(merchant=merchant).values_list("currency", "available"))
    pending = dict(
        Payment.objects.filter(merchant=merchant, status=PaymentStatus.AUTHORIZED)
        .values_list("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    return [
        {"currency": c, "available": available.get(c, 0), "pending": pending.get(c, 0)}
        for c in sorted(set(available) | set(pending))
    ]


def ledger_list(*, user: User) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.all().visible_to(user)


def payout_list(*, user: User) -> QuerySet[Payout]:
    return Payout.objects.select_related("merchant").visible_to(user)


# --- products and payment links -----------------------------------------------------------------


def product_list(*, user: User) -> QuerySet[Product]:
    return Product.objects.select_related("merchant").visible_to(user)


def payment_link_list(*, user: User) -> QuerySet[PaymentLink]:
    return PaymentLink.objects.select_related("merchant", "product").visible_to(user)


def payment_link_public(*, link_id: str) -> PaymentLink | None:
    """A link as a payer reaches it by its URL: any merchant's, unless deleted."""
    return (
        PaymentLink.objects.select_related("merchant", "product")
        .filter(public_id=link_id, merchant__deleted=False)
        .first()
    )
