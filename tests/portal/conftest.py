"""Portal actors: the merchant logged in to the portal, its payments made through the real API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments.providers import ensure_default_profiles
from tests.payments.conftest import create_order, pay


@pytest.fixture(autouse=True)
def providers(db: None, settings: Any) -> None:
    settings.PAYGATE_RANDOM_SEED = 7
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


@pytest.fixture
def portal(client: Client, merchant: Merchant) -> Client:
    client.force_login(merchant.user)
    return client


@pytest.fixture
def paid(merchant_api: APIClient) -> dict[str, Any]:
    """A captured £25.99 payment of the merchant."""
    return pay(merchant_api, create_order(merchant_api, receipt="inv_42")["id"])


@pytest.fixture
def rival_paid(outsider_api: APIClient) -> dict[str, Any]:
    return pay(outsider_api, create_order(outsider_api)["id"])
