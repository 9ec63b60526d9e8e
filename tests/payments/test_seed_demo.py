from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from merchants.models import Merchant, User
from payments.management.commands.seed_demo import DEMO_API_KEY_ID, DEMO_API_SECRET, DEMO_USERS
from tests.conftest import API

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    users = list(
        User.objects.all_with_deleted()
        .order_by("email")
        .values_list("email", "password", "role", "public_id", "updated_at")
    )
    merchants = list(
        Merchant.objects.all_with_deleted().values_list(
            "public_id", "api_key_id", "api_secret_hash", "webhook_secret", "updated_at"
        )
    )
    return users + merchants


def test_seed_demo_creates_a_user_per_role_with_printed_credentials() -> None:
    out = StringIO()

    call_command("seed_demo", "--force", stdout=out)

    text = out.getvalue()
    for demo in DEMO_USERS:
        assert demo.email in text and demo.password in text
        assert User.objects.get(email=demo.email).role == demo.role
    assert DEMO_API_KEY_ID in text and DEMO_API_SECRET in text


def test_seed_demo_twice_changes_nothing() -> None:
    call_command("seed_demo", "--force", stdout=StringIO())
    before = snapshot()

    call_command("seed_demo", "--force", stdout=StringIO())

    assert snapshot() == before


def test_printed_demo_credentials_work() -> None:
    call_command("seed_demo", "--force", stdout=StringIO())
    api = APIClient()

    for demo in DEMO_USERS:
        response = api.post(f"{API}/auth/token/", {"email": demo.email, "password": demo.password}, format="json")
        assert response.status_code == 200, demo.email
    api.credentials(HTTP_X_API_KEY=DEMO_API_KEY_ID, HTTP_X_API_SECRET=DEMO_API_SECRET)
    assert api.get(f"{API}/me/").json()["data"]["email"] == "merchant@paygate.test"


def test_seed_demo_refuses_with_debug_off_unless_forced(settings: object) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()

    call_command("seed_demo", "--force", "--payments", "0", stdout=StringIO())
    assert User.objects.filter(email=DEMO_USERS[0].email).exists()
