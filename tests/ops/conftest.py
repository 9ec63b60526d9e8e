from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from merchants.models import User
from payments.models import Payment
from payments.providers import ensure_default_profiles
from tests.payments.conftest import create_order, pay

REVIEW_CARD = "4000000000004954"


@pytest.fixture(autouse=True)
def providers(db: None, settings) -> None:
    settings.PAYGATE_RANDOM_SEED = 7
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def finance(finance_user: User, login: Callable[[User], Client]) -> Client:
    return login(finance_user)


@pytest.fixture
def admin(admin_user: User, login: Callable[[User], Client]) -> Client:
    return login(admin_user)


@pytest.fixture
def in_review(merchant_api) -> Callable[..., Payment]:
    """A payment held in review (the card the risk rules hold)."""

    def make(amount: int = 2599, currency: str = "GBP") -> Payment:
        data = pay(merchant_api, create_order(merchant_api, amount, currency)["id"], REVIEW_CARD)
        assert data["status"] == "review"
        return Payment.objects.get(public_id=data["id"])

    return make


@pytest.fixture
def paid(merchant_api) -> Callable[..., Payment]:
    def make(amount: int = 2599, currency: str = "GBP", number: str = "4242424242424242") -> Payment:
        data = pay(merchant_api, create_order(merchant_api, amount, currency)["id"], number)
        return Payment.objects.get(public_id=data["id"])

    return make
