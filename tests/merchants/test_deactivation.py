"""Deactivating a merchant stops its API key, sessions and refresh tokens at once, is audited,
and leaves its payments; reactivating lets it back in."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from merchants import services
from merchants.models import Merchant, Role, User
from paygate.lib.api import ApiError
from tests.conftest import API
from tests.factories import DEFAULT_PASSWORD, UserFactory
from webhooks.models import Event, WebhookDelivery

pytestmark = pytest.mark.django_db

ME = f"{API}/me/"


def _key_client(merchant: Merchant) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)
    return client


def test_deactivation_stops_key_session_and_refresh_token_and_is_audited(merchant: Merchant, admin_user: User) -> None:
    # given: the merchant uses its key, a portal session and a refresh token, and wants every webhook
    Merchant.objects.filter(pk=merchant.pk).update(webhook_url="https://hooks.example/paygate")
    key = _key_client(merchant)
    assert key.get(ME).status_code == 200
    portal = Client()
    portal.force_login(merchant.user)
    api = APIClient()
    api.post(f"{API}/auth/token/", {"email": "owner@shop.example", "password": DEFAULT_PASSWORD}, format="json")
    assert settings.REFRESH_COOKIE_NAME in api.cookies

    # when
    services.merchant_deactivate(merchant=merchant, actor=admin_user)

    # then
    assert key.get(ME).status_code == 401
    assert portal.get("/portal/").status_code == 302  # logged out: to the login page
    assert api.post(f"{API}/auth/refresh/").status_code == 401
    event = Event.objects.get(merchant=merchant, type="merchant.deactivated")
    assert (event.actor, event.object_id, event.data["active"]) == (admin_user.public_id, merchant.public_id, False)
    assert not WebhookDelivery.objects.filter(event=event).exists()  # an audit row, never sent


def test_reactivation_lets_the_key_in_again(merchant: Merchant, admin_user: User) -> None:
    services.merchant_deactivate(merchant=merchant, actor=admin_user)

    services.merchant_reactivate(merchant=merchant, actor=admin_user)

    assert _key_client(merchant).get(ME).status_code == 200
    assert list(Event.objects.filter(merchant=merchant).values_list("type", flat=True)) == [
        "merchant.reactivated",
        "merchant.deactivated",
    ]


def test_deactivating_twice_is_refused(merchant: Merchant) -> None:
    services.merchant_deactivate(merchant=merchant)

    with pytest.raises(ApiError, match="already deactivated"):
        services.merchant_deactivate(merchant=merchant)
    assert Event.objects.filter(type="merchant.deactivated").count() == 1


def test_operator_deactivation_stops_them_but_not_oneself(admin_user: User) -> None:
    finance = UserFactory(role=Role.FINANCE, email="f2@ops.example")

    services.operator_deactivate(user=finance, actor=admin_user)

    finance.refresh_from_db()
    assert not finance.is_active
    with pytest.raises(ApiError, match="yourself"):
        services.operator_deactivate(user=admin_user, actor=admin_user)
