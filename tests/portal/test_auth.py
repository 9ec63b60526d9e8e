from __future__ import annotations

from typing import Any

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


NEW_PASSWORD = "a-fresh-and-longer-passphrase"


def change_password(client: Client, old: str) -> Any:
    return client.post(
        "/portal/password/",
        {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )


def test_a_wrong_old_password_is_shown_beside_its_field_and_changes_nothing(client: Client, merchant: Merchant) -> None:
    client.force_login(merchant.user)

    response = change_password(client, "not-my-password")

    assert response.status_code == 200 and response.redirect_chain == []
    page = response.content.decode()
    assert '<div class="field has-error">' in page
    assert '<div class="field-error" id="id_old_password_error">Your old password was entered incorrectly' in page
    assert "Password changed." not in page
    merchant.user.refresh_from_db()
    assert merchant.user.check_password(DEFAULT_PASSWORD)


def test_a_password_change_is_confirmed_and_the_new_password_logs_in(client: Client, merchant: Merchant) -> None:
    client.force_login(merchant.user)

    response = change_password(client, DEFAULT_PASSWORD)

    assert response.redirect_chain == [("/portal/account/", 302)]
    assert "Password changed." in response.content.decode()
    assert response.context["user"].is_authenticated  # this session stays logged in
    client.post("/portal/logout/")
    refused = client.post(LOGIN, {"username": "owner@shop.example", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200 and b"Please enter a correct email and password" in refused.content
    accepted = client.post(LOGIN, {"username": "owner@shop.example", "password": NEW_PASSWORD})
    assert accepted.status_code == 302 and accepted["Location"] == "/portal/"
