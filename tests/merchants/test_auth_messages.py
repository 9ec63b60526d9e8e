"""Every auth failure answers a sentence in `message`: never a Python repr of DRF's error details."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from merchants.models import Merchant, Role
from tests.conftest import API
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = f"{API}/auth/token/"
REFRESH = f"{API}/auth/refresh/"
ME = f"{API}/me/"
REPR = re.compile(r"ErrorDetail|\{'|\['|'code'|string=")


def assert_plain(response, status: int, code: int) -> str:
    assert response.status_code == status, response.content
    exception = response.json()["exception"]
    assert exception["code"] == code
    message = exception["message"]
    assert isinstance(message, str) and message.strip()
    assert not REPR.search(message), message
    assert message[0].isupper(), message
    return message


def login(api: APIClient, email: str, password: str = DEFAULT_PASSWORD):
    return api.post(TOKEN, {"email": email, "password": password}, format="json")


def test_wrong_password_says_so_in_a_sentence(api: APIClient, merchant: Merchant) -> None:
    message = assert_plain(login(api, "owner@shop.example", "not-the-password"), 401, 1002)

    assert message == "Invalid email or password."


def test_an_inactive_user_gets_the_same_sentence(api: APIClient) -> None:
    UserFactory(email="gone@ops.example", role=Role.FINANCE, is_active=False)

    assert assert_plain(login(api, "gone@ops.example"), 401, 1002) == "Invalid email or password."


def test_a_garbage_refresh_cookie(api: APIClient) -> None:
    api.cookies[settings.REFRESH_COOKIE_NAME] = "garbage"

    assert_plain(api.post(REFRESH), 401, 1003)


def test_a_blacklisted_refresh_token(api: APIClient, merchant: Merchant) -> None:
    assert login(api, "owner@shop.example").status_code == 200
    token = api.cookies[settings.REFRESH_COOKIE_NAME].value
    api.post(f"{API}/auth/logout/")
    replay = APIClient()
    replay.cookies[settings.REFRESH_COOKIE_NAME] = token

    assert_plain(replay.post(REFRESH), 401, 1003)


@pytest.mark.parametrize(
    "header",
    ["Bearer not.a.jwt", "Bearer", "Bearer a b", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"],
    ids=["malformed", "no-token", "three-parts", "bad-signature"],
)
def test_a_malformed_bearer_header(api: APIClient, header: str) -> None:
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get(ME)

    assert_plain(response, 401, response.json()["exception"]["code"])


def test_an_expired_access_token(api: APIClient, merchant: Merchant) -> None:
    access = str(RefreshToken.for_user(merchant.user).access_token)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert_plain(api.get(ME), 401, 1003)


def test_a_token_of_a_deleted_account(client_for: Callable[..., APIClient], merchant: Merchant) -> None:
    client = client_for(merchant.user)
    assert client.delete(ME).status_code == 200

    response = client.get(ME)

    assert_plain(response, 401, response.json()["exception"]["code"])


@pytest.mark.parametrize(
    "credentials",
    [
        {"HTTP_X_API_KEY": "key_nope", "HTTP_X_API_SECRET": "sk_nope"},
        {"HTTP_X_API_KEY": "key_nope"},
        {"HTTP_AUTHORIZATION": "Basic !!!"},
    ],
    ids=["unknown-key", "key-without-secret", "malformed-basic"],
)
def test_bad_api_credentials(api: APIClient, credentials: dict[str, str]) -> None:
    api.credentials(**credentials)

    assert_plain(api.get(ME), 401, 1006)


def test_no_credentials(api: APIClient) -> None:
    assert_plain(api.get(ME), 401, 1001)
