"""POST orders/{id}/cancel/: who may cancel, from which states, and that a canceled order is never paid."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from merchants.models import Merchant, User
from payments.models import Order, OrderStatus, Payment
from tests.conftest import API
from tests.payments.conftest import card_body, create_order, pay
from webhooks.models import Event

ORDERS = f"{API}/orders/"


def cancel(api: APIClient, order_id: str):
    return api.post(f"{ORDERS}{order_id}/cancel/", {}, format="json")


@pytest.fixture
def manual_capture(merchant: Merchant) -> Merchant:
    merchant.auto_capture = False
    merchant.save()
    return merchant


def test_merchant_cancels_a_new_order_and_the_event_is_written(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)

    response = cancel(merchant_api, order["id"])

    assert response.status_code == 200
    assert response.json()["data"]["status"] == "canceled"
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.CANCELED
    event = Event.objects.get(type="order.canceled")
    assert (event.object_id, event.data["status"]) == (order["id"], "canceled")
    assert merchant_api.get(f"{ORDERS}{order['id']}/").json()["data"]["status"] == "canceled"


def test_an_attempted_order_whose_payment_failed_can_be_canceled(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)
    failed = pay(merchant_api, order["id"], "4000000000000002")
    assert failed["status"] == "failed"

    response = cancel(merchant_api, order["id"])

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["status"], data["attempts"]) == ("canceled", 1)


def test_cancel_is_refused_while_a_payment_is_in_progress(merchant_api: APIClient, manual_capture: Merchant) -> None:
    order = create_order(merchant_api)
    payment = pay(merchant_api, order["id"])
    assert payment["status"] == "authorized"  # uncaptured: in progress until captured or voided

    response = cancel(merchant_api, order["id"])

    assert response.status_code == 409
    error = response.json()["exception"]
    assert error["code"] == 1010
    assert error["meta"] == {
        "current_state": "attempted", "expected_states": ["attempted", "created"], "action": "cancel",
        "payment_id": payment["id"], "payment_status": "authorized",
    }  # fmt: skip
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.ATTEMPTED
    assert not Event.objects.filter(type="order.canceled").exists()


def test_cancel_is_allowed_once_the_payment_in_progress_is_voided(
    merchant_api: APIClient, manual_capture: Merchant
) -> None:
    order = create_order(merchant_api)
    payment = pay(merchant_api, order["id"])
    merchant_api.post(f"{API}/payments/{payment['id']}/cancel/", {}, format="json")

    assert cancel(merchant_api, order["id"]).status_code == 200


def test_a_paid_order_cannot_be_canceled(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)
    pay(merchant_api, order["id"])

    response = cancel(merchant_api, order["id"])

    assert response.status_code == 409
    error = response.json()["exception"]
    assert (error["code"], error["meta"]["current_state"]) == (1010, "paid")
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.PAID


def test_an_order_with_a_partial_capture_cannot_be_canceled(merchant_api: APIClient, manual_capture: Merchant) -> None:
    order = create_order(merchant_api, 5000, "USD")
    payment = pay(merchant_api, order["id"])
    merchant_api.post(f"{API}/payments/{payment['id']}/capture/", {"amount": 2000}, format="json")

    response = cancel(merchant_api, order["id"])

    assert response.status_code == 409
    assert response.json()["exception"]["meta"]["amount_paid"] == 2000
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.ATTEMPTED


def test_a_canceled_order_cannot_be_canceled_again(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)
    cancel(merchant_api, order["id"])

    response = cancel(merchant_api, order["id"])

    assert response.status_code == 409
    assert response.json()["exception"]["meta"]["current_state"] == "canceled"
    assert Event.objects.filter(type="order.canceled").count() == 1


def test_paying_a_canceled_order_is_409_and_writes_nothing(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)
    cancel(merchant_api, order["id"])
    events = Event.objects.count()

    response = merchant_api.post(f"{API}/payments/", card_body(order["id"]), format="json")

    assert response.status_code == 409
    error = response.json()["exception"]
    assert (error["code"], error["meta"]["order_status"]) == (1011, "canceled")
    assert "canceled" in error["message"]
    assert not Payment.objects.exists()
    assert Event.objects.count() == events


def test_another_merchant_cannot_cancel_an_order(merchant_api: APIClient, outsider_api: APIClient) -> None:
    order = create_order(merchant_api)

    response = cancel(outsider_api, order["id"])

    assert response.status_code == 404
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.CREATED


def test_finance_cannot_cancel_an_order(merchant_api: APIClient, finance_api: APIClient) -> None:
    order = create_order(merchant_api)

    response = cancel(finance_api, order["id"])

    assert response.status_code == 403
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.CREATED


def test_admin_cancels_any_merchants_order(merchant_api: APIClient, admin_api: APIClient, admin_user: User) -> None:
    order = create_order(merchant_api)

    response = cancel(admin_api, order["id"])

    assert response.status_code == 200
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.CANCELED
    assert Event.objects.get(type="order.canceled").actor == admin_user.public_id


def test_cancel_takes_no_body(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)

    response = merchant_api.post(f"{ORDERS}{order['id']}/cancel/", {"reason": "x"}, format="json")

    assert response.status_code == 400
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.CREATED


def test_a_failed_payment_of_a_canceled_order_cannot_be_retried(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)
    failed = pay(merchant_api, order["id"], "4000000000000119")  # a soft failure: retryable
    assert cancel(merchant_api, order["id"]).status_code == 200

    response = merchant_api.post(f"{API}/payments/{failed['id']}/retry/", {}, format="json")

    assert response.status_code == 409
    error = response.json()["exception"]
    assert (error["code"], error["meta"]["order_status"]) == (1011, "canceled")
    payment = Payment.objects.get(public_id=failed["id"])
    assert (payment.status, payment.retry_count) == ("failed", 0)
    assert not Event.objects.filter(type="payment.retried").exists()
