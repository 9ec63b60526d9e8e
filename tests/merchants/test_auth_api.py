from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from merchants.models import Merchant, Role, User
from tests.conftest import API
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = f"{API}/auth/register/"
TOKEN = f"{API}/auth/token/"
REFRESH = f"{API}/auth/refresh/"
LOGOUT = f"{API}/auth/logout/"
ME = f"{API}/me/"


def register_body(**overrides: str) -> dict[str, str]:
    return {
        "email": "Ava@Example.com",
        "password": "a-long-unusual-passphrase",
        "name": "Ava Reed",
        "business_name": "Reed Books",
    } | overrides


def test_register_creates_merchant_and_answers_tokens_and_key_once(api: APIClient) -> None:
    response = api.post(REGISTER, register_body(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["role"] == "merchant"
    assert data["access"] and data["token_type"] == "Bearer"
    assert data["api_key"].startswith("key_") and data["api_secret"].startswith("sk_")
    assert data["user"]["email"] == "ava@example.com"
    assert data["user"]["merchant"]["id"].startswith("mer_")
    merchant = Merchant.objects.get(user__email="ava@example.com")
    assert merchant.api_key_id == data["api_key"]
    assert data["api_secret"] not in merchant.api_secret_hash  # only a keyed hash is stored
    assert data["webhook_secret"] == merchant.webhook_secret and merchant.webhook_secret.startswith("whsec_")
    assert settings.REFRESH_COOKIE_NAME in response.cookies
    # The secret is not readable afterwards.
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {data['access']}")
    assert "api_secret" not in str(me.get(ME).json())
    assert "whsec_" not in str(me.get(ME).json())


def test_register_duplicate_email_is_refused_case_insensitively(api: APIClient) -> None:
    api.post(REGISTER, register_body(), format="json")

    response = api.post(REGISTER, register_body(email="AVA@example.COM"), format="json")

    assert response.status_code == 400
    error = response.json()["exception"]
    assert error["code"] == 1008
    assert "email" in error["meta"]["fields"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "ava@example.com"])
def test_register_weak_password_is_refused_and_writes_nothing(api: APIClient, password: str) -> None:
    response = api.post(REGISTER, register_body(password=password), format="json")

    assert response.status_code == 400
    assert "password" in response.json()["exception"]["meta"]["fields"]
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["not-an-email", "", "a@", "@b.com"])
def test_register_bad_email_is_refused(api: APIClient, email: str) -> None:
    response = api.post(REGISTER, register_body(email=email), format="json")

    assert response.status_code == 400
    assert "email" in response.json()["exception"]["meta"]["fields"]
    assert not Merchant.objects.exists()


def test_register_refuses_unknown_fields_and_missing_fields(api: APIClient) -> None:
    unknown = api.post(REGISTER, register_body(role="admin"), format="json")
    missing = api.post(REGISTER, {"email": "x@example.com"}, format="json")

    assert unknown.status_code == 400
    assert unknown.json()["exception"]["meta"]["fields"] == {"role": ["Unknown field."]}
    assert missing.status_code == 400
    assert {"password", "name", "business_name"} <= set(missing.json()["exception"]["meta"]["fields"])
    assert not User.objects.exists()


