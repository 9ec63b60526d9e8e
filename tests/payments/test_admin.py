"""The Django admin pages for the payments models load, and show deleted rows to staff."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from payments import counts
from payments.models import Order, Payment
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
