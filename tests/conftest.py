"""Shared actors: a merchant, a second merchant (the outsider), finance and admin."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from merchants import services
from merchants.models import Merchant, Role, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

API = "/paygate/api/v1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgres` tests need PostgreSQL; CI sets PAYGATE_REQUIRE_POSTGRES so they cannot skip there."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("PAYGATE_REQUIRE_POSTGRES"):
        raise pytest.UsageError("PAYGATE_REQUIRE_POSTGRES is set but the database is not PostgreSQL")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def one_rate_window() -> Iterator[None]:
    """The clock stopped, so that a rate-limit test's requests fall in one window: django-ratelimit's
    windows are fixed, and requests that straddle a boundary would be counted afresh."""
    with time_machine.travel(datetime.now(UTC), tick=False):
        yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _merchant(email: str) -> tuple[Merchant, str]:
    merchant, credentials = services.merchant_register(
        email=email, password=DEFAULT_PASSWORD, name="Owner", business_name=f"Shop of {email}"
    )
    return merchant, credentials.secret


@pytest.fixture
def merchant(db: None) -> Merchant:
    m, secret = _merchant("owner@shop.example")
    m.api_secret = secret  # the one time it exists in clear, for tests that use the key
    return m


@pytest.fixture
def outsider(db: None) -> Merchant:
    m, secret = _merchant("rival@other.example")
    m.api_secret = secret
    return m


@pytest.fixture
def finance_user(db: None) -> User:
    return UserFactory(role=Role.FINANCE, email="finance@ops.example")


@pytest.fixture
def admin_user(db: None) -> User:
    return UserFactory(role=Role.ADMIN, email="admin@ops.example")


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    """An API client authenticated as the user with a JWT access token."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make


@pytest.fixture
def merchant_api(merchant: Merchant, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(merchant.user)


@pytest.fixture
def outsider_api(outsider: Merchant, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(outsider.user)


@pytest.fixture
def finance_api(finance_user: User, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(finance_user)


@pytest.fixture
def admin_api(admin_user: User, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(admin_user)
