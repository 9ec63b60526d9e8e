"""Users: admins create admin and finance users and deactivate them; finance reads the list."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from merchants.models import Merchant, Role, User

pytestmark = pytest.mark.django_db

NEW = {"name": "Nia Okafor", "email": "nia@ops.example", "role": "finance", "password": "a-long-enough-secret"}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_list_shows_operators_only(merchant: Merchant, finance_user: User, admin: Client) -> None:
    html = admin.get("/ops/users/").content.decode()

    assert "finance@ops.example" in html and "admin@ops.example" in html
    assert "owner@shop.example" not in html
    assert "Create user" in html


def test_finance_sees_the_list_without_the_actions(finance: Client) -> None:
    html = finance.get("/ops/users/").content.decode()

    assert "finance@ops.example" in html
    assert "Create user" not in html and "Deactivate" not in html


def test_admin_creates_a_finance_user_who_can_log_in(admin: Client) -> None:
    response = admin.post("/ops/users/new/", NEW)

    assert response.status_code == 302
    assert _messages(response) == ["Finance user nia@ops.example created."]
    created = User.objects.get(email="nia@ops.example")
    assert (created.role, created.name) == (Role.FINANCE, "Nia Okafor")
    assert Client().login(username="nia@ops.example", password=NEW["password"])


def test_a_taken_email_shows_the_error_beside_the_field_and_keeps_the_input(admin: Client, finance_user) -> None:
    response = admin.post("/ops/users/new/", {**NEW, "email": "finance@ops.example"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_email_error"' in html and "An account with this email already exists." in html
    assert 'value="Nia Okafor"' in html and 'value="finance@ops.example"' in html


def test_admin_deactivates_an_operator(admin: Client, finance_user: User) -> None:
    response = admin.post(f"/ops/users/{finance_user.public_id}/deactivate/")

    assert _messages(response) == ["finance@ops.example deactivated: their sessions and tokens no longer work."]
    finance_user.refresh_from_db()
    assert not finance_user.is_active


def test_merchants_are_not_deactivated_here(admin: Client, merchant: Merchant) -> None:
    assert admin.post(f"/ops/users/{merchant.user.public_id}/deactivate/").status_code == 404


def test_users_query_count_is_held(admin: Client, finance_user, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(4):
        admin.get("/ops/users/")
