from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from payments.models import Payment, ProviderProfile
from tests.conftest import API
from tests.payments.conftest import card_body, create_order, pay

PAYMENTS = f"{API}/payments/"


@pytest.mark.parametrize(
    ("number", "status", "reason", "attempts"),
    [
        ("4242424242424242", "captured", None, 1),
        ("4111111111111111", "captured", None, 1),
        ("4000000000000002", "failed", "CARD_DECLINED", 1),
        ("4000000000009995", "failed", "INSUFFICIENT_FUNDS", 1),
        ("4000000000000069", "failed", "EXPIRED_CARD", 1),
        ("4000000000000119", "failed", "PROCESSING_ERROR", 3),  # soft: every eligible provider tried
        ("4100000000000019", "failed", "FRAUD_SUSPECTED", 0),  # risk rules stop it before any provider
        ("4000000000004954", "review", None, 1),
        ("4000000000003253", "captured", None, 2),  # first provider unavailable, the next succeeds
    ],
)
def test_each_test_card_has_its_documented_outcome(
    merchant_api: APIClient, number: str, status: str, reason: str | None, attempts: int
) -> None:
    payment = pay(merchant_api, create_order(merchant_api, 5000, "USD")["id"], number)

    assert payment["status"] == status
    assert payment["failure_reason"] == reason
    assert len(payment["provider_attempts"]) == attempts


