"""The Django admin pages for the payments models load, and show deleted rows to staff."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from payments.models import Payment
from tests.payments.conftest import paid_payment

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
