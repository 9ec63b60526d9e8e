"""Merchants: the list with volume, success rate, balance and last payment; search; detail;
Deactivate / Reactivate (admins) through the account service."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments.models import Payment
from tests.conftest import API
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_list_shows_volume_success_rate_balance_and_last_payment(
    paid, merchant: Merchant, outsider: Merchant, finance: Client
) -> None:
    paid(2599, "GBP")
    paid(5000, "GBP", "4000000000000002")

    response = finance.get("/ops/merchants/")

    row = next(r for r in response.context["rows"] if r["merchant"] == merchant)
    assert row["stats"]["payments"] == 2
    assert row["stats"]["volume"] == [{"currency": "GBP", "captured": 2599}]
    assert row["success_rate"] == 0.5
    assert row["last_payment"] is not None
    html = response.content.decode()
    assert "£25.99" in html and "50.0 %" in html and outsider.business_name in html


def test_search_by_name_email_or_id(merchant: Merchant, outsider: Merchant, finance: Client) -> None:
    for q in ("Shop of owner", "owner@shop.example", merchant.public_id):
        rows = finance.get("/ops/merchants/", {"q": q}).context["rows"]
        assert [r["merchant"] for r in rows] == [merchant], q


def test_detail_shows_the_merchant(paid, merchant: Merchant, finance: Client) -> None:
    payment = paid()

    html = finance.get(f"/ops/merchants/{merchant.public_id}/").content.decode()

    assert merchant.business_name in html and payment.public_id in html
    assert "Deactivate merchant" not in html  # finance sees, does not act


def test_admin_deactivates_then_reactivates_and_the_api_key_follows(
    paid, merchant: Merchant, admin: Client, admin_user
) -> None:
    payment = paid()
    key = APIClient()
    key.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)

    off = admin.post(f"/ops/merchants/{merchant.public_id}/deactivate/")

    assert off.status_code == 302
    assert "deactivated" in _messages(off)[0]
    assert key.get(f"{API}/me/").status_code == 401
    assert Payment.objects.filter(pk=payment.pk, deleted=False).exists()  # its payments stay
    assert "Reactivate merchant" in admin.get(f"/ops/merchants/{merchant.public_id}/").content.decode()
    assert Event.objects.filter(type="merchant.deactivated", actor=admin_user.public_id).exists()

    on = admin.post(f"/ops/merchants/{merchant.public_id}/reactivate/")

    assert "reactivated" in _messages(on)[0]
    assert key.get(f"{API}/me/").status_code == 200


def test_reactivating_an_active_merchant_is_refused_with_a_message(merchant: Merchant, admin: Client) -> None:
    response = admin.post(f"/ops/merchants/{merchant.public_id}/reactivate/")

    assert _messages(response) == ["Nothing was changed: This merchant is already active."]


def test_list_and_detail_query_counts_are_held(
    paid, merchant: Merchant, outsider: Merchant, finance: Client, django_assert_max_num_queries
) -> None:
    paid()

    with django_assert_max_num_queries(12):
        finance.get("/ops/merchants/")
    with django_assert_max_num_queries(19):  # PostgreSQL: + the selectors' planner settings
        finance.get(f"/ops/merchants/{merchant.public_id}/")
