"""Analytics tests build their data through the real services (the payments API and the test
cards of payments/cards.py), with the default providers of tests/payments/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from merchants.models import Merchant, User
from tests.conftest import API
from tests.payments.conftest import create_order, pay, providers  # noqa: F401 — autouse: the default providers

DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
FALLBACK = "4000000000003253"  # the first provider is unavailable, the next one succeeds
REVIEW = "4000000000004954"


def as_client(user: User) -> APIClient:
    """A client that stays logged in across time travel (a JWT would expire or not be valid yet)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def payment(api: APIClient, amount: int, currency: str, card: str = "4242424242424242", country: str = "GB") -> dict:
    order = create_order(api, amount, currency)
    return pay(api, order["id"], card, customer={"name": "Ava Reed", "email": "ava@example.com", "country": country})


def refund(api: APIClient, payment_id: str, amount: int | None = None) -> dict[str, Any]:
    body = {"payment_id": payment_id, **({"amount": amount} if amount else {})}
    response = api.post(f"{API}/refunds/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


@pytest.fixture
def travel() -> Callable[[datetime], AbstractContextManager]:
    return lambda moment: time_machine.travel(moment, tick=False)


@dataclass
class Dataset:
    merchant: Merchant
    outsider: Merchant
    payments: dict[str, dict[str, Any]]


@pytest.fixture
def dataset(merchant: Merchant, outsider: Merchant) -> Dataset:
    """Known answers. The merchant:
    GBP 1,000 captured · GBP 3,000 captured, 500 refunded · GBP 7,000 held in review (test card)
    USD 2,000 captured and refunded in full (US customer) · USD 1,500 declined (US customer)
    EUR 4,000 insufficient funds · EUR 2,500 captured after a fallback to a second provider.
    The outsider: GBP 9,999 captured · USD 100 declined.
    """
    api, other = as_client(merchant.user), as_client(outsider.user)
    p = {
        "gbp_captured": payment(api, 1000, "GBP"),
        "gbp_partial": payment(api, 3000, "GBP"),
        "gbp_review": payment(api, 7000, "GBP", REVIEW),
        "usd_refunded": payment(api, 2000, "USD", country="US"),
        "usd_declined": payment(api, 1500, "USD", DECLINED, country="US"),
        "eur_insufficient": payment(api, 4000, "EUR", INSUFFICIENT_FUNDS),
        "eur_fallback": payment(api, 2500, "EUR", FALLBACK),
        "outsider_gbp": payment(other, 9999, "GBP"),
        "outsider_declined": payment(other, 100, "USD", DECLINED),
    }
    refund(api, p["gbp_partial"]["id"], 500)
    refund(api, p["usd_refunded"]["id"])
    statuses = {name: row["status"] for name, row in p.items()}
    assert statuses == {
        "gbp_captured": "captured", "gbp_partial": "captured", "gbp_review": "review", "usd_refunded": "captured",
        "usd_declined": "failed", "eur_insufficient": "failed", "eur_fallback": "captured",
        "outsider_gbp": "captured", "outsider_declined": "failed",
    }  # fmt: skip
    return Dataset(merchant=merchant, outsider=outsider, payments=p)
