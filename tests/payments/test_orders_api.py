from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments.models import Order
from tests.conftest import API
from tests.payments.conftest import create_order

ORDERS = f"{API}/orders/"


def test_merchant_creates_an_order(merchant_api: APIClient, merchant: Merchant) -> None:
    response = merchant_api.post(
        ORDERS, {"amount": 2599, "currency": "gbp", "receipt": "inv_42", "notes": {"sku": "B-1"}}, format="json"
    )

    assert response.status_code == 201
    order = response.json()["data"]
    assert order["id"].startswith("order_")
    assert order | {"id": None, "created_at": None} == {
        "id": None, "merchant_id": merchant.public_id, "amount": 2599, "currency": "GBP", "amount_paid": 0,
        "amount_due": 2599, "status": "created", "receipt": "inv_42", "notes": {"sku": "B-1"}, "attempts": 0,
        "expires_at": None, "created_at": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 0, "currency": "GBP"}, "amount"),
        ({"amount": -100, "currency": "GBP"}, "amount"),
        ({"amount": 10**12, "currency": "GBP"}, "amount"),
        ({"amount": 25.99, "currency": "GBP"}, "amount"),
        ({"amount": 2599.0, "currency": "GBP"}, "amount"),
        ({"amount": "2599", "currency": "GBP"}, "amount"),
        ({"amount": True, "currency": "GBP"}, "amount"),
        ({"amount": 10, "currency": "GBP"}, "amount"),  # below the currency minimum
        ({"amount": 2599, "currency": "XXX"}, "currency"),
        ({"amount": 2599, "currency": 7}, "currency"),
        ({"amount": 2599}, "currency"),
        ({"currency": "GBP"}, "amount"),
        ({"amount": 2599, "currency": "GBP", "colour": "red"}, "colour"),
        ({"amount": 2599, "currency": "GBP", "notes": "text"}, "notes"),
        ({"amount": 2599, "currency": "GBP", "receipt": "x" * 65}, "receipt"),
        ({"amount": 2599, "currency": "GBP", "merchant_id": "mer_somebodyelse000"}, "merchant_id"),
    ],
)
def test_bad_order_input_is_400_and_writes_nothing(merchant_api: APIClient, body: dict, field: str) -> None:
    response = merchant_api.post(ORDERS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["exception"]["meta"]["fields"]
    assert not Order.objects.exists()


def test_admin_creates_an_order_on_behalf_of_a_merchant(admin_api: APIClient, merchant: Merchant) -> None:
    missing = admin_api.post(ORDERS, {"amount": 1000, "currency": "USD"}, format="json")
    unknown = admin_api.post(
        ORDERS, {"amount": 1000, "currency": "USD", "merchant_id": "mer_doesnotexist0000"}, format="json"
    )
    response = admin_api.post(
        ORDERS, {"amount": 1000, "currency": "USD", "merchant_id": merchant.public_id}, format="json"
    )

    assert missing.status_code == 400
    assert unknown.status_code == 404
    assert response.status_code == 201
    assert response.json()["data"]["merchant_id"] == merchant.public_id


def test_finance_cannot_create_orders(finance_api: APIClient, merchant: Merchant) -> None:
    response = finance_api.post(
        ORDERS, {"amount": 1000, "currency": "USD", "merchant_id": merchant.public_id}, format="json"
    )

    assert response.status_code == 403
    assert not Order.objects.exists()


def test_outsider_gets_404_for_another_merchants_order(merchant_api: APIClient, outsider_api: APIClient) -> None:
    order = create_order(merchant_api)

    assert outsider_api.get(f"{ORDERS}{order['id']}/").status_code == 404
    assert outsider_api.get(f"{ORDERS}{order['id']}/payments/").status_code == 404
    assert outsider_api.get(ORDERS).json()["data"]["total"] == 0


@pytest.mark.parametrize("who", ["finance_api", "admin_api"])
def test_operators_see_every_merchants_orders(
    who: str, request: pytest.FixtureRequest, merchant_api: APIClient, outsider_api: APIClient
) -> None:
    mine, theirs = create_order(merchant_api), create_order(outsider_api)
    client = request.getfixturevalue(who)

    listed = client.get(ORDERS).json()["data"]

    assert {o["id"] for o in listed["results"]} == {mine["id"], theirs["id"]}
    assert client.get(f"{ORDERS}{theirs['id']}/").status_code == 200


def test_orders_need_authentication(api: APIClient) -> None:
    assert api.get(ORDERS).status_code == 401
    assert api.post(ORDERS, {"amount": 1000, "currency": "USD"}, format="json").status_code == 401


def test_order_lists_its_payments(merchant_api: APIClient) -> None:
    from tests.payments.conftest import pay

    order = create_order(merchant_api)
    payment = pay(merchant_api, order["id"])

    response = merchant_api.get(f"{ORDERS}{order['id']}/payments/")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["data"]["results"]] == [payment["id"]]