def test_login_answers_access_token_and_sets_refresh_cookie(api: APIClient, merchant: Merchant) -> None:
    response = api.post(TOKEN, {"email": "OWNER@shop.example", "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["role"] == "merchant"
    assert data["expires_in"] == settings.ACCESS_TOKEN_MINUTES * 60
    assert "refresh" not in data  # the refresh token only travels in the HttpOnly cookie
    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/paygate/api/v1/auth/"
    assert cookie["secure"] is True  # tests run with DEBUG off
    assert int(cookie["max-age"]) == settings.REFRESH_TOKEN_DAYS * 86400


@pytest.mark.parametrize(
    ("email", "password"),
    [("owner@shop.example", "wrong-password"), ("nobody@shop.example", DEFAULT_PASSWORD)],
)
def test_login_with_bad_credentials_is_401(api: APIClient, merchant: Merchant, email: str, password: str) -> None:
    response = api.post(TOKEN, {"email": email, "password": password}, format="json")

    assert response.status_code == 401
    assert response.json()["exception"]["code"] == 1002
    assert settings.REFRESH_COOKIE_NAME not in response.cookies


@pytest.mark.usefixtures("one_rate_window")
def test_sixth_login_attempt_in_a_minute_is_rate_limited(api: APIClient, merchant: Merchant) -> None:
    for _ in range(5):
        assert (
            api.post(TOKEN, {"email": "owner@shop.example", "password": "nope-nope"}, format="json").status_code == 401
        )

    response = api.post(TOKEN, {"email": "owner@shop.example", "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 429
    assert response.json()["exception"]["code"] == 1005
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another address is not limited.
    other = api.post(
        TOKEN, {"email": "owner@shop.example", "password": DEFAULT_PASSWORD}, format="json", REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 200


def login(api: APIClient, email: str = "owner@shop.example", password: str = DEFAULT_PASSWORD) -> str:
    response = api.post(TOKEN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200
    return response.json()["data"]["access"]


def test_refresh_rotates_the_cookie_and_refuses_the_old_token(api: APIClient, merchant: Merchant) -> None:
    login(api)
    old = api.cookies[settings.REFRESH_COOKIE_NAME].value

    response = api.post(REFRESH)

    assert response.status_code == 200
    assert response.json()["data"]["access"]
    new = response.cookies[settings.REFRESH_COOKIE_NAME].value
    assert new and new != old
    replay = APIClient()
    replay.cookies[settings.REFRESH_COOKIE_NAME] = old
    refused = replay.post(REFRESH)
    assert refused.status_code == 401
    assert refused.json()["exception"]["code"] == 1003


def test_refresh_without_cookie_is_401(api: APIClient) -> None:
    response = api.post(REFRESH)

    assert response.status_code == 401
    assert response.json()["exception"]["code"] == 1003


def test_logout_blacklists_and_clears_the_cookie(api: APIClient, merchant: Merchant) -> None:
    login(api)
    token = api.cookies[settings.REFRESH_COOKIE_NAME].value

    response = api.post(LOGOUT)

    assert response.status_code == 200
    assert response.json()["message"] == "Logged out."
    assert response.cookies[settings.REFRESH_COOKIE_NAME].value == ""
    again = APIClient()
    again.cookies[settings.REFRESH_COOKIE_NAME] = token
    assert again.post(REFRESH).status_code == 401


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.FINANCE, Role.ADMIN])
def test_me_answers_the_profile_for_each_role(
    role: str, merchant: Merchant, finance_user: User, admin_user: User, client_for
) -> None:
    user = {Role.MERCHANT: merchant.user, Role.FINANCE: finance_user, Role.ADMIN: admin_user}[role]

    response = client_for(user).get(ME)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == user.public_id and data["role"] == role
    if role == Role.MERCHANT:
        assert data["merchant"]["id"] == merchant.public_id
        assert data["merchant"]["api_key"] == merchant.api_key_id
    else:
        assert data["merchant"] is None


def test_me_without_credentials_is_401(api: APIClient) -> None:
    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["exception"]["code"] == 1001
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_with_a_garbage_token_is_401(api: APIClient) -> None:
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")

    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["exception"]["code"] == 1003


def test_admin_creates_finance_and_admin_users(admin_api: APIClient, api: APIClient) -> None:
    for role in ("finance", "admin"):
        email = f"new-{role}@ops.example"
        response = admin_api.post(
            f"{API}/auth/register-admin/",
            {"email": email, "password": "another-long-passphrase", "name": "New Op", "role": role},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["data"]["role"] == role
        user = User.objects.get(email=email)
        assert user.is_staff and user.is_superuser == (role == "admin")
        assert not hasattr(user, "merchant") or user.merchant is None
        assert login(api, email, "another-long-passphrase")


def test_register_admin_refuses_merchant_role(admin_api: APIClient) -> None:
    response = admin_api.post(
        f"{API}/auth/register-admin/",
        {"email": "m@ops.example", "password": "another-long-passphrase", "name": "M", "role": "merchant"},
        format="json",
    )

    assert response.status_code == 400
    assert "role" in response.json()["exception"]["meta"]["fields"]


@pytest.mark.parametrize("who", ["finance_api", "merchant_api"])
def test_register_admin_is_forbidden_to_other_roles(who: str, request: pytest.FixtureRequest) -> None:
    client = request.getfixturevalue(who)

    response = client.post(
        f"{API}/auth/register-admin/",
        {"email": "sneaky@ops.example", "password": "another-long-passphrase", "name": "S", "role": "admin"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["exception"]["code"] == 1004
    assert not User.objects.filter(email="sneaky@ops.example").exists()


def test_register_admin_anonymous_is_401(api: APIClient) -> None:
    response = api.post(f"{API}/auth/register-admin/", {}, format="json")

    assert response.status_code == 401