def test_fallback_history_keeps_every_attempt_in_order(merchant_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000003253")

    first, second = payment["provider_attempts"]
    assert (first["result"], first["error_code"]) == ("failure", "PROVIDER_UNAVAILABLE")
    assert (second["result"], second["error_code"]) == ("success", "")
    assert first["provider"] != second["provider"]
    assert payment["provider"] == second["provider"]
    assert all(a["id"].startswith("att_") and a["latency_ms"] > 0 for a in payment["provider_attempts"])


def test_hard_decline_is_not_retried_elsewhere(merchant_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000002")

    assert [a["error_code"] for a in payment["provider_attempts"]] == ["CARD_DECLINED"]


@pytest.mark.parametrize(
    ("vpa", "status", "reason"), [("success@paygate", "captured", None), ("failure@paygate", "failed", "UPI_DECLINED")]
)
def test_upi_test_ids(merchant_api: APIClient, vpa: str, status: str, reason: str | None) -> None:
    order = create_order(merchant_api, 50000, "INR")
    response = merchant_api.post(
        PAYMENTS, {"order_id": order["id"], "method": "upi", "vpa": vpa, "customer": {"country": "IN"}}, format="json"
    )

    assert response.status_code == 201
    payment = response.json()["data"]
    assert (payment["status"], payment["failure_reason"], payment["vpa"], payment["card"]) == (
        status,
        reason,
        vpa,
        None,
    )
    assert payment["region"] == "apac"


def test_upi_needs_an_inr_order(merchant_api: APIClient) -> None:
    order = create_order(merchant_api, 1000, "USD")

    response = merchant_api.post(
        PAYMENTS, {"order_id": order["id"], "method": "upi", "vpa": "success@paygate", "region": "na"}, format="json"
    )

    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_payment_stores_no_card_number_or_cvc(merchant_api: APIClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    payment = pay(merchant_api, create_order(merchant_api)["id"], "4242424242424242")

    row = Payment.objects.get(public_id=payment["id"])
    values = [str(getattr(row, f.attname)) for f in Payment._meta.fields]
    assert not any("4242424242424242" in value for value in values)
    assert "123" not in values  # the CVC is stored nowhere
    assert row.card_last4 == "4242" and len(row.card_fingerprint) == 64
    assert payment["card"] == {"last4": "4242", "network": "visa", "exp_month": 12, "exp_year": 2030}
    assert "4242424242424242" not in caplog.text
    assert "4242424242424242" not in str(row.events.values_list("data", flat=True)[::1])


@pytest.mark.parametrize(
    ("card", "field"),
    [
        ({"number": "4242424242424241"}, "number"),  # fails Luhn
        ({"number": "4242-abc"}, "number"),
        ({"number": "42"}, "number"),
        ({"exp_month": 13}, "exp_month"),
        ({"exp_month": 0}, "exp_month"),
        ({"exp_year": 2020}, "exp_year"),  # expired
        ({"cvc": "12"}, "cvc"),
        ({"pin": "0000"}, "pin"),
    ],
)
def test_bad_card_input_is_400_and_writes_nothing(merchant_api: APIClient, card: dict, field: str) -> None:
    order = create_order(merchant_api)
    body = card_body(order["id"])
    body["card"] |= card

    response = merchant_api.post(PAYMENTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["exception"]["meta"]["fields"]["card"]
    assert "4242424242424241" not in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"method": "cash"},
        {"card": None},
        {"vpa": "success@paygate"},
        {"customer": {"country": "ZZ"}},
        {"customer": {"email": "not-an-email"}},
        {"region": "moon"},
        {"tip": 100},
    ],
)
def test_bad_payment_input_is_400(merchant_api: APIClient, change: dict) -> None:
    body = card_body(create_order(merchant_api)["id"]) | change
    if change.get("card", 1) is None:
        del body["card"]

    response = merchant_api.post(PAYMENTS, body, format="json")

    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_region_comes_from_the_country_unless_given(merchant_api: APIClient) -> None:
    from_country = pay(merchant_api, create_order(merchant_api)["id"], customer={"country": "US"})
    given = pay(merchant_api, create_order(merchant_api)["id"], customer={"country": "US"}, region="eu")

    assert (from_country["region"], given["region"]) == ("na", "eu")


def test_paying_another_merchants_order_is_404(merchant_api: APIClient, outsider_api: APIClient) -> None:
    order = create_order(merchant_api)

    response = outsider_api.post(PAYMENTS, card_body(order["id"]), format="json")

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_paid_order_cannot_be_paid_again(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)
    pay(merchant_api, order["id"])

    response = merchant_api.post(PAYMENTS, card_body(order["id"]), format="json")

    assert response.status_code == 409
    assert response.json()["exception"]["code"] == 1011
    assert Payment.objects.count() == 1


def test_order_becomes_paid_and_counts_attempts(merchant_api: APIClient) -> None:
    order = create_order(merchant_api)
    pay(merchant_api, order["id"], "4000000000000002")
    pay(merchant_api, order["id"])

    data = merchant_api.get(f"{API}/orders/{order['id']}/").json()["data"]

    assert (data["status"], data["attempts"], data["amount_paid"], data["amount_due"]) == ("paid", 2, 2599, 0)


def test_finance_cannot_create_payments(finance_api: APIClient, merchant_api: APIClient) -> None:
    order = create_order(merchant_api)

    assert finance_api.post(PAYMENTS, card_body(order["id"]), format="json").status_code == 403


def test_admin_pays_on_behalf_of_a_merchant(admin_api: APIClient, merchant_api: APIClient) -> None:
    order = create_order(merchant_api)

    assert pay(admin_api, order["id"])["status"] == "captured"


def test_no_eligible_provider_fails_as_unavailable(merchant_api: APIClient) -> None:
    ProviderProfile.objects.update(enabled=False)

    payment = pay(merchant_api, create_order(merchant_api)["id"])

    assert (payment["status"], payment["failure_reason"], payment["provider_attempts"]) == (
        "failed",
        "PROVIDER_UNAVAILABLE",
        [],
    )


def test_payment_detail_shows_attempts_refunds_and_timeline(merchant_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"])

    data = merchant_api.get(f"{PAYMENTS}{payment['id']}/").json()["data"]

    assert [e["type"] for e in data["timeline"]] == ["payment.created", "payment.authorized", "payment.captured"]
    assert data["refunds"] == [] and len(data["provider_attempts"]) == 1


def test_list_filters_do_not_apply_to_a_lookup_by_id(merchant_api: APIClient, outsider_api: APIClient) -> None:
    payment = pay(merchant_api, create_order(merchant_api)["id"])

    filtered = merchant_api.get(f"{PAYMENTS}{payment['id']}/?status=failed&currency=JPY")
    outsider = outsider_api.get(f"{PAYMENTS}{payment['id']}/?status=captured")

    assert filtered.status_code == 200 and filtered.json()["data"]["status"] == "captured"
    assert outsider.status_code == 404
    assert merchant_api.get(f"{PAYMENTS}?status=failed").json()["data"]["total"] == 0
