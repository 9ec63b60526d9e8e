from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from merchants.models import Merchant
from tests.conftest import API

pytestmark = pytest.mark.django_db

ME = f"{API}/me/"


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def test_key_and_secret_headers_authenticate_the_merchant(api: APIClient, merchant: Merchant) -> None:
    api.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)

    response = api.get(ME)

    assert response.status_code == 200
    assert response.json()["data"]["merchant"]["id"] == merchant.public_id


def test_http_basic_key_and_secret_authenticates(api: APIClient, merchant: Merchant) -> None:
    api.credentials(HTTP_AUTHORIZATION=basic(merchant.api_key_id, merchant.api_secret))

    response = api.get(ME)

    assert response.status_code == 200
    assert response.json()["data"]["id"] == merchant.user.public_id


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_API_KEY": "key_unknownunknownunknown", "HTTP_X_API_SECRET": "sk_whatever"},
        {"HTTP_X_API_KEY": "KEY", "HTTP_X_API_SECRET": ""},
        {"HTTP_AUTHORIZATION": "Basic !!!not-base64"},
        {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"no-colon").decode()},
    ],
)
def test_bad_api_credentials_are_401(api: APIClient, merchant: Merchant, headers: dict[str, str]) -> None:
    api.credentials(**headers)

    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["exception"]["code"] == 1006
    assert response["WWW-Authenticate"]


def test_wrong_secret_for_a_real_key_is_401(api: APIClient, merchant: Merchant, outsider: Merchant) -> None:
    api.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=outsider.api_secret)

    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["exception"]["code"] == 1006


def test_rotation_revokes_the_old_key_and_the_new_one_works(merchant_api: APIClient, merchant: Merchant) -> None:
    response = merchant_api.post(f"{API}/me/api-keys/rotate/")

    assert response.status_code == 200
    new = response.json()["data"]
    assert new["api_key"] != merchant.api_key_id and new["api_secret"].startswith("sk_")
    old_client = APIClient()
    old_client.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)
    assert old_client.get(ME).status_code == 401
    new_client = APIClient()
    new_client.credentials(HTTP_AUTHORIZATION=basic(new["api_key"], new["api_secret"]))
    assert new_client.get(ME).status_code == 200


def test_a_key_authenticated_merchant_can_rotate_its_key(api: APIClient, merchant: Merchant) -> None:
    api.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)

    assert api.post(f"{API}/me/api-keys/rotate/").status_code == 200


@pytest.mark.parametrize("who", ["finance_api", "admin_api"])
def test_rotation_is_forbidden_to_operators(who: str, request: pytest.FixtureRequest) -> None:
    response = request.getfixturevalue(who).post(f"{API}/me/api-keys/rotate/")

    assert response.status_code == 403
