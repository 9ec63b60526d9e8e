"""A payment link with stock N and M > N payers paying at the same instant, on PostgreSQL with
real threads: exactly N payments are captured; the others are refused SOLD_OUT before any
payment exists (no provider asked, no money moved)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments import catalog
from payments.models import Order, Payment, PaymentStatus, Product
from payments.providers import ensure_default_profiles
from tests.checkout.conftest import CHECKOUT, card_body
from tests.concurrency.test_races import assert_ledger_ok, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STOCK = 3
PAYERS = 10


@pytest.fixture(autouse=True)
def _providers(settings) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 0
    settings.RATELIMIT_ENABLE = False
    ensure_default_profiles()


def test_a_payment_link_sells_out_exactly_at_its_stock(merchant: Merchant) -> None:
    # given a product with STOCK units, and PAYERS orders made through its payment link
    product = catalog.product_create(merchant=merchant, name="Signed print", price=4000, currency="GBP", stock=STOCK)
    link = catalog.payment_link_create(merchant=merchant, product=product)
    orders = [catalog.payment_link_order_create(link=link) for _ in range(PAYERS)]

    # when every payer pays through the public checkout at the same instant
    def pay(i: int) -> tuple[int, int]:
        response = APIClient().post(f"{CHECKOUT}/payments/", card_body(orders[i].public_id), format="json")
        return response.status_code, response.json().get("exception", {}).get("code", 0)

    results = race(PAYERS, pay)

    # then exactly STOCK are captured and the rest were refused before any payment existed
    assert sorted(results) == [(201, 0)] * STOCK + [(409, 1024)] * (PAYERS - STOCK)
    assert Payment.objects.filter(status=PaymentStatus.CAPTURED).count() == STOCK
    assert Payment.objects.count() == STOCK
    assert Order.objects.filter(status="paid").count() == STOCK
    assert Product.objects.get().stock == 0
    assert_ledger_ok()
