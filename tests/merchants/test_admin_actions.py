"""The Django admin's actions on merchants and users go through the account services: the result
equals the API's account deletion. `deleted` and `webhook_url` are read-only on the merchant."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from merchants import services
from merchants.models import Merchant, Role, User
from paygate.lib.admin import SoftDeleteAdmin
from payments.models import Order, Payment
from payments.providers import ensure_default_profiles
from tests.conftest import API
from tests.factories import UserFactory
from tests.payments.conftest import paid_payment
from webhooks.models import Event

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


# --- users: activity and role only through the services ----------------------------------------


def _account(merchant: Merchant) -> tuple:
    """What a deactivation changes on a merchant's account: the user's flag, its refresh tokens
    (blacklisted or not), the audit events (type, actor) and whether its API key still works."""
    user = User.objects.get(pk=merchant.user_id)
    tokens = OutstandingToken.objects.filter(user=user)
    key = APIClient()
    key.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)
    events = Event.objects.filter(merchant=merchant, object_id=merchant.public_id, type__startswith="merchant.")
    return (
        user.is_active,
        tokens.count(), tokens.filter(blacklistedtoken__isnull=False).count(),
        sorted(events.values_list("type", "actor")),
        key.get(f"{API}/me/").status_code,
    )  # fmt: skip


def test_deactivating_a_merchant_user_in_the_admin_equals_the_ops_console(
    merchant: Merchant, outsider: Merchant, admin_user: User
) -> None:
    # given: each merchant holds a refresh token
    RefreshToken.for_user(merchant.user)
    RefreshToken.for_user(outsider.user)
    client = _admin(admin_user)

    # when: one is deactivated from the admin, the other from the ops console
    client.post(USERS, {"action": "deactivate_selected", "_selected_action": [merchant.user.pk]})
    client.post(f"/ops/merchants/{outsider.public_id}/deactivate/")

    # then: the same state — inactive, tokens blacklisted, one audit event by the admin, key refused
    expected = (False, 1, 1, [("merchant.deactivated", admin_user.public_id)], 401)
    assert _account(merchant) == _account(outsider) == expected


def test_reactivating_a_merchant_user_in_the_admin_equals_the_ops_console(
    merchant: Merchant, outsider: Merchant, admin_user: User
) -> None:
    client = _admin(admin_user)
    client.post(USERS, {"action": "deactivate_selected", "_selected_action": [merchant.user.pk, outsider.user.pk]})

    client.post(USERS, {"action": "reactivate_selected", "_selected_action": [merchant.user.pk]})
    client.post(f"/ops/merchants/{outsider.public_id}/reactivate/")

    expected = (
        True, 0, 0,
        [("merchant.deactivated", admin_user.public_id), ("merchant.reactivated", admin_user.public_id)],
        200,
    )  # fmt: skip
    assert _account(merchant) == _account(outsider) == expected


def test_deactivating_an_operator_revokes_its_tokens_and_reactivating_lets_it_in(admin_user: User) -> None:
    finance = UserFactory(role=Role.FINANCE, email="f4@ops.example")
    token = RefreshToken.for_user(finance)
    client = _admin(admin_user)

    client.post(USERS, {"action": "deactivate_selected", "_selected_action": [finance.pk]})

    finance.refresh_from_db()
    assert not finance.is_active
    assert OutstandingToken.objects.get(jti=token["jti"]).blacklistedtoken is not None

    client.post(USERS, {"action": "reactivate_selected", "_selected_action": [finance.pk]})

    finance.refresh_from_db()
    assert finance.is_active


def test_an_admin_cannot_deactivate_itself_in_the_admin(admin_user: User) -> None:
    response = _admin(admin_user).post(
        USERS, {"action": "deactivate_selected", "_selected_action": [admin_user.pk]}, follow=True
    )

    assert "You cannot deactivate yourself." in response.content.decode()
    assert User.objects.get(pk=admin_user.pk).is_active


def test_reactivating_an_active_user_is_refused_and_changes_nothing(merchant: Merchant, admin_user: User) -> None:
    response = _admin(admin_user).post(
        USERS, {"action": "reactivate_selected", "_selected_action": [merchant.user.pk]}, follow=True
    )

    assert "already active" in response.content.decode()
    assert not Event.objects.filter(merchant=merchant).exists()


def test_finance_cannot_deactivate_users_in_the_admin(merchant: Merchant, finance_user: User) -> None:
    client = _admin(finance_user)

    offered = client.get(USERS).context["action_form"]  # read-only staff: no action at all
    client.post(USERS, {"action": "deactivate_selected", "_selected_action": [merchant.user.pk]})

    assert offered is None
    assert User.objects.get(pk=merchant.user_id).is_active
    assert client.post(reverse("admin:merchants_user_change", args=[merchant.user_id]), {}).status_code == 403


def test_role_is_active_and_deleted_are_read_only_on_the_change_form(merchant: Merchant, admin_user: User) -> None:
    client = _admin(admin_user)
    url = reverse("admin:merchants_user_change", args=[merchant.user_id])

    form = client.get(url).context["adminform"].form
    response = client.post(
        url, {"email": "owner@shop.example", "name": "Renamed", "role": "admin", "is_active": "", "deleted": "on"}
    )

    assert response.status_code == 302
    assert not {"role", "is_active", "deleted"} & set(form.fields)
    user = User.objects.get(pk=merchant.user_id)
    assert (user.name, user.role, user.is_active, user.is_staff, user.deleted) == (
        "Renamed",
        "merchant",
        True,
        False,
        False,
    )


ADD = reverse("admin:merchants_user_add")


def test_the_add_form_creates_an_operator_like_the_ops_console(admin_user: User) -> None:
    client = _admin(admin_user)
    fields = {
        "name": "Fin",
        "role": "finance",
        "password1": "a-long-pass-phrase-9",
        "password2": "a-long-pass-phrase-9",
    }

    response = client.post(ADD, {"email": " Fin@Ops.example ", **fields})
    client.post("/ops/users/new/", {"email": "fin2@ops.example", "name": "Fin", "role": "finance",
                                    "password": "a-long-pass-phrase-9"})  # fmt: skip

    assert response.status_code == 302
    made = User.objects.get(email="fin@ops.example")
    twin = User.objects.get(email="fin2@ops.example")
    shape = lambda u: (u.role, u.is_staff, u.is_superuser, u.is_active, u.name)  # noqa: E731
    assert shape(made) == shape(twin) == ("finance", True, False, True, "Fin")
    assert made.check_password("a-long-pass-phrase-9")
    assert response["Location"] == reverse("admin:merchants_user_change", args=[made.pk])


def test_the_add_form_refuses_a_merchant_role_and_a_deleted_users_email(admin_user: User) -> None:
    client = _admin(admin_user)
    gone = UserFactory(role=Role.FINANCE, email="gone@ops.example")
    services.operator_delete(user=gone, actor=admin_user)
    password = {"password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"}

    merchant_role = client.post(ADD, {"email": "m@ops.example", "name": "M", "role": "merchant", **password})
    taken = client.post(ADD, {"email": "gone@ops.example", "name": "G", "role": "finance", **password})

    assert merchant_role.status_code == taken.status_code == 200  # the form again, with its errors
    assert "role" in merchant_role.context["adminform"].form.errors
    assert taken.context["adminform"].form.errors["email"] == ["An account with this email already exists."]
    assert not User.objects.all_with_deleted().filter(email="m@ops.example").exists()


def test_the_soft_delete_admin_base_offers_no_action_of_its_own(admin_user: User) -> None:
    class Bare(SoftDeleteAdmin):
        pass

    request = RequestFactory().get("/admin/")
    request.user = admin_user

    actions = Bare(Order, admin.site).get_actions(request)

    assert not {"soft_delete_selected", "restore_selected", "delete_selected"} & set(actions)
