"""Who may open the console: operators; merchants get 403 on every URL, logged-out visitors log
in and come back; finance gets 403 on every admin-only action."""

from __future__ import annotations

import pytest
from django.test import Client

from merchants.models import Merchant, User
from payments.models import Payment
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def _urls(payment: Payment, merchant: Merchant, user: User) -> dict[str, list[str]]:
    pid, mid = payment.public_id, merchant.public_id
    return {
        "get": [
            "/ops/", "/ops/review/", "/ops/payments/", f"/ops/payments/{pid}/", "/ops/merchants/",
            f"/ops/merchants/{mid}/", "/ops/users/", "/ops/providers/", "/ops/payments/export.csv",
            "/ops/refunds/export.csv",
        ],
        "post": [
            f"/ops/review/{pid}/decide/", f"/ops/payments/{pid}/attempts/", f"/ops/payments/{pid}/delete/",
            f"/ops/payments/{pid}/restore/", f"/ops/merchants/{mid}/deactivate/", f"/ops/merchants/{mid}/reactivate/",
            "/ops/users/new/", f"/ops/users/{user.public_id}/deactivate/", "/ops/providers/stripe/",
        ],
    }  # fmt: skip


ADMIN_ONLY = ("delete/", "restore/", "deactivate/", "reactivate/", "/ops/users/new/", "/ops/providers/stripe/")


def test_merchants_get_403_on_every_ops_url(merchant: Merchant, in_review, admin_user: User) -> None:
    client = Client()
    client.force_login(merchant.user)
    urls = _urls(in_review(), merchant, admin_user)

    for url in urls["get"]:
        assert client.get(url).status_code == 403, url
    for url in urls["post"]:
        assert client.post(url, {"note": "x", "decision": "approve"}).status_code == 403, url


def test_logged_out_visitors_are_sent_to_log_in_and_back(merchant: Merchant, in_review, admin_user: User) -> None:
    urls = _urls(in_review(), merchant, admin_user)

    for url in urls["get"]:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/portal/login/?next=/ops/"), url


def test_finance_gets_403_on_every_admin_only_action(
    finance: Client, merchant: Merchant, in_review, admin_user: User
) -> None:
    payment = in_review()
    urls = [url for url in _urls(payment, merchant, admin_user)["post"] if url.endswith(ADMIN_ONLY)]

    assert len(urls) == 7
    for url in urls:
        assert finance.post(url, {}).status_code == 403, url
    payment.refresh_from_db()
    merchant.user.refresh_from_db()
    assert not payment.deleted and merchant.user.is_active


def test_operators_open_every_page(finance: Client, admin: Client, merchant: Merchant, in_review, admin_user) -> None:
    for client in (finance, admin):
        for url in _urls(in_review(), merchant, admin_user)["get"]:
            assert client.get(url).status_code == 200, url


def test_operators_land_on_the_ops_console_after_logging_in(admin_user: User) -> None:
    response = Client().post("/portal/login/", {"username": "admin@ops.example", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/ops/"
