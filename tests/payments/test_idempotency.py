from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from payments.idempotency import _request_hash
from payments.models import IdempotencyKey, IdempotencyStatus, Order, Payment
from tests.conftest import API
from tests.payments.conftest import card_body, create_order

ORDERS = f"{API}/orders/"


def post(api: APIClient, path: str, body: dict, key: str):
    return api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_replays_the_first_answer(merchant_api: APIClient) -> None:
    first = post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "k-1")
    again = post(merchant_api, ORDERS, {"currency": "USD", "amount": 1000}, "k-1")  # same body, other key order

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_a_replayed_payment_is_not_charged_twice(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)

    first = post(merchant_api, f"{API}/payments/", card_body(order["id"]), "pay-1")
    again = post(merchant_api, f"{API}/payments/", card_body(order["id"]), "pay-1")

    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert Payment.objects.count() == 1


def test_same_key_with_another_body_or_path_is_422(merchant_api: APIClient) -> None:
    post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "k-2")

    other_body = post(merchant_api, ORDERS, {"amount": 1001, "currency": "USD"}, "k-2")
    other_path = post(merchant_api, f"{API}/payouts/", {"amount": 1000, "currency": "USD"}, "k-2")

    assert other_body.status_code == other_path.status_code == 422
    assert other_body.json()["exception"]["code"] == 1013
    assert Order.objects.count() == 1


def test_a_key_in_flight_answers_409(merchant_api: APIClient, merchant) -> None:
    # given another request with the same key and body that has claimed it and not finished
    body = {"amount": 1000, "currency": "USD"}
    request = Request(APIRequestFactory().post(ORDERS, body, format="json"), parsers=[JSONParser()])
    IdempotencyKey.objects.create(scope=merchant.public_id, key="busy", request_hash=_request_hash(request))

    response = post(merchant_api, ORDERS, body, "busy")

    assert response.status_code == 409
    assert response.json()["exception"]["code"] == 1012
    assert not Order.objects.exists()


def test_a_failed_validation_stores_nothing_so_it_can_be_corrected(merchant_api: APIClient) -> None:
    bad = post(merchant_api, ORDERS, {"amount": -1, "currency": "USD"}, "fix-me")
    good = post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "fix-me")

    assert bad.status_code == 400
    assert good.status_code == 201 and "Idempotent-Replayed" not in good
    assert IdempotencyKey.objects.get(key="fix-me").status == IdempotencyStatus.COMPLETED


def test_keys_are_scoped_per_merchant(merchant_api: APIClient, outsider_api: APIClient) -> None:
    mine = post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "shared")
    theirs = post(outsider_api, ORDERS, {"amount": 1000, "currency": "USD"}, "shared")

    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert theirs.json()["data"]["id"] != mine.json()["data"]["id"]


def test_an_expired_key_is_a_new_request(merchant_api: APIClient) -> None:
    post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "old")

    assert "Idempotent-Replayed" not in again
    assert Order.objects.count() == 2


def test_overlong_or_empty_key_is_400(merchant_api: APIClient) -> None:
    assert post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "k" * 256).status_code == 400
    assert post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "").status_code == 400
    assert post(merchant_api, ORDERS, {"amount": 1000, "currency": "USD"}, "k" * 255).status_code == 201
    assert not IdempotencyKey.objects.filter(key="").exists()


def test_a_domain_error_stores_nothing(merchant_api: APIClient) -> None:
    response = post(merchant_api, f"{API}/payouts/", {"amount": 1000, "currency": "USD"}, "payout-1")

    assert response.status_code == 409
    assert not IdempotencyKey.objects.exists()
