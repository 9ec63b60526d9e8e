from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from merchants.models import Merchant, User
from tests.conftest import API
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_merchant_deletes_own_account_and_everything_is_revoked(api: APIClient, merchant: Merchant) -> None:
    # given a logged-in merchant with a refresh cookie and an API key
    login = api.post(f"{API}/auth/token/", {"email": "owner@shop.example", "password": DEFAULT_PASSWORD}, format="json")
    access = login.json()["data"]["access"]
    refresh_cookie = api.cookies[settings.REFRESH_COOKIE_NAME].value
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    # when it deletes its account
    response = api.delete(f"{API}/me/")

    # then the user and merchant are soft-deleted, not removed
    assert response.status_code == 200
    assert response.json()["message"] == "Account deleted."
    assert not User.objects.filter(pk=merchant.user.pk).exists()
    assert not Merchant.objects.filter(pk=merchant.pk).exists()
    user = User.objects.all_with_deleted().get(pk=merchant.user.pk)
    row = Merchant.objects.all_with_deleted().get(pk=merchant.pk)
    assert user.deleted and user.deleted_at and not user.is_active
    assert row.deleted and row.deleted_at
    assert row.api_key_id is None and row.api_secret_hash == ""
    # and every credential stops working
    assert api.get(f"{API}/me/").status_code == 401
    replay = APIClient()
    replay.cookies[settings.REFRESH_COOKIE_NAME] = refresh_cookie
    assert replay.post(f"{API}/auth/refresh/").status_code == 401
    by_key = APIClient()
    by_key.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)
    assert by_key.get(f"{API}/me/").status_code == 401
    relogin = APIClient().post(
        f"{API}/auth/token/", {"email": "owner@shop.example", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert relogin.status_code == 401


def test_deleting_one_account_leaves_others_alone(merchant_api: APIClient, outsider: Merchant, client_for) -> None:
    assert merchant_api.delete(f"{API}/me/").status_code == 200

    assert client_for(outsider.user).get(f"{API}/me/").status_code == 200
    assert Merchant.objects.filter(pk=outsider.pk).exists()


@pytest.mark.parametrize("who", ["finance_api", "admin_api"])
def test_operators_cannot_delete_their_account_through_me(who: str, request: pytest.FixtureRequest) -> None:
    client = request.getfixturevalue(who)

    response = client.delete(f"{API}/me/")

    assert response.status_code == 403
    assert response.json()["exception"]["code"] == 1004
    assert User.objects.filter(deleted=False).count() == 1


def test_account_deletion_soft_deletes_orders_and_payments_but_keeps_money_records(
    merchant_api: APIClient, merchant: Merchant, finance_api: APIClient
) -> None:
    from payments.models import LedgerEntry, Order, Payment
    from payments.providers import ensure_default_profiles
    from tests.payments.conftest import paid_payment

    ensure_default_profiles()
    payment = paid_payment(merchant_api)

    assert merchant_api.delete(f"{API}/me/").status_code == 200

    assert not Order.objects.filter(merchant=merchant).exists()
    assert not Payment.objects.filter(merchant=merchant).exists()
    kept = Payment.objects.all_with_deleted().get(public_id=payment["id"])
    assert kept.deleted and kept.order.deleted
    assert LedgerEntry.objects.filter(merchant=merchant).count() == 2  # never deleted
    assert finance_api.get(f"{API}/payments/{payment['id']}/").status_code == 404
