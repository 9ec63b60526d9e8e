"""The Django admin's actions on merchants and users go through the account services: the result
equals the API's account deletion. `deleted` and `webhook_url` are read-only on the merchant."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from merchants.models import Merchant, Role, User
from payments.models import Order, Payment
from payments.providers import ensure_default_profiles
from tests.conftest import API
from tests.factories import UserFactory
from tests.payments.conftest import paid_payment

pytestmark = pytest.mark.django_db

MERCHANTS = reverse("admin:merchants_merchant_changelist")
USERS = reverse("admin:merchants_user_changelist")


@pytest.fixture(autouse=True)
def providers(settings) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


def _state(merchant: Merchant) -> tuple:
    row = Merchant.objects.all_with_deleted().select_related("user").get(pk=merchant.pk)
    user = User.objects.all_with_deleted().get(pk=row.user_id)
    return (
        row.deleted, row.api_key_id, row.api_secret_hash, user.deleted, user.is_active,
        Order.objects.filter(merchant=row).count(), Payment.objects.filter(merchant=row).count(),
        Order.objects.all_with_deleted().filter(merchant=row).count(),
    )  # fmt: skip


def _admin(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_merchant_delete_action_equals_the_api_account_deletion(
    merchant: Merchant, outsider: Merchant, admin_user: User, client_for: Callable[[User], APIClient]
) -> None:
    # given: both merchants have a payment; the outsider deletes itself through the API
    paid_payment(client_for(merchant.user))
    outsider_api = client_for(outsider.user)
    paid_payment(outsider_api)
    assert outsider_api.delete(f"{API}/me/").status_code == 200

    # when: an admin deletes the other in the admin
    _admin(admin_user).post(MERCHANTS, {"action": "soft_delete_selected", "_selected_action": [merchant.pk]})

    # then: the same state — keys revoked, orders and payments hidden, user deleted and inactive
    assert _state(merchant) == _state(outsider) == (True, None, "", True, False, 0, 0, 1)
    key = APIClient()
    key.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)
    assert key.get(f"{API}/me/").status_code == 401


def test_merchant_restore_is_not_offered(merchant: Merchant, admin_user: User) -> None:
    response = _admin(admin_user).get(MERCHANTS)

    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "soft_delete_selected" in actions and "restore_selected" not in actions


def test_deleted_and_webhook_url_are_read_only(merchant: Merchant, admin_user: User) -> None:
    client = _admin(admin_user)
    url = reverse("admin:merchants_merchant_change", args=[merchant.pk])

    form = client.get(url).context["adminform"].form
    client.post(url, {"business_name": "Renamed", "webhook_url": "http://127.0.0.1/x", "deleted": "on"})

    assert "webhook_url" not in form.fields and "deleted" not in form.fields
    merchant.refresh_from_db()
    assert merchant.webhook_url == "" and not merchant.deleted


def test_user_delete_action_deletes_a_merchants_whole_account(merchant: Merchant, admin_user: User) -> None:
    _admin(admin_user).post(USERS, {"action": "soft_delete_selected", "_selected_action": [merchant.user.pk]})

    assert _state(merchant)[:5] == (True, None, "", True, False)


def test_user_delete_and_restore_of_an_operator(admin_user: User) -> None:
    finance = UserFactory(role=Role.FINANCE, email="f3@ops.example")
    client = _admin(admin_user)

    client.post(USERS, {"action": "soft_delete_selected", "_selected_action": [finance.pk]})
    row = User.objects.all_with_deleted().get(pk=finance.pk)
    assert row.deleted and not row.is_active

    client.post(USERS, {"action": "restore_selected", "_selected_action": [finance.pk]})
    row.refresh_from_db()
    assert not row.deleted and row.is_active


def test_a_deleted_merchant_user_is_not_restored(merchant: Merchant, admin_user: User) -> None:
    client = _admin(admin_user)
    client.post(USERS, {"action": "soft_delete_selected", "_selected_action": [merchant.user.pk]})

    response = client.post(USERS, {"action": "restore_selected", "_selected_action": [merchant.user.pk]}, follow=True)

    assert "the merchant signs up again" in response.content.decode()
    assert User.objects.all_with_deleted().get(pk=merchant.user.pk).deleted


def test_admin_index_links_to_the_ops_console(admin_user: User) -> None:
    assert 'href="/ops/"' in _admin(admin_user).get("/admin/").content.decode()
