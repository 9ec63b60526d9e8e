"""`me/checkout/`: the merchant's allowed embedding origins and its checkout signing key."""

from __future__ import annotations

from rest_framework.test import APIClient

from merchants.models import Merchant
from tests.conftest import API


def test_merchant_sets_its_allowed_origins(merchant_api: APIClient, merchant: Merchant) -> None:
    response = merchant_api.put(
        f"{API}/me/checkout/",
        {"checkout_allowed_origins": ["https://shop.example/", "http://localhost:3000", "https://shop.example"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["data"]["checkout_allowed_origins"] == ["http://localhost:3000", "https://shop.example"]
    merchant.refresh_from_db()
    assert merchant.checkout_allowed_origins == ["http://localhost:3000", "https://shop.example"]


def test_an_origin_with_a_path_or_another_scheme_is_refused(merchant_api: APIClient) -> None:
    for bad in ("https://shop.example/pay", "ftp://shop.example", "shop.example", "https://a.example; script-src *"):
        response = merchant_api.put(f"{API}/me/checkout/", {"checkout_allowed_origins": [bad]}, format="json")
        assert response.status_code == 400, bad


def test_signing_key_changes_when_the_api_key_is_rotated(merchant_api: APIClient) -> None:
    before = merchant_api.get(f"{API}/me/checkout/").json()["data"]["checkout_signing_key"]

    merchant_api.post(f"{API}/me/api-keys/rotate/")

    after = merchant_api.get(f"{API}/me/checkout/").json()["data"]["checkout_signing_key"]
    assert before.startswith("csk_") and after.startswith("csk_") and before != after


def test_operators_have_no_checkout_settings(finance_api: APIClient, admin_api: APIClient) -> None:
    assert finance_api.get(f"{API}/me/checkout/").status_code == 403
    assert admin_api.put(f"{API}/me/checkout/", {"checkout_allowed_origins": []}, format="json").status_code == 403


def test_checkout_settings_need_credentials(api: APIClient, db: None) -> None:
    assert api.get(f"{API}/me/checkout/").status_code == 401
