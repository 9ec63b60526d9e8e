from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from payments.providers import ensure_default_profiles
from tests.conftest import API


@pytest.fixture(autouse=True)
def providers(db: None, settings) -> None:
    settings.PAYGATE_RANDOM_SEED = 7
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


def create_order(api: APIClient, amount: int = 2599, currency: str = "GBP", **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/orders/", {"amount": amount, "currency": currency, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def card_body(order_id: str, number: str = "4242424242424242", **overrides: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "method": "card",
        "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123", "name": "Ava Reed"},
        "customer": {"name": "Ava Reed", "email": "ava@example.com", "country": "GB"},
        **overrides,
    }


def pay(api: APIClient, order_id: str, number: str = "4242424242424242", **overrides: Any) -> dict[str, Any]:
    response = api.post(f"{API}/payments/", card_body(order_id, number, **overrides), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def paid_payment(
    api: APIClient, amount: int = 2599, currency: str = "GBP", number: str = "4242424242424242"
) -> dict[str, Any]:
    return pay(api, create_order(api, amount, currency)["id"], number)
