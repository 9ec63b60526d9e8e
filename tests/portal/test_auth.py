from __future__ import annotations

import pytest
from django.test import Client

from merchants.models import Merchant
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/portal/login/"


def test_merchant_logs_in_to_the_portal_and_sees_who_they_are(client: Client, merchant: Merchant) -> None:
    response = client.post(LOGIN, {"username": "owner@shop.example", "password": DEFAULT_PASSWORD}, follow=True)

    assert response.status_code == 200
    assert response.context["user"] == merchant.user
    assert b"owner@shop.example" in response.content


def test_wrong_password_shows_the_error_on_the_form(client: Client, merchant: Merchant) -> None:
    response = client.post(LOGIN, {"username": "owner@shop.example", "password": "wrong"})

    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert b"Please enter a correct email and password" in response.content


@pytest.mark.usefixtures("one_rate_window")
def test_portal_login_is_rate_limited(client: Client, merchant: Merchant) -> None:
    for _ in range(5):
        client.post(LOGIN, {"username": "owner@shop.example", "password": "wrong"})

    response = client.post(LOGIN, {"username": "owner@shop.example", "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many attempts" in response.content


def test_logout_ends_the_session(client: Client, merchant: Merchant) -> None:
    client.force_login(merchant.user)

    response = client.post("/portal/logout/", follow=True)

    assert not response.context["user"].is_authenticated


@pytest.mark.usefixtures("one_rate_window")
def test_admin_login_is_rate_limited(client: Client, admin_user) -> None:
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin@ops.example", "password": "wrong"})

    assert (
        client.post("/admin/login/", {"username": "admin@ops.example", "password": DEFAULT_PASSWORD}).status_code == 429
    )


def test_operators_reach_the_django_admin_and_merchants_do_not(
    client: Client, merchant: Merchant, finance_user, admin_user
) -> None:
    client.force_login(finance_user)
    assert client.get("/admin/merchants/merchant/").status_code == 200
    assert client.get("/admin/merchants/user/add/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/admin/merchants/user/add/").status_code == 200
    client.force_login(merchant.user)
    assert client.get("/admin/").status_code == 302  # to the admin login


def test_landing_page_links_docs_admin_and_login(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    for href in (b'href="/paygate/api/docs/"', b'href="/admin/"', b'href="/portal/login/"'):
        assert href in response.content
