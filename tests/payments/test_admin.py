"""The Django admin pages for the payments models load, and show deleted rows to staff."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from payments import counts
from payments.models import Order, Payment, ProviderChange, ProviderProfile
from payments.routing import provider_profile
from tests.payments.conftest import create_order, paid_payment
from webhooks.models import Event

MODELS = [
    "order",
    "payment",
    "providerattempt",
    "refund",
    "balance",
    "ledgerentry",
    "payout",
    "providerprofile",
    "idempotencykey",
]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("who", ["admin_user", "finance_user"])
def test_changelists_and_change_pages_load(
    model: str, who: str, request: pytest.FixtureRequest, client: Client, merchant_api: APIClient
) -> None:
    payment = paid_payment(merchant_api)
    merchant_api.post("/paygate/api/v1/refunds/", {"payment_id": payment["id"], "amount": 100}, format="json")
    merchant_api.post(
        "/paygate/api/v1/payouts/", {"amount": 100, "currency": "GBP"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    client.force_login(request.getfixturevalue(who))

    changelist = client.get(reverse(f"admin:payments_{model}_changelist"))

    assert changelist.status_code == 200
    obj = changelist.context["cl"].result_list[0]
    assert client.get(reverse(f"admin:payments_{model}_change", args=[obj.pk])).status_code == 200


def test_admin_soft_delete_action_goes_through_the_service(
    client: Client, admin_user, finance_user, merchant_api: APIClient
) -> None:
    payment = paid_payment(merchant_api)
    url = reverse("admin:payments_payment_changelist")
    pk = Payment.objects.get(public_id=payment["id"]).pk

    client.force_login(finance_user)
    client.post(url, {"action": "soft_delete_selected", "_selected_action": [pk]})
    assert not Payment.objects.get(pk=pk).deleted

    client.force_login(admin_user)
    client.post(url, {"action": "soft_delete_selected", "_selected_action": [pk]})
    row = Payment.objects.all_with_deleted().get(pk=pk)
    assert row.deleted and row.events.filter(type="payment.deleted").exists()
    assert client.get(url + "?deleted__exact=1").context["cl"].result_count == 1


def test_admin_order_actions_go_through_the_services(client: Client, admin_user, finance_user, merchant_api) -> None:
    order = Order.objects.get(public_id=create_order(merchant_api)["id"])
    url = reverse("admin:payments_order_changelist")

    client.force_login(finance_user)  # read-only staff: the action is not theirs
    client.post(url, {"action": "soft_delete_selected", "_selected_action": [order.pk]})
    assert not Order.objects.all_with_deleted().get(pk=order.pk).deleted

    client.force_login(admin_user)
    client.post(url, {"action": "soft_delete_selected", "_selected_action": [order.pk]})
    assert Order.objects.all_with_deleted().get(pk=order.pk).deleted
    assert sum(f["orders"] for f in counts.tally_table().values()) == 0
    client.post(url, {"action": "restore_selected", "_selected_action": [order.pk]})
    assert not Order.objects.get(pk=order.pk).deleted
    assert sum(f["orders"] for f in counts.tally_table().values()) == 1
    types = Event.objects.filter(object_id=order.public_id).values_list("type", flat=True)
    assert sorted(types) == ["order.created", "order.deleted", "order.restored"]


@pytest.mark.parametrize("model", ["product", "paymentlink"])
def test_product_and_link_pages_load_with_deleted_rows(model: str, client: Client, admin_user, merchant_api) -> None:
    product = merchant_api.post(
        "/paygate/api/v1/products/", {"name": "Poster", "price": 900, "currency": "GBP", "stock": 3}, format="json"
    ).json()["data"]
    merchant_api.post("/paygate/api/v1/payment-links/", {"product_id": product["id"]}, format="json")
    merchant_api.delete(f"/paygate/api/v1/products/{product['id']}/")
    client.force_login(admin_user)

    changelist = client.get(reverse(f"admin:payments_{model}_changelist"))

    assert changelist.status_code == 200
    obj = changelist.context["cl"].result_list[0]
    assert client.get(reverse(f"admin:payments_{model}_change", args=[obj.pk])).status_code == 200


# --- provider profiles: saved through provider_update, as on the ops console ---------------------


def _change_form(profile: ProviderProfile, **controls: object) -> dict[str, object]:
    """Every field the change form shows, as the browser would send it, with `controls` applied."""
    data: dict[str, object] = {"success_rate": profile.success_rate, "added_latency_ms": profile.added_latency_ms}
    if profile.outage:
        data["outage"] = "on"
    data.update(controls)
    return {k: v for k, v in data.items() if v is not False}


def test_provider_change_in_the_admin_equals_the_ops_console(
    client: Client, admin_user, settings, django_capture_on_commit_callbacks
) -> None:
    # given: the router has the profiles cached
    settings.ROUTING_STATS_TTL_SECONDS = 3600
    cache.clear()
    assert not provider_profile("stripe").outage
    client.force_login(admin_user)
    stripe, paypal = ProviderProfile.objects.get(name="stripe"), ProviderProfile.objects.get(name="paypal")
    paypal_before = {"outage": False, "success_rate": paypal.success_rate, "added_latency_ms": 0}

    # when: the same change, to stripe from the admin, to paypal from the ops console
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:payments_providerprofile_change", args=[stripe.pk]),
            _change_form(stripe, outage="on", success_rate="0.5", added_latency_ms="250", display_name="Renamed"),
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/ops/providers/paypal/", {"paypal-outage": "on", "paypal-success_rate": "50", "paypal-latency_ms": "250"})  # fmt: skip

    # then: one audited change each, with the same shape; the router sees both at once
    assert response.status_code == 302
    by_admin, by_ops = (ProviderChange.objects.get(provider__name=name) for name in ("stripe", "paypal"))
    assert (by_admin.type, by_admin.actor, by_admin.after) == (by_ops.type, by_ops.actor, by_ops.after)
    assert by_admin.after == {"outage": True, "success_rate": 0.5, "added_latency_ms": 250}
    assert by_admin.before == {"outage": False, "success_rate": 0.93, "added_latency_ms": 0}
    assert by_ops.before == paypal_before
    assert provider_profile("stripe").outage and provider_profile("paypal").outage
    assert ProviderProfile.objects.get(pk=stripe.pk).display_name == "Stripe (simulated)"  # read-only


def test_provider_fields_the_service_does_not_handle_are_read_only(client: Client, admin_user) -> None:
    stripe = ProviderProfile.objects.get(name="stripe")
    client.force_login(admin_user)
    url = reverse("admin:payments_providerprofile_change", args=[stripe.pk])

    form = client.get(url).context["adminform"].form
    changelist = client.get(reverse("admin:payments_providerprofile_changelist"))

    assert set(form.fields) == {"outage", "success_rate", "added_latency_ms"}
    assert changelist.context["cl"].formset is None  # nothing list-editable
    assert not changelist.context["has_add_permission"]


def test_an_out_of_range_rate_in_the_admin_is_refused_and_not_audited(client: Client, admin_user) -> None:
    stripe = ProviderProfile.objects.get(name="stripe")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:payments_providerprofile_change", args=[stripe.pk]), _change_form(stripe, success_rate="1.5")
    )

    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert ProviderProfile.objects.get(pk=stripe.pk).success_rate == 0.93
    assert not ProviderChange.objects.exists()


def test_finance_cannot_change_a_provider_in_the_admin(client: Client, finance_user) -> None:
    stripe = ProviderProfile.objects.get(name="stripe")
    client.force_login(finance_user)

    response = client.post(
        reverse("admin:payments_providerprofile_change", args=[stripe.pk]), _change_form(stripe, outage="on")
    )

    assert response.status_code == 403
    assert not ProviderProfile.objects.get(pk=stripe.pk).outage and not ProviderChange.objects.exists()
