from __future__ import annotations

import pytest

from merchants.models import Merchant
from payments import services
from payments.models import Order
from payments.providers import ensure_default_profiles

CHECKOUT = "/paygate/api/v1/checkout"


@pytest.fixture(autouse=True)
def providers(db: None, settings) -> None:
    settings.PAYGATE_RANDOM_SEED = 7
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


def new_order(merchant: Merchant, amount: int = 2599, currency: str = "GBP", receipt: str = "inv_42") -> Order:
    return services.order_create(merchant=merchant, amount=amount, currency=currency, receipt=receipt)


@pytest.fixture
def order(merchant: Merchant) -> Order:
    return new_order(merchant)


def card_body(order_id: str, number: str = "4242424242424242", **overrides: object) -> dict:
    return {
        "order_id": order_id,
        "method": "card",
        "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123", "name": "Ava Reed"},
        "customer": {"name": "Ava Reed", "email": "ava@example.com", "country": "GB"},
        **overrides,
    }
