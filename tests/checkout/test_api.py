"""The public checkout endpoints: what a payer may see and set, and nothing more."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from checkout.signature import verify_checkout_signature
from merchants.keys import checkout_signing_key
from merchants.models import Merchant
from payments.models import Order, Payment, PaymentStatus
from tests.checkout.conftest import CHECKOUT, card_body, new_order


def test_order_shows_only_what_a_payer_may_see(api: APIClient, merchant: Merchant, order: Order) -> None:
    response = api.get(f"{CHECKOUT}/orders/{order.public_id}/")

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {
        "id",
        "merchant",
        "amount",
        "amount_due",
        "currency",
        "receipt",
        "status",
        "expires_at",
        "methods",
        "test_mode",
    }
    assert data["merchant"] == {"name": merchant.business_name}
    assert (data["amount"], data["currency"], data["receipt"], data["methods"]) == (2599, "GBP", "inv_42", ["card"])
    assert merchant.api_key_id not in response.content.decode()


def test_inr_order_offers_upi(api: APIClient, merchant: Merchant) -> None:
    order = new_order(merchant, amount=50000, currency="INR")

    data = api.get(f"{CHECKOUT}/orders/{order.public_id}/").json()["data"]

    assert data["methods"] == ["card", "upi"]


def test_unknown_order_is_404(api: APIClient, db: None) -> None:
    response = api.get(f"{CHECKOUT}/orders/order_doesnotexist0000/")

    assert response.status_code == 404
    assert response.json()["success"] is False


def test_deleted_order_is_404(api: APIClient, order: Order) -> None:
    order.mark_deleted()
    order.save()

    assert api.get(f"{CHECKOUT}/orders/{order.public_id}/").status_code == 404


def test_paid_order_is_409(api: APIClient, order: Order) -> None:
    api.post(f"{CHECKOUT}/payments/", card_body(order.public_id), format="json")

    response = api.get(f"{CHECKOUT}/orders/{order.public_id}/")

    assert response.status_code == 409
    assert response.json()["exception"]["code"] == 1011


def test_card_payment_succeeds_with_a_signature_the_merchant_verifies(
    api: APIClient, merchant: Merchant, order: Order
) -> None:
    response = api.post(f"{CHECKOUT}/payments/", card_body(order.public_id), format="json")

    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {
        "id", "order_id", "amount", "currency", "method", "status", "outcome", "message", "failure_reason",
        "card", "retryable", "signature",
    }  # fmt: skip
    assert (data["status"], data["outcome"], data["card"]) == (
        "captured",
        "succeeded",
        {"last4": "4242", "network": "visa"},
    )
    key = checkout_signing_key(merchant.api_secret_hash)
    assert verify_checkout_signature(order.public_id, data["id"], data["signature"], key)
    assert not verify_checkout_signature(order.public_id, data["id"], data["signature"], "csk_wrong")
    assert api.get(f"{CHECKOUT}/payments/{data['id']}/").json()["data"] == data


def test_declined_card_is_failed_and_the_payer_may_try_again(api: APIClient, order: Order) -> None:
    declined = api.post(f"{CHECKOUT}/payments/", card_body(order.public_id, "4000000000000002"), format="json")

    data = declined.json()["data"]
    assert (data["outcome"], data["failure_reason"], data["retryable"], data["signature"]) == (
        "failed", "CARD_DECLINED", True, None,
    )  # fmt: skip
    again = api.post(f"{CHECKOUT}/payments/", card_body(order.public_id), format="json")
    assert again.json()["data"]["outcome"] == "succeeded"
    assert api.get(f"{CHECKOUT}/payments/{data['id']}/").json()["data"]["retryable"] is False  # order now paid


def test_upi_payment_on_inr_order(api: APIClient, merchant: Merchant) -> None:
    order = new_order(merchant, amount=50000, currency="INR")
    body = {"order_id": order.public_id, "method": "upi", "vpa": "success@paygate", "customer": {"country": "IN"}}

    data = api.post(f"{CHECKOUT}/payments/", body, format="json").json()["data"]

    assert (data["outcome"], data["card"], data["method"]) == ("succeeded", None, "upi")


def test_payer_cannot_set_region_or_amount(api: APIClient, order: Order) -> None:
    response = api.post(f"{CHECKOUT}/payments/", card_body(order.public_id, region="na", amount=1), format="json")

    assert response.status_code == 400
    assert set(response.json()["exception"]["meta"]["fields"]) == {"region", "amount"}


def test_payer_must_give_a_country(api: APIClient, order: Order) -> None:
    response = api.post(f"{CHECKOUT}/payments/", card_body(order.public_id, customer={"name": "A"}), format="json")

    assert response.status_code == 400
    assert "customer" in response.json()["exception"]["meta"]["fields"]


def test_invalid_card_number_is_refused_without_echoing_it(api: APIClient, order: Order) -> None:
    response = api.post(f"{CHECKOUT}/payments/", card_body(order.public_id, "4242424242424241"), format="json")

    assert response.status_code == 400
    assert "4242424242424241" not in response.content.decode()
    assert not Payment.objects.exists()


def test_paying_a_paid_order_is_409(api: APIClient, order: Order) -> None:
    api.post(f"{CHECKOUT}/payments/", card_body(order.public_id), format="json")

    response = api.post(f"{CHECKOUT}/payments/", card_body(order.public_id), format="json")

    assert response.status_code == 409
    assert response.json()["exception"]["code"] == 1011


def test_paying_an_unknown_order_is_404(api: APIClient, db: None) -> None:
    response = api.post(f"{CHECKOUT}/payments/", card_body("order_doesnotexist0000"), format="json")

    assert response.status_code == 404


def test_unknown_payment_is_404(api: APIClient, db: None) -> None:
    assert api.get(f"{CHECKOUT}/payments/pay_doesnotexist00000/").status_code == 404


def test_processing_payment_has_no_signature(api: APIClient, order: Order) -> None:
    payment = Payment.objects.create(
        merchant=order.merchant, order=order, amount=order.amount, currency=order.currency, method="card",
        region="eu", status=PaymentStatus.PROCESSING, card_last4="4242", card_network="visa",
    )  # fmt: skip

    data = api.get(f"{CHECKOUT}/payments/{payment.public_id}/").json()["data"]

    assert (data["outcome"], data["signature"], data["retryable"]) == ("processing", None, False)


@pytest.mark.usefixtures("one_rate_window")
def test_payments_are_rate_limited_per_ip(api: APIClient, order: Order, settings) -> None:
    settings.RATELIMIT_CHECKOUT_PAY = "2/m"
    body = card_body(order.public_id, "4000000000000002")
    for _ in range(2):
        assert api.post(f"{CHECKOUT}/payments/", body, format="json").status_code == 201

    response = api.post(f"{CHECKOUT}/payments/", body, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["exception"]["code"] == 1005


@pytest.mark.usefixtures("one_rate_window")
def test_reads_are_rate_limited_per_ip(api: APIClient, order: Order, settings) -> None:
    settings.RATELIMIT_CHECKOUT_READ = "1/m"
    assert api.get(f"{CHECKOUT}/orders/{order.public_id}/").status_code == 200

    response = api.get(f"{CHECKOUT}/orders/{order.public_id}/", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 429
    assert "Retry-After" in response
    other_ip = api.get(f"{CHECKOUT}/orders/{order.public_id}/", REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200
